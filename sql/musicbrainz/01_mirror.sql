-- The MusicBrainz mirror: the tables a lookup's metadata reads, in schema musicbrainz, each
-- with MusicBrainz's columns in the order of admin/sql/CreateTables.sql (schema sequence 31).

-- So a file of the public data dump loads with a plain COPY, and a real MusicBrainz database
-- (musicbrainz-docker, for example) can stand in for this one.
-- Kept from MusicBrainz: types, NOT NULL, primary keys. Left out: foreign keys and CHECKs
-- (MusicBrainz enforced them before exporting; the mirror takes what the dump holds), and
-- every column default (rows only ever come from dumps).

DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['acoustid_reader', 'acoustid_writer', 'acoustid_admin'] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- made by another database's migration, maybe concurrently
        END;
    END LOOP;
    BEGIN
        GRANT acoustid_reader TO acoustid_writer;
    EXCEPTION WHEN unique_violation THEN
        NULL;
    END;
END
$$;

CREATE SCHEMA musicbrainz AUTHORIZATION acoustid_admin;
COMMENT ON SCHEMA musicbrainz IS 'a read-only mirror of the MusicBrainz tables lookups read';
GRANT USAGE ON SCHEMA musicbrainz TO acoustid_reader;

CREATE TABLE musicbrainz.artist (
    id integer NOT NULL,
    gid uuid NOT NULL,
    name varchar NOT NULL,
    sort_name varchar NOT NULL,
    begin_date_year smallint,
    begin_date_month smallint,
    begin_date_day smallint,
    end_date_year smallint,
    end_date_month smallint,
    end_date_day smallint,
    type integer,
    area integer,
    gender integer,
    comment varchar(255) NOT NULL,
    edits_pending integer NOT NULL,
    last_updated timestamptz,
    ended boolean NOT NULL,
    begin_area integer,
    end_area integer,
    CONSTRAINT artist_pkey PRIMARY KEY (id)
);

CREATE TABLE musicbrainz.artist_credit (
    id integer NOT NULL,
    name varchar NOT NULL,
    artist_count smallint NOT NULL,
    ref_count integer,
    created timestamptz,
    edits_pending integer NOT NULL,
    gid uuid NOT NULL,
    CONSTRAINT artist_credit_pkey PRIMARY KEY (id)
);

CREATE TABLE musicbrainz.artist_credit_name (
    artist_credit integer NOT NULL,
    position smallint NOT NULL,
    artist integer NOT NULL,
    name varchar NOT NULL,
    join_phrase text NOT NULL,
    CONSTRAINT artist_credit_name_pkey PRIMARY KEY (artist_credit, position)
);

CREATE TABLE musicbrainz.recording (
    id integer NOT NULL,
    gid uuid NOT NULL,
    name varchar NOT NULL,
    artist_credit integer NOT NULL,
    length integer,
    comment varchar(255) NOT NULL,
    edits_pending integer NOT NULL,
    last_updated timestamptz,
    video boolean NOT NULL,
    CONSTRAINT recording_pkey PRIMARY KEY (id)
);

CREATE UNIQUE INDEX recording_idx_gid ON musicbrainz.recording (gid);

CREATE TABLE musicbrainz.recording_gid_redirect (
    gid uuid NOT NULL,
    new_id integer NOT NULL,
    created timestamptz,
    CONSTRAINT recording_gid_redirect_pkey PRIMARY KEY (gid)
);

-- The merge-following job asks which old MBIDs point at a recording.
CREATE INDEX recording_gid_redirect_idx_new_id ON musicbrainz.recording_gid_redirect (new_id);

CREATE TABLE musicbrainz.isrc (
    id integer NOT NULL,
    recording integer NOT NULL,
    isrc char(12) NOT NULL,
    edits_pending integer NOT NULL,
    created timestamptz,
    CONSTRAINT isrc_pkey PRIMARY KEY (id)
);

CREATE INDEX isrc_idx_recording ON musicbrainz.isrc (recording);

CREATE TABLE musicbrainz.release_group_primary_type (
    id integer NOT NULL,
    name varchar(255) NOT NULL,
    parent integer,
    child_order integer NOT NULL,
    description text,
    gid uuid NOT NULL,
    CONSTRAINT release_group_primary_type_pkey PRIMARY KEY (id)
);

CREATE TABLE musicbrainz.release_group_secondary_type (
    id integer NOT NULL,
    name text NOT NULL,
    parent integer,
    child_order integer NOT NULL,
    description text,
    gid uuid NOT NULL,
    CONSTRAINT release_group_secondary_type_pkey PRIMARY KEY (id)
);

CREATE TABLE musicbrainz.release_group (
    id integer NOT NULL,
    gid uuid NOT NULL,
    name varchar NOT NULL,
    artist_credit integer NOT NULL,
    type integer,
    comment varchar(255) NOT NULL,
    edits_pending integer NOT NULL,
    last_updated timestamptz,
    CONSTRAINT release_group_pkey PRIMARY KEY (id)
);

CREATE TABLE musicbrainz.release_group_secondary_type_join (
    release_group integer NOT NULL,
    secondary_type integer NOT NULL,
    created timestamptz NOT NULL,
    CONSTRAINT release_group_secondary_type_join_pkey PRIMARY KEY (release_group, secondary_type)
);

