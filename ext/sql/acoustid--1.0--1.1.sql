-- acoustid 1.0 -> 1.1: adds the compressed-string codec (what fpcalc prints)
-- and the simhash used for approximate search with a cube GiST index.

\echo Use "ALTER EXTENSION acoustid UPDATE TO '1.1'" to load this file. \quit

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

CREATE FUNCTION acoustid_simhash_cube(fp int4[])
RETURNS cube
AS 'MODULE_PATHNAME', 'acoustid_simhash_cube'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 50;

COMMENT ON FUNCTION acoustid_simhash_cube(int4[]) IS
'the simhash as a 32-dimensional 0/1 cube point: '
'ORDER BY simhash <-> acoustid_simhash_cube($1) is nearest by Hamming distance';
