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

-- Each submission_count equals the number of provenance rows pointing at its row: one small
-- static function per provenance table, on insert, delete and re-pointing (merges). (One shared
-- function building its UPDATE with format() cost an EXECUTE, planned anew, on every row.)
CREATE FUNCTION count_fingerprint_source() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.fingerprint_id IS NOT DISTINCT FROM NEW.fingerprint_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE fingerprint SET submission_count = submission_count - 1 WHERE id = OLD.fingerprint_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE fingerprint SET submission_count = submission_count + 1 WHERE id = NEW.fingerprint_id;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION count_fingerprint_source() IS
'trigger: fingerprint.submission_count = number of fingerprint_source rows pointing at it';

CREATE FUNCTION count_track_mbid_source() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.track_mbid_id IS NOT DISTINCT FROM NEW.track_mbid_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE track_mbid SET submission_count = submission_count - 1 WHERE id = OLD.track_mbid_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE track_mbid SET submission_count = submission_count + 1 WHERE id = NEW.track_mbid_id;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION count_track_mbid_source() IS
'trigger: track_mbid.submission_count = number of track_mbid_source rows pointing at it';

CREATE FUNCTION count_track_meta_source() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.track_meta_id IS NOT DISTINCT FROM NEW.track_meta_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE track_meta SET submission_count = submission_count - 1 WHERE id = OLD.track_meta_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE track_meta SET submission_count = submission_count + 1 WHERE id = NEW.track_meta_id;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION count_track_meta_source() IS
'trigger: track_meta.submission_count = number of track_meta_source rows pointing at it';

CREATE FUNCTION count_track_puid_source() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.track_puid_id IS NOT DISTINCT FROM NEW.track_puid_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE track_puid SET submission_count = submission_count - 1 WHERE id = OLD.track_puid_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE track_puid SET submission_count = submission_count + 1 WHERE id = NEW.track_puid_id;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION count_track_puid_source() IS
'trigger: track_puid.submission_count = number of track_puid_source rows pointing at it';

CREATE FUNCTION count_track_foreignid_source() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.track_foreignid_id IS NOT DISTINCT FROM NEW.track_foreignid_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE track_foreignid SET submission_count = submission_count - 1 WHERE id = OLD.track_foreignid_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE track_foreignid SET submission_count = submission_count + 1 WHERE id = NEW.track_foreignid_id;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION count_track_foreignid_source() IS
'trigger: track_foreignid.submission_count = number of track_foreignid_source rows pointing at it';

CREATE TRIGGER update_fingerprint_submission_count
AFTER INSERT OR DELETE OR UPDATE OF fingerprint_id ON fingerprint_source
FOR EACH ROW EXECUTE FUNCTION count_fingerprint_source();

CREATE TRIGGER update_track_mbid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_mbid_id ON track_mbid_source
FOR EACH ROW EXECUTE FUNCTION count_track_mbid_source();

CREATE TRIGGER update_track_meta_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_meta_id ON track_meta_source
FOR EACH ROW EXECUTE FUNCTION count_track_meta_source();

CREATE TRIGGER update_track_puid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_puid_id ON track_puid_source
FOR EACH ROW EXECUTE FUNCTION count_track_puid_source();

CREATE TRIGGER update_track_foreignid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_foreignid_id ON track_foreignid_source
FOR EACH ROW EXECUTE FUNCTION count_track_foreignid_source();

ALTER TABLE fingerprint_source OWNER TO acoustid_admin;
ALTER TABLE track_mbid_source OWNER TO acoustid_admin;
ALTER TABLE track_mbid_change OWNER TO acoustid_admin;
ALTER TABLE track_meta_source OWNER TO acoustid_admin;
ALTER TABLE track_puid_source OWNER TO acoustid_admin;
ALTER TABLE track_foreignid_source OWNER TO acoustid_admin;
ALTER FUNCTION count_fingerprint_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_mbid_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_meta_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_puid_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_foreignid_source() OWNER TO acoustid_admin;

GRANT SELECT, INSERT, UPDATE, DELETE ON fingerprint_source, track_mbid_source, track_mbid_change,
track_meta_source, track_puid_source, track_foreignid_source TO acoustid_writer;
GRANT USAGE ON SEQUENCE fingerprint_source_id_seq, track_mbid_source_id_seq,
track_mbid_change_id_seq, track_meta_source_id_seq, track_puid_source_id_seq,
track_foreignid_source_id_seq TO acoustid_writer;