CREATE TABLE musicbrainz.release (
    id integer NOT NULL,
    gid uuid NOT NULL,
    name varchar NOT NULL,
    artist_credit integer NOT NULL,
    release_group integer NOT NULL,
    status integer,
    packaging integer,
    language integer,
    script integer,
    barcode varchar(255),
    comment varchar(255) NOT NULL,
    edits_pending integer NOT NULL,
    quality smallint NOT NULL,
    last_updated timestamptz,
    CONSTRAINT release_pkey PRIMARY KEY (id)
);

CREATE TABLE musicbrainz.release_country (
    release integer NOT NULL,
    country integer NOT NULL,
    date_year smallint,
    date_month smallint,
    date_day smallint,
    CONSTRAINT release_country_pkey PRIMARY KEY (release, country)
);

CREATE TABLE musicbrainz.release_unknown_country (
    release integer NOT NULL,
    date_year smallint,
    date_month smallint,
    date_day smallint,
    CONSTRAINT release_unknown_country_pkey PRIMARY KEY (release)
);

CREATE TABLE musicbrainz.iso_3166_1 (
    area integer NOT NULL,
    code char(2) NOT NULL,
    CONSTRAINT iso_3166_1_pkey PRIMARY KEY (code)
);

-- Release events name a country by its area: the code is found from the area.
CREATE INDEX iso_3166_1_idx_area ON musicbrainz.iso_3166_1 (area);

CREATE TABLE musicbrainz.medium_format (
    id integer NOT NULL,
    name varchar(100) NOT NULL,
    parent integer,
    child_order integer NOT NULL,
    year smallint,
    has_discids boolean NOT NULL,
    description text,
    gid uuid NOT NULL,
    CONSTRAINT medium_format_pkey PRIMARY KEY (id)
);

CREATE TABLE musicbrainz.medium (
    id integer NOT NULL,
    release integer NOT NULL,
    position integer NOT NULL,
    format integer,
    name varchar NOT NULL,
    edits_pending integer NOT NULL,
    last_updated timestamptz,
    track_count integer NOT NULL,
    gid uuid NOT NULL,
    CONSTRAINT medium_pkey PRIMARY KEY (id)
);

CREATE INDEX medium_idx_release ON musicbrainz.medium (release);

CREATE TABLE musicbrainz.track (
    id integer NOT NULL,
    gid uuid NOT NULL,
    recording integer NOT NULL,
    medium integer NOT NULL,
    position integer NOT NULL,
    number text NOT NULL,
    name varchar NOT NULL,
    artist_credit integer NOT NULL,
    length integer,
    edits_pending integer NOT NULL,
    last_updated timestamptz,
    is_data_track boolean NOT NULL,
    CONSTRAINT track_pkey PRIMARY KEY (id)
);

-- A lookup goes from a recording to its tracks; listing a medium's tracks starts from the medium.
CREATE INDEX track_idx_recording ON musicbrainz.track (recording);
CREATE INDEX track_idx_medium ON musicbrainz.track (medium, position);

CREATE TABLE musicbrainz.replication_control (
    id integer NOT NULL,
    current_schema_sequence integer NOT NULL,
    current_replication_sequence integer,
    last_replication_date timestamptz,
    CONSTRAINT replication_control_pkey PRIMARY KEY (id)
);

-- Not a MusicBrainz table: which dump the mirror holds (one row, written by the import's swap).
CREATE TABLE musicbrainz.mirror_dump (
    id boolean PRIMARY KEY DEFAULT TRUE CHECK (id),
    schema_sequence integer NOT NULL,
    replication_sequence integer,
    dump_timestamp timestamptz NOT NULL,
    source text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE musicbrainz.mirror_dump IS 'the MusicBrainz data dump the mirror was last loaded from';

-- Not a MusicBrainz table: MBIDs linked to tracks that MusicBrainz does not have, and the
-- mirror's data time when the merge-following job first found each missing (it disables a
-- link once the mirror has moved on a week without the MBID appearing).
CREATE TABLE musicbrainz.unknown_mbid (
    mbid uuid PRIMARY KEY,
    first_missing timestamptz NOT NULL
);

COMMENT ON TABLE musicbrainz.unknown_mbid IS 'MBIDs of track links that the mirror lacks, since when';

-- acoustid_admin owns the mirror, so its members can run an import (which swaps tables).
DO $$
DECLARE
    mirror_table regclass;
BEGIN
    FOR mirror_table IN
        SELECT c.oid::regclass FROM pg_class AS c
        WHERE c.relnamespace = 'musicbrainz'::regnamespace AND c.relkind = 'r'
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO acoustid_admin', mirror_table);
    END LOOP;
END
$$;

GRANT SELECT ON ALL TABLES IN SCHEMA musicbrainz TO acoustid_reader;

-- Where an import stages the tables of a new dump before swapping them in, one transaction
-- per table: loaded_table lists the tables staged so far, so an interrupted import of the
-- same dump resumes after them. Empty between imports.
CREATE SCHEMA musicbrainz_import AUTHORIZATION acoustid_admin;
COMMENT ON SCHEMA musicbrainz_import IS 'tables of a MusicBrainz dump being imported';

CREATE TABLE musicbrainz_import.loaded_table (
    table_name text PRIMARY KEY,
    dump_key text NOT NULL,
    row_count bigint NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE musicbrainz_import.loaded_table OWNER TO acoustid_admin;
