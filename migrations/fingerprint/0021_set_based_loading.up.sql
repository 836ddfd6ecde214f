-- Set-based triggers for bulk loads, and fingerprint_data holding the compressed fingerprint as
-- raw bytes: the changelog and fingerprint_data are written once per statement, not once per row.

-- fingerprint_data.fingerprint becomes Chromaprint's compressed bytes, not their base64 text
-- (a quarter smaller). Kept out of line uncompressed: packed bits do not compress.
CREATE FUNCTION acoustid_fingerprint_bytes(fingerprint integer[]) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp
AS $$
    SELECT decode(rpad(translate(t, '-_', '+/'), (length(t) + 3) / 4 * 4, '='), 'base64')
    FROM acoustid_encode_fingerprint(fingerprint) AS t
$$;

COMMENT ON FUNCTION acoustid_fingerprint_bytes(integer[]) IS
'Chromaprint''s compressed fingerprint as bytes: fpcalc''s string without its base64';

CREATE FUNCTION acoustid_fingerprint_text(compressed bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp
AS $$
    SELECT rtrim(translate(encode(compressed, 'base64'), E'+/\n', '-_'), '=')
$$;

COMMENT ON FUNCTION acoustid_fingerprint_text(bytea) IS
'fpcalc''s compressed string of fingerprint_data.fingerprint (acoustid_decode_fingerprint reads it)';

ALTER FUNCTION acoustid_fingerprint_bytes(integer[]) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_fingerprint_text(bytea) OWNER TO acoustid_admin;

ALTER TABLE fingerprint_data ALTER COLUMN fingerprint SET STORAGE EXTERNAL;

UPDATE fingerprint_data
SET fingerprint = decode(
    rpad(
        translate(convert_from(fingerprint, 'UTF8'), '-_', '+/'),
        (length(fingerprint) + 3) / 4 * 4,
        '='
    ),
    'base64'
);

-- Inserts: one statement-level trigger fills fingerprint_data from the inserted rows. The bulk
-- loader computes the same bytes and simhash in the client (the C core via cffi) and COPYs them,
-- telling the trigger so with the transaction-local setting acoustid_pg.fingerprint_data_filled.
CREATE OR REPLACE FUNCTION fill_fingerprint_data() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        IF coalesce(current_setting('acoustid_pg.fingerprint_data_filled', TRUE), '') <> 'on' THEN
            INSERT INTO fingerprint_data (fingerprint_id, fingerprint, simhash)
            SELECT r.id, acoustid_fingerprint_bytes(r.fingerprint), acoustid_simhash_cube(r.fingerprint)
            FROM changed_rows AS r
            ON CONFLICT (fingerprint_id) DO UPDATE
                SET fingerprint = excluded.fingerprint, simhash = excluded.simhash;
        END IF;
        RETURN NULL;
    END IF;
    INSERT INTO fingerprint_data (fingerprint_id, fingerprint, simhash)
    VALUES (NEW.id, acoustid_fingerprint_bytes(NEW.fingerprint), acoustid_simhash_cube(NEW.fingerprint))
    ON CONFLICT (fingerprint_id) DO UPDATE
        SET fingerprint = excluded.fingerprint, simhash = excluded.simhash;
    RETURN NULL;
END
$$;

DROP TRIGGER fill_fingerprint_data ON fingerprint;

CREATE TRIGGER fill_fingerprint_data
AFTER INSERT ON fingerprint
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION fill_fingerprint_data();

-- Transition tables cannot go with a column list (UPDATE OF): updates stay row by row.
CREATE TRIGGER fill_fingerprint_data_on_update
AFTER UPDATE OF fingerprint ON fingerprint
FOR EACH ROW EXECUTE FUNCTION fill_fingerprint_data();

-- The changelog: inserts and deletes are logged once per statement, in id order, under the same
-- advisory lock (taken before the ids, held until commit); updates stay row by row.
CREATE FUNCTION log_fingerprint_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
BEGIN
    -- A statement trigger fires for no rows too (a cascade that deletes nothing): no lock then,
    -- or it would wait for every transaction writing the changelog.
    IF NOT EXISTS (SELECT FROM changed_rows) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.fingerprint_changelog'));
    INSERT INTO fingerprint_changelog (fingerprint_id, op, query)
    SELECT r.id, lower(TG_OP), acoustid_extract_query(r.fingerprint)
    FROM changed_rows AS r
    ORDER BY r.id;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION log_fingerprint_rows() IS
'statement trigger: appends a statement''s inserted or deleted fingerprints to fingerprint_changelog';

ALTER FUNCTION log_fingerprint_rows() OWNER TO acoustid_admin;

DROP TRIGGER log_fingerprint_insert_delete ON fingerprint;

CREATE TRIGGER log_fingerprint_insert
AFTER INSERT ON fingerprint
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION log_fingerprint_rows();

CREATE TRIGGER log_fingerprint_delete
AFTER DELETE ON fingerprint
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION log_fingerprint_rows();
