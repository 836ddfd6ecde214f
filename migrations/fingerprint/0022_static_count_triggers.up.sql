-- Static count triggers: one small function per provenance table instead of one function
-- building its UPDATE with format() and EXECUTE on every row (planned at each call).

-- The counts and the trigger names stay; only the functions change (5 count bumps an import).

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

DROP TRIGGER update_fingerprint_submission_count ON fingerprint_source;
CREATE TRIGGER update_fingerprint_submission_count
AFTER INSERT OR DELETE OR UPDATE OF fingerprint_id ON fingerprint_source
FOR EACH ROW EXECUTE FUNCTION count_fingerprint_source();

DROP TRIGGER update_track_mbid_submission_count ON track_mbid_source;
CREATE TRIGGER update_track_mbid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_mbid_id ON track_mbid_source
FOR EACH ROW EXECUTE FUNCTION count_track_mbid_source();

DROP TRIGGER update_track_meta_submission_count ON track_meta_source;
CREATE TRIGGER update_track_meta_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_meta_id ON track_meta_source
FOR EACH ROW EXECUTE FUNCTION count_track_meta_source();

DROP TRIGGER update_track_puid_submission_count ON track_puid_source;
CREATE TRIGGER update_track_puid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_puid_id ON track_puid_source
FOR EACH ROW EXECUTE FUNCTION count_track_puid_source();

DROP TRIGGER update_track_foreignid_submission_count ON track_foreignid_source;
CREATE TRIGGER update_track_foreignid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_foreignid_id ON track_foreignid_source
FOR EACH ROW EXECUTE FUNCTION count_track_foreignid_source();

DROP FUNCTION increment_submission_count();

ALTER FUNCTION count_fingerprint_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_mbid_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_meta_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_puid_source() OWNER TO acoustid_admin;
ALTER FUNCTION count_track_foreignid_source() OWNER TO acoustid_admin;
