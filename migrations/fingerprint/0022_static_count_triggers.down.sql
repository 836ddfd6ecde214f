-- Puts back the one dynamic increment_submission_count() for the five provenance tables,
-- undoing 0022_static_count_triggers.up.sql.

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

DROP TRIGGER update_fingerprint_submission_count ON fingerprint_source;
CREATE TRIGGER update_fingerprint_submission_count
AFTER INSERT OR DELETE OR UPDATE OF fingerprint_id ON fingerprint_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('fingerprint', 'fingerprint_id');

DROP TRIGGER update_track_mbid_submission_count ON track_mbid_source;
CREATE TRIGGER update_track_mbid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_mbid_id ON track_mbid_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_mbid', 'track_mbid_id');

DROP TRIGGER update_track_meta_submission_count ON track_meta_source;
CREATE TRIGGER update_track_meta_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_meta_id ON track_meta_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_meta', 'track_meta_id');

DROP TRIGGER update_track_puid_submission_count ON track_puid_source;
CREATE TRIGGER update_track_puid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_puid_id ON track_puid_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_puid', 'track_puid_id');

DROP TRIGGER update_track_foreignid_submission_count ON track_foreignid_source;
CREATE TRIGGER update_track_foreignid_submission_count
AFTER INSERT OR DELETE OR UPDATE OF track_foreignid_id ON track_foreignid_source
FOR EACH ROW EXECUTE FUNCTION increment_submission_count('track_foreignid', 'track_foreignid_id');

DROP FUNCTION count_fingerprint_source();
DROP FUNCTION count_track_mbid_source();
DROP FUNCTION count_track_meta_source();
DROP FUNCTION count_track_puid_source();
DROP FUNCTION count_track_foreignid_source();

ALTER FUNCTION increment_submission_count() OWNER TO acoustid_admin;
