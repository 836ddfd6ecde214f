-- Provenance: which source and which ingest submission produced each fingerprint and link,
-- plus the moderation log of track-MBID links. Unique submission ids make imports idempotent.

CREATE TABLE fingerprint_source (
    id serial PRIMARY KEY,
    fingerprint_id integer NOT NULL REFERENCES fingerprint (id) ON DELETE CASCADE,
    source_id integer REFERENCES source (id) ON DELETE SET NULL,
    submission_id integer UNIQUE,
    created timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE fingerprint_source IS 'one row per submission that produced or confirmed a fingerprint';
COMMENT ON COLUMN fingerprint_source.submission_id IS
'acoustid_ingest.submission.id (another database: no foreign key); unique, so an import runs once';

CREATE INDEX fingerprint_source_fingerprint_id_idx ON fingerprint_source (fingerprint_id);

CREATE TABLE track_mbid_source (
    id serial PRIMARY KEY,
    track_mbid_id integer NOT NULL REFERENCES track_mbid (id) ON DELETE CASCADE,
    source_id integer REFERENCES source (id) ON DELETE SET NULL,
    submission_id integer,
    created timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE track_mbid_source IS 'one row per submission that backed a track-MBID link';
COMMENT ON COLUMN track_mbid_source.submission_id IS
'acoustid_ingest.submission.id (another database: no foreign key)';

CREATE INDEX track_mbid_source_track_mbid_id_idx ON track_mbid_source (track_mbid_id);

CREATE TABLE track_mbid_change (
    id serial PRIMARY KEY,
    track_mbid_id integer NOT NULL REFERENCES track_mbid (id) ON DELETE CASCADE,
    account_id integer,
    disabled boolean NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    note text
);

COMMENT ON TABLE track_mbid_change IS 'audit log: who disabled or enabled a track-MBID link, when and why';
COMMENT ON COLUMN track_mbid_change.account_id IS
'acoustid_app.account.id (another database: no foreign key, the driver validates it)';

CREATE INDEX track_mbid_change_track_mbid_id_idx ON track_mbid_change (track_mbid_id);

CREATE TABLE track_meta_source (
    id serial PRIMARY KEY,
    track_meta_id integer NOT NULL REFERENCES track_meta (id) ON DELETE CASCADE,
    source_id integer REFERENCES source (id) ON DELETE SET NULL,
    submission_id integer,
    created timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE track_meta_source IS 'one row per submission that backed a track-metadata link';
COMMENT ON COLUMN track_meta_source.submission_id IS
'acoustid_ingest.submission.id (another database: no foreign key)';

CREATE INDEX track_meta_source_track_meta_id_idx ON track_meta_source (track_meta_id);

CREATE TABLE track_puid_source (
    id serial PRIMARY KEY,
    track_puid_id integer NOT NULL REFERENCES track_puid (id) ON DELETE CASCADE,
    source_id integer REFERENCES source (id) ON DELETE SET NULL,
    submission_id integer,
    created timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE track_puid_source IS 'one row per submission that backed a track-PUID link';
COMMENT ON COLUMN track_puid_source.submission_id IS
'acoustid_ingest.submission.id (another database: no foreign key)';

CREATE INDEX track_puid_source_track_puid_id_idx ON track_puid_source (track_puid_id);

CREATE TABLE track_foreignid_source (
    id serial PRIMARY KEY,
    track_foreignid_id integer NOT NULL REFERENCES track_foreignid (id) ON DELETE CASCADE,
    source_id integer REFERENCES source (id) ON DELETE SET NULL,
    submission_id integer,
    created timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE track_foreignid_source IS 'one row per submission that backed a track-foreign-id link';
COMMENT ON COLUMN track_foreignid_source.submission_id IS
'acoustid_ingest.submission.id (another database: no foreign key)';

CREATE INDEX track_foreignid_source_track_foreignid_id_idx
ON track_foreignid_source (track_foreignid_id);

ALTER TABLE fingerprint_source OWNER TO acoustid_admin;
ALTER TABLE track_mbid_source OWNER TO acoustid_admin;
ALTER TABLE track_mbid_change OWNER TO acoustid_admin;
ALTER TABLE track_meta_source OWNER TO acoustid_admin;
ALTER TABLE track_puid_source OWNER TO acoustid_admin;
ALTER TABLE track_foreignid_source OWNER TO acoustid_admin;

GRANT SELECT, INSERT, UPDATE, DELETE ON fingerprint_source, track_mbid_source, track_mbid_change,
track_meta_source, track_puid_source, track_foreignid_source TO acoustid_writer;
GRANT USAGE ON SEQUENCE fingerprint_source_id_seq, track_mbid_source_id_seq,
track_mbid_change_id_seq, track_meta_source_id_seq, track_puid_source_id_seq,
track_foreignid_source_id_seq TO acoustid_writer;
