-- acoustid_simhash and acoustid_simhash_cube: approximate search by Hamming distance.
SELECT acoustid_simhash('{}'), acoustid_simhash('{1,3,-1}'), acoustid_simhash('{1,3}');
SELECT acoustid_simhash('{-1,-1,0}'), acoustid_simhash('[2:3]={-1,-1}');
SELECT acoustid_simhash_cube('{1,3,-1}');
SELECT cube_dim(acoustid_simhash_cube('{}')), cube_is_point(acoustid_simhash_cube('{}'));
-- distance between cubes is the square root of the Hamming distance
SELECT acoustid_simhash_cube('{0}') <-> acoustid_simhash_cube('{15}');
SELECT acoustid_simhash('{NULL}');
\echo :LAST_ERROR_SQLSTATE
-- nearest neighbours through the GiST index
CREATE TABLE fingerprint_data (id int PRIMARY KEY, simhash cube NOT NULL);
INSERT INTO fingerprint_data
SELECT n, acoustid_simhash_cube(array_agg(hashint4(i + 1000 * n) ORDER BY i))
FROM generate_series(1, 500) AS n, generate_series(1, 50) AS i GROUP BY n;
CREATE INDEX fingerprint_data_simhash_idx ON fingerprint_data USING gist (simhash);
SET enable_seqscan = off;
SELECT id, simhash <-> (SELECT simhash FROM fingerprint_data WHERE id = 77) AS distance
FROM fingerprint_data
ORDER BY simhash <-> (SELECT simhash FROM fingerprint_data WHERE id = 77)
LIMIT 1;
EXPLAIN (COSTS OFF) SELECT id FROM fingerprint_data ORDER BY simhash <-> acoustid_simhash_cube('{1}') LIMIT 3;
RESET enable_seqscan;
DROP TABLE fingerprint_data;
