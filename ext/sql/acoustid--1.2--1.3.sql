-- acoustid 1.2 -> 1.3: two functions for the import's row path, which did in SQL what the core
-- does faster: Chromaprint's compressed bytes, and the number of distinct items.

\echo Use "ALTER EXTENSION acoustid UPDATE TO '1.3'" to load this file. \quit

CREATE FUNCTION acoustid_encode_fingerprint_bytes(fp int4[], algorithm int4 = 1)
RETURNS bytea
AS 'MODULE_PATHNAME', 'acoustid_encode_fingerprint_bytes'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 20;

COMMENT ON FUNCTION acoustid_encode_fingerprint_bytes(int4[], int4) IS
'Chromaprint''s compressed bytes of fp: acoustid_encode_fingerprint without the base64';

CREATE FUNCTION acoustid_distinct_items(fp int4[])
RETURNS int4
AS 'MODULE_PATHNAME', 'acoustid_distinct_items'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 5;

COMMENT ON FUNCTION acoustid_distinct_items(int4[]) IS
'the number of different items in fp';
