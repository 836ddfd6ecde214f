-- acoustid_compare: exhaustive pair counting within 120 items.
CREATE TABLE fp AS
SELECT n, array_agg(hashint4(i + 1000 * n) ORDER BY i) AS items
FROM generate_series(1, 3) AS n, generate_series(1, 300) AS i
GROUP BY n;

SELECT acoustid_compare(items, items) FROM fp WHERE n = 1;
SELECT acoustid_compare(a.items, b.items) FROM fp a, fp b WHERE a.n = 1 AND b.n = 2;
-- a shifted copy still matches every item of the shorter one
SELECT acoustid_compare(items, items[11:300]) FROM fp WHERE n = 1;
-- beyond 120 items of shift nothing lines up
SELECT acoustid_compare(items, items[131:300]) FROM fp WHERE n = 1;
-- two flipped bits still match, three do not
SELECT acoustid_compare('{0}', '{3}'), acoustid_compare('{0}', '{7}');
-- empty, NULL and tiny inputs
SELECT acoustid_compare('{}', '{1,2}'), acoustid_compare('{1,2}', '{}');
SELECT acoustid_compare(NULL, '{1}') IS NULL AS strict;
SELECT acoustid_compare('{1}', '{1}'), acoustid_compare('{1,2}', '{1,2,3}');
-- lower bounds are ignored
SELECT acoustid_compare('[5:7]={1,2,3}', '{1,2,3}');
-- bad arrays
SELECT acoustid_compare('{1,NULL}', '{1}');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_compare('{{1,2},{3,4}}', '{1}');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE fp;
