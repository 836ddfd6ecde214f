-- Every function on arrays of 70,000 and 1,000,000 items: sane answers,
-- bounded work, no crash.
CREATE TABLE longfp AS
SELECT array_agg(hashint4(i) ORDER BY i) FILTER (WHERE i <= 70000) AS seventy,
       array_agg(hashint4(i) ORDER BY i) AS million
FROM generate_series(1, 1000000) AS i;
SELECT acoustid_compare(seventy, seventy[6:70000]) AS compare_70k,
       acoustid_compare(million, million) AS compare_1m
FROM longfp;
SELECT cardinality(acoustid_extract_query(seventy)) AS terms_70k,
       acoustid_extract_query(million) = acoustid_extract_query(million[1:200]) AS terms_from_the_start
FROM longfp;
SELECT acoustid_decode_fingerprint(acoustid_encode_fingerprint(million)) = million AS codec_1m,
       length(acoustid_encode_fingerprint(seventy)) > 70000 AS encoded_70k
FROM longfp;
SELECT acoustid_simhash(million) = acoustid_simhash(million || million) AS simhash_1m,
       cube_dim(acoustid_simhash_cube(seventy)) AS cube_70k
FROM longfp;
SELECT acoustid_compare2(million, million[1:999999] || seventy[1:1], 0) AS compare2_1m_self
FROM longfp;
DROP TABLE longfp;
