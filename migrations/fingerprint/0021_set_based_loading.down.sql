-- Puts back the row-level changelog and fingerprint_data triggers and the base64 text in
-- fingerprint_data, undoing 0021_set_based_loading.up.sql.

DROP TRIGGER log_fingerprint_insert ON fingerprint;
DROP TRIGGER log_fingerprint_delete ON fingerprint;
DROP FUNCTION log_fingerprint_rows();

CREATE TRIGGER log_fingerprint_insert_delete
AFTER INSERT OR DELETE ON fingerprint
FOR EACH ROW EXECUTE FUNCTION log_fingerprint_change();

DROP TRIGGER fill_fingerprint_data ON fingerprint;
DROP TRIGGER fill_fingerprint_data_on_update ON fingerprint;

CREATE OR REPLACE FUNCTION fill_fingerprint_data() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    INSERT INTO fingerprint_data (fingerprint_id, fingerprint, simhash)
    VALUES (
        NEW.id,
        convert_to(acoustid_encode_fingerprint(NEW.fingerprint), 'UTF8'),
        acoustid_simhash_cube(NEW.fingerprint)
    )
    ON CONFLICT (fingerprint_id) DO UPDATE
        SET fingerprint = excluded.fingerprint, simhash = excluded.simhash;
    RETURN NULL;
END
$$;

CREATE TRIGGER fill_fingerprint_data
AFTER INSERT OR UPDATE OF fingerprint ON fingerprint
FOR EACH ROW EXECUTE FUNCTION fill_fingerprint_data();

UPDATE fingerprint_data SET fingerprint = convert_to(acoustid_fingerprint_text(fingerprint), 'UTF8');

ALTER TABLE fingerprint_data ALTER COLUMN fingerprint SET STORAGE EXTENDED;

DROP FUNCTION acoustid_fingerprint_text(bytea);
DROP FUNCTION acoustid_fingerprint_bytes(integer[]);
