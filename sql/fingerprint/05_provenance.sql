-- Provenance: which source and submission produced each fingerprint and link (unique submission
-- ids make imports idempotent), the counts they keep, and the moderation log of MBID links.

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

-- Each submission_count equals the number of provenance rows pointing at its row: one trigger
-- function for the five provenance tables, on insert, delete and re-pointing (merges).
CREATE FUNCTION increment_submission_count() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    -- trigger arguments: the counted table and the provenance column that points at it
    counted_table CONSTANT text := TG_ARGV[0];
    key_column CONSTANT text := TG_ARGV[1];
    bump CONSTANT text := format(
        'UPDATE %I SET submission_count = submission_count + $2 WHERE id = ($1).%I',
        counted_table, key_column
    );
    unchanged boolean;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        EXECUTE format('SELECT ($1).%1$I IS NOT DISTINCT FROM ($2).%1$I', key_column)
        INTO unchanged USING OLD, NEW;
        IF unchanged THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE bump USING OLD, -1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE bump USING NEW, 1;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION increment_submission_count() IS
'trigger (counted table, provenance column): submission_count = number of provenance rows';

CREATE TRIGGER update_fingerprint_submission_count
AFTER INSERT OR DELETE OR UPDATE OF fingerprint_id ON fingerprint_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('fingerprint', 'fingerprint_id');

CREATE TRIGGER update_track_mbid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_mbid_id ON track_mbid_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_mbid', 'track_mbid_id');

CREATE TRIGGER update_track_meta_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_meta_id ON track_meta_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_meta', 'track_meta_id');

CREATE TRIGGER update_track_puid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_puid_id ON track_puid_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_puid', 'track_puid_id');

CREATE TRIGGER update_track_foreignid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_foreignid_id ON track_foreignid_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_foreignid', 'track_foreignid_id');

ALTER TABLE fingerprint_source OWNER TO acoustid_admin;
ALTER TABLE track_mbid_source OWNER TO acoustid_admin;
ALTER TABLE track_mbid_change OWNER TO acoustid_admin;
ALTER TABLE track_meta_source OWNER TO acoustid_admin;
ALTER TABLE track_puid_source OWNER TO acoustid_admin;
ALTER TABLE track_foreignid_source OWNER TO acoustid_admin;
ALTER FUNCTION increment_submission_count() OWNER TO acoustid_admin;

GRANT SELECT, INSERT, UPDATE, DELETE ON fingerprint_source, track_mbid_source, track_mbid_change,
track_meta_source, track_puid_source, track_foreignid_source TO acoustid_writer;
GRANT USAGE ON SEQUENCE fingerprint_source_id_seq, track_mbid_source_id_seq,
track_mbid_change_id_seq, track_meta_source_id_seq, track_puid_source_id_seq,
track_foreignid_source_id_seq TO acoustid_writer;
