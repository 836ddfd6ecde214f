-- acoustid_cube 1.0: acoustid_simhash_cube, the part of the fingerprint functions that
-- needs contrib's cube, so that the acoustid extension itself requires nothing. The C code
-- is in acoustid's library.

\echo Use "CREATE EXTENSION acoustid_cube" to load this file. \quit

-- acoustid 1.1 declared this function itself; a database made then may have it still as a
-- member of acoustid (not yet updated) or as a free function (updated to 1.2), and its
-- fingerprint_data trigger calls it. Take it over rather than drop it.
DO $$
DECLARE
    existing regprocedure := to_regprocedure('acoustid_simhash_cube(int4[])');
BEGIN
    IF existing IS NULL THEN
        CREATE FUNCTION acoustid_simhash_cube(fp int4[])
        RETURNS cube
        AS 'MODULE_PATHNAME', 'acoustid_simhash_cube'
        LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
        COST 50;
        RETURN;
    END IF;
    IF EXISTS (
        SELECT FROM pg_depend AS d
        INNER JOIN pg_extension AS e ON d.refobjid = e.oid
        WHERE d.classid = 'pg_proc'::regclass AND d.objid = existing
            AND d.deptype = 'e' AND e.extname = 'acoustid'
    ) THEN
        ALTER EXTENSION acoustid DROP FUNCTION acoustid_simhash_cube(int4[]);
    END IF;
    ALTER EXTENSION acoustid_cube ADD FUNCTION acoustid_simhash_cube(int4[]);
END
$$;

COMMENT ON FUNCTION acoustid_simhash_cube(int4[]) IS
'the simhash as a 32-dimensional 0/1 cube point: '
'ORDER BY simhash <-> acoustid_simhash_cube($1) is nearest by Hamming distance';
