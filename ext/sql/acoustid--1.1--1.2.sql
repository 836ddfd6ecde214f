-- acoustid 1.1 -> 1.2: every database, whether it started as pg_acoustid's 1.0 or as this
-- project's 1.1, ends with the same declarations as a fresh install (which runs this script
-- too), and the extension no longer needs cube.

\echo Use "ALTER EXTENSION acoustid UPDATE TO '1.2'" to load this file. \quit

-- The compare functions are VOLATILE although their results are not: AcoustID's server
-- computes acoustid_compare2(...) AS score in a subquery and filters score > min_score
-- outside it; the planner flattens a subquery whose output is IMMUTABLE and then calls the
-- function twice per candidate, once in the filter and once for the output. VOLATILE keeps
-- the subquery, so it runs once per row (pg_acoustid made the same choice). They stay
-- PARALLEL SAFE (they touch nothing shared) and keep their measured COST. OR REPLACE also
-- names the arguments that pg_acoustid's 1.0 left unnamed.
CREATE OR REPLACE FUNCTION acoustid_compare2(a int4[], b int4[], maxoffset int4 = 0)
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare2'
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
COST 200;

COMMENT ON FUNCTION acoustid_compare2(int4[], int4[], int4) IS
'AcoustID similarity score in [0, 1], bit-identical to the reference; '
'maxoffset 0 means any offset, AcoustID passes 80';

CREATE OR REPLACE FUNCTION acoustid_compare3(a int4[], b int4[], maxoffset int4 = -1)
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare3'
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
COST 20000;

COMMENT ON FUNCTION acoustid_compare3(int4[], int4[], int4) IS
'weighted bit agreement at the best offset, in [0, 1]; maxoffset -1 means any offset';

ALTER FUNCTION acoustid_compare(int4[], int4[]) VOLATILE;

-- IMMUTABLE, as expression indexes (the GIN query-term index) require.
CREATE OR REPLACE FUNCTION acoustid_extract_query(fp int4[])
RETURNS int4[]
AS 'MODULE_PATHNAME', 'acoustid_extract_query'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 50;

COMMENT ON FUNCTION acoustid_extract_query(int4[]) IS
'at most 120 distinct index terms (items masked to their top 28 bits, silence skipped) '
'for a GIN gin__int_ops index';

-- Released 1.1 declared acoustid_simhash_cube, which needs cube. It leaves the extension
-- without being dropped (a fingerprint_data trigger may call it); CREATE EXTENSION
-- acoustid_cube adopts it.
DO $$
BEGIN
    IF EXISTS (
        SELECT FROM pg_depend AS d
        INNER JOIN pg_extension AS e ON d.refobjid = e.oid
        INNER JOIN pg_proc AS p ON d.objid = p.oid
        WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
            AND e.extname = 'acoustid' AND p.proname = 'acoustid_simhash_cube'
    ) THEN
        ALTER EXTENSION acoustid DROP FUNCTION acoustid_simhash_cube(int4[]);
    END IF;
END
$$;
