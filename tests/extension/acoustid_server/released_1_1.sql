-- Turns a database created with CREATE EXTENSION acoustid VERSION '1.1' by today's scripts
-- into one created by this project's released 1.1: its compare functions and query
-- extraction had named arguments and other attributes, and it declared acoustid_simhash_cube
-- itself (requiring cube). Needs cube.
CREATE OR REPLACE FUNCTION acoustid_compare2(a int4 [], b int4 [], maxoffset int4 = 0)
RETURNS float4
AS '$libdir/acoustid', 'acoustid_compare2'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 200;

CREATE OR REPLACE FUNCTION acoustid_compare3(a int4 [], b int4 [], maxoffset int4 = -1)
RETURNS float4
AS '$libdir/acoustid', 'acoustid_compare3'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 20000;

CREATE OR REPLACE FUNCTION acoustid_extract_query(fp int4 [])
RETURNS int4 []
AS '$libdir/acoustid', 'acoustid_extract_query'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 50;

CREATE FUNCTION acoustid_simhash_cube(fp int4 [])
RETURNS cube
AS '$libdir/acoustid', 'acoustid_simhash_cube'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
COST 50;

COMMENT ON FUNCTION acoustid_simhash_cube(int4 []) IS
'the simhash as a 32-dimensional 0/1 cube point: '
'ORDER BY simhash <-> acoustid_simhash_cube($1) is nearest by Hamming distance';

ALTER EXTENSION acoustid ADD FUNCTION acoustid_simhash_cube(int4 []);
