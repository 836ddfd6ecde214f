-- acoustid 1.0 -> 1.1: adds acoustid_compare (its C function was always in the library,
-- pg_acoustid never declared it), the compressed-string codec (what fpcalc prints) and the
-- simhash. Released 1.1 also declared acoustid_simhash_cube here; that needs cube, so it
-- now lives in the companion extension acoustid_cube (see acoustid--1.1--1.2.sql).

\echo Use "ALTER EXTENSION acoustid UPDATE TO '1.1'" to load this file. \quit

-- OR REPLACE: a database created by this project's first 1.0 script already has it.
CREATE OR REPLACE FUNCTION acoustid_compare(a int4[], b int4[])
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 5000;

COMMENT ON FUNCTION acoustid_compare(int4[], int4[]) IS
'share of items of the shorter fingerprint that match (at most 2 bits differ) '
'at the best offset within 120 items';

CREATE FUNCTION acoustid_decode_fingerprint(fingerprint text)
RETURNS int4[]
AS 'MODULE_PATHNAME', 'acoustid_decode_fingerprint'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 100;

COMMENT ON FUNCTION acoustid_decode_fingerprint(text) IS
'decodes a compressed Chromaprint fingerprint (fpcalc output) into its int4 items';

CREATE FUNCTION acoustid_encode_fingerprint(fp int4[], algorithm int4 = 1)
RETURNS text
AS 'MODULE_PATHNAME', 'acoustid_encode_fingerprint'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 100;

COMMENT ON FUNCTION acoustid_encode_fingerprint(int4[], int4) IS
'encodes int4 items as a compressed Chromaprint fingerprint, byte for byte what fpcalc prints';

CREATE FUNCTION acoustid_fingerprint_algorithm(fingerprint text)
RETURNS int4
AS 'MODULE_PATHNAME', 'acoustid_fingerprint_algorithm'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 10;

COMMENT ON FUNCTION acoustid_fingerprint_algorithm(text) IS
'the Chromaprint algorithm number stored in a compressed fingerprint';

CREATE FUNCTION acoustid_simhash(fp int4[])
RETURNS int4
AS 'MODULE_PATHNAME', 'acoustid_simhash'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 50;

COMMENT ON FUNCTION acoustid_simhash(int4[]) IS
'32-bit simhash: bit j is set when more than half of the items have bit j set';
