-- acoustid_compare3: weighted bit agreement per offset.
CREATE TABLE fp AS
SELECT n, array_agg(hashint4(i + 1000 * n) ORDER BY i) AS items
FROM generate_series(1, 2) AS n, generate_series(1, 300) AS i
GROUP BY n;

SELECT acoustid_compare3(items, items) FROM fp WHERE n = 1;
SELECT acoustid_compare3(items, items, 10), acoustid_compare3(items, items, 0)
FROM fp WHERE n = 1;
SELECT acoustid_compare3(a.items, b.items) < 0.3 AS unrelated_low
FROM fp a, fp b WHERE a.n = 1 AND b.n = 2;
SELECT acoustid_compare3(items, items[21:300], 10) < acoustid_compare3(items, items[21:300], 30)
FROM fp WHERE n = 1;
SELECT acoustid_compare3('{0}', '{255}'), acoustid_compare3('{0}', '{65535}');
SELECT acoustid_compare3('{}', '{1}'), acoustid_compare3('{1}', '{1}', 2147483647);
SELECT acoustid_compare3('{1}', '{NULL}');
\echo :LAST_ERROR_SQLSTATE
-- unbounded work is refused, not attempted
SELECT acoustid_compare3(a, a)
FROM (SELECT array_agg(i) AS a FROM generate_series(1, 70000) AS i) AS s;
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_compare3(a, a, 5) > 0.99 AS windowed_long_ok
FROM (SELECT array_agg(hashint4(i)) AS a FROM generate_series(1, 1000000) AS i) AS s;
DROP TABLE fp;
