-- acoustid 1.0: the four functions AcoustID's server calls, same names,
-- argument types and results as the reference implementation.

\echo Use "CREATE EXTENSION acoustid" to load this file. \quit

CREATE FUNCTION acoustid_compare(a int4[], b int4[])
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 5000;

COMMENT ON FUNCTION acoustid_compare(int4[], int4[]) IS
'share of items of the shorter fingerprint that match (at most 2 bits differ) '
'at the best offset within 120 items';

CREATE FUNCTION acoustid_compare2(a int4[], b int4[], maxoffset int4 = 0)
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare2'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 200;

COMMENT ON FUNCTION acoustid_compare2(int4[], int4[], int4) IS
'AcoustID similarity score in [0, 1], bit-identical to the reference; '
'maxoffset 0 means any offset, AcoustID passes 80';

CREATE FUNCTION acoustid_compare3(a int4[], b int4[], maxoffset int4 = -1)
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare3'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 20000;

COMMENT ON FUNCTION acoustid_compare3(int4[], int4[], int4) IS
'weighted bit agreement at the best offset, in [0, 1]; maxoffset -1 means any offset';

CREATE FUNCTION acoustid_extract_query(fp int4[])
RETURNS int4[]
AS 'MODULE_PATHNAME', 'acoustid_extract_query'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 50;

COMMENT ON FUNCTION acoustid_extract_query(int4[]) IS
'at most 120 distinct index terms (items masked to their top 28 bits, silence skipped) '
'for a GIN gin__int_ops index';
