-- acoustid_extract_query: the index terms, and the GIN index built on them.
SELECT acoustid_extract_query('{1,2,3,16,17,33}');
-- all silence: the canonical empty array
SELECT acoustid_extract_query('{627964279,627964279}') = '{}'::int4[] AS empty,
       array_ndims(acoustid_extract_query('{627964279}')) IS NULL AS no_dims,
       acoustid_extract_query('{}') = '{}'::int4[] AS empty_input;
-- silence is skipped; masks keep the top 28 bits; first appearance order
SELECT acoustid_extract_query('{627964279,-1,-16,-17,5}');
-- long prints start at raw position 80
SELECT (acoustid_extract_query(a))[1] = a[81] AS starts_at_80,
       cardinality(acoustid_extract_query(a)) AS terms
FROM (SELECT array_agg(i << 4 ORDER BY i) AS a FROM generate_series(0, 999) AS i) AS s;
-- quirk: the start comes from the clean count but indexes raw positions
SELECT (acoustid_extract_query(a))[1] AS first_term
FROM (SELECT array_agg(CASE WHEN i < 50 THEN 627964279 ELSE i << 4 END ORDER BY i) AS a
      FROM generate_series(0, 199) AS i) AS s;
-- short prints: every distinct term
SELECT cardinality(acoustid_extract_query(a))
FROM (SELECT array_agg(i << 4 ORDER BY i) AS a FROM generate_series(0, 99) AS i) AS s;
-- 1 and 2 items, lower bounds, bad arrays
SELECT acoustid_extract_query('{7}'), acoustid_extract_query('[3:4]={7,100}');
SELECT acoustid_extract_query('{NULL}');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_extract_query('{{1},{2}}');
\echo :LAST_ERROR_SQLSTATE
-- the expression index the lookup uses
CREATE TABLE fingerprint (id serial PRIMARY KEY, fingerprint int4[] NOT NULL);
INSERT INTO fingerprint (fingerprint)
SELECT array_agg(hashint4(i + 10000 * n) ORDER BY i)
FROM generate_series(1, 200) AS n, generate_series(1, 300) AS i
GROUP BY n;
CREATE INDEX fingerprint_query_idx ON fingerprint
  USING gin (acoustid_extract_query(fingerprint) gin__int_ops);
SET enable_seqscan = off;
SELECT id FROM fingerprint
WHERE acoustid_extract_query(fingerprint) && acoustid_extract_query(
  (SELECT fingerprint FROM fingerprint WHERE id = 42));
EXPLAIN (COSTS OFF) SELECT id FROM fingerprint
WHERE acoustid_extract_query(fingerprint) && '{1,2}'::int4[];
RESET enable_seqscan;
DROP TABLE fingerprint;
