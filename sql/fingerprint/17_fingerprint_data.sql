-- Fills fingerprint_data for every stored fingerprint: its compressed string (what fpcalc
-- prints) and the simhash cube that fingerprint_data_simhash_idx searches by Hamming distance.

-- A trigger, so that imports and bulk loads alike keep it; rows stored before this step are
-- filled here once.
CREATE FUNCTION fill_fingerprint_data() RETURNS trigger
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

ALTER FUNCTION fill_fingerprint_data() OWNER TO acoustid_admin;

CREATE TRIGGER fill_fingerprint_data
AFTER INSERT OR UPDATE OF fingerprint ON fingerprint
FOR EACH ROW EXECUTE FUNCTION fill_fingerprint_data();

INSERT INTO fingerprint_data (fingerprint_id, fingerprint, simhash)
SELECT
    id,
    convert_to(acoustid_encode_fingerprint(fingerprint), 'UTF8') AS fingerprint,
    acoustid_simhash_cube(fingerprint) AS simhash
FROM fingerprint
ON CONFLICT (fingerprint_id) DO NOTHING;
