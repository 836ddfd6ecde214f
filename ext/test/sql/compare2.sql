-- acoustid_compare2: AcoustID's production scorer, with the reference's quirks.
CREATE TABLE fp AS
SELECT n, array_agg(hashint4(i + 1000 * n) ORDER BY i) AS items
FROM generate_series(1, 3) AS n, generate_series(1, 950) AS i
GROUP BY n;

-- a fingerprint against itself; against another; default maxoffset is 0
SELECT acoustid_compare2(items, items, 80) FROM fp WHERE n = 1;
SELECT acoustid_compare2(a.items, b.items, 80) FROM fp a, fp b WHERE a.n = 1 AND b.n = 2;
SELECT acoustid_compare2(items, items) = acoustid_compare2(items, items, 0) FROM fp WHERE n = 1;
-- trimmed starts align on the right offset, in both directions
SELECT acoustid_compare2(items, items[8:950], 80), acoustid_compare2(items[8:950], items, 80)
FROM fp WHERE n = 1;
-- an offset beyond maxoffset is not voted for
SELECT acoustid_compare2(items, items[101:950], 80), acoustid_compare2(items, items[101:950], 0)
FROM fp WHERE n = 1;
-- noise: every 7th item has one flipped bit
SELECT acoustid_compare2(items,
  (SELECT array_agg(CASE WHEN o % 7 = 0 THEN x # 1 ELSE x END ORDER BY o)
   FROM unnest(items) WITH ORDINALITY AS u(x, o)), 80)
FROM fp WHERE n = 1;
-- negative maxoffset skips every vote; huge ones behave like 0
SELECT acoustid_compare2(items, items, -1), acoustid_compare2(items, items, -2147483648)
FROM fp WHERE n = 1;
SELECT acoustid_compare2(items, items, 2147483647) FROM fp WHERE n = 1;
-- quirk: position 0 means absent, so a 1-item array never votes
SELECT acoustid_compare2('{5}', '{5}'), acoustid_compare2('{5,6}', '{5,6}');
-- quirk: key 16383 (items >= 0xFFFC0000 unsigned) is never walked
SELECT acoustid_compare2('{1,-1,-1}', '{1,-1,-1}'), acoustid_compare2('{1,1,1}', '{1,1,1}');
-- low diversity lowers the score (pow(score, 8 - 7 * diversity)): the same
-- noise as above costs more on a fingerprint with only 30 distinct keys
SELECT acoustid_compare2(a, (SELECT array_agg(CASE WHEN o % 7 = 0 THEN x # 1 ELSE x END ORDER BY o)
                             FROM unnest(a) WITH ORDINALITY AS u(x, o)), 80)
FROM (SELECT array_agg(((i % 30) << 18) | (i % 7) ORDER BY i) AS a
      FROM generate_series(1, 950) AS i) AS s;
-- quirk: the flag of key 16383 is stale when key 8191 last occurs at >= 256 in a;
-- a then counts one distinct key fewer, which shows in a low-diversity score
WITH base AS (
  SELECT p, array_agg(CASE WHEN i = p THEN 2147221504 WHEN i % 50 = 0 THEN -262144
                      ELSE (i % 40) << 18 END ORDER BY i) AS a
  FROM generate_series(0, 599) AS i, (VALUES (200), (300)) AS v(p)
  GROUP BY p)
SELECT p AS key_8191_at,
       acoustid_compare2(a, (SELECT array_agg(CASE WHEN o % 10 = 5 THEN (100 + o::int) << 18
                                                   WHEN o % 3 = 0 THEN x # 1 ELSE x END ORDER BY o)
                             FROM unnest(a) WITH ORDINALITY AS u(x, o)), 80) AS score
FROM base ORDER BY p;
-- odd lengths: the last unpaired item is ignored
SELECT acoustid_compare2(items[1:951], items[1:949], 80) FROM fp WHERE n = 1;
-- empty, NULL, lower bounds, bad arrays
SELECT acoustid_compare2('{}', items, 80), acoustid_compare2(items, '{}', 80) FROM fp WHERE n = 1;
SELECT acoustid_compare2(NULL, '{1}', 80) IS NULL, acoustid_compare2('{1}', '{1}', NULL) IS NULL;
SELECT acoustid_compare2(('[0:949]=' || items::text)::int4[], items, 80) FROM fp WHERE n = 1;
SELECT acoustid_compare2('{1,NULL,3}', '{1}', 80);
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_compare2('{{1}}', '{1}', 80);
\echo :LAST_ERROR_SQLSTATE
-- long arrays: 70,000 and 1,000,000 items give sane scores and never crash
CREATE TABLE longfp AS
SELECT array_agg(hashint4(i) ORDER BY i) FILTER (WHERE i <= 70000) AS seventy,
       array_agg(hashint4(i) ORDER BY i) AS million
FROM generate_series(1, 1000000) AS i;
SELECT acoustid_compare2(seventy, seventy[4:70000], 0) AS long_shift,
       acoustid_compare2(seventy, seventy, 80) AS long_self
FROM longfp;
SELECT acoustid_compare2(million, million[11:1000000]) AS million_shift,
       acoustid_compare2(million, seventy, 80) AS million_vs_prefix
FROM longfp;
DROP TABLE longfp;
DROP TABLE fp;
