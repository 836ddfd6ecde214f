-- The decoder on hostile text: random and mutated strings only ever give a
-- clean 22P02 ERROR (or a valid array), never a crash.
SELECT setseed(0.42);
CREATE FUNCTION try_decode(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM acoustid_decode_fingerprint(t);
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
CREATE FUNCTION random_text(len int, alphabet text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(substr(alphabet, 1 + floor(random() * length(alphabet))::int, 1), '')
  FROM generate_series(1, len)
$$;
CREATE TABLE good AS
SELECT acoustid_encode_fingerprint(array_agg(hashint4(i) ORDER BY i)) AS t
FROM generate_series(1, 300) AS i;
-- random text over the alphabet and beyond it
WITH outcomes AS (
  SELECT try_decode(random_text(1 + (random() * 60)::int,
           'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_' ||
           CASE WHEN n % 5 = 0 THEN '=+/ .' ELSE '' END)) AS outcome
  FROM generate_series(1, 3000) AS n)
SELECT outcome, count(*) > 0 AS seen FROM outcomes GROUP BY outcome ORDER BY outcome;
-- truncated and mutated valid strings
WITH mutated AS (
  SELECT CASE WHEN n % 2 = 0
              THEN left(t, (random() * length(t))::int)
              ELSE overlay(t PLACING random_text(3, 'AB_-9z') FROM 1 + (random() * (length(t) - 3))::int)
         END AS m
  FROM good, generate_series(1, 3000) AS n)
SELECT bool_and(try_decode(m) IN ('ok', '22P02')) AS only_clean_outcomes FROM mutated;
-- headers announcing huge counts over short bodies
SELECT DISTINCT try_decode('A' || random_text(3 + n % 20, '_-zA9')) AS outcome
FROM generate_series(1, 500) AS n ORDER BY 1;
-- random arrays through every function: no error, scores in [0, 1]
WITH arrays AS (
  SELECT n, array_agg(CASE WHEN n % 3 = 0 THEN (hashint4(i + n) % 4) << 30
                           WHEN n % 7 = 0 THEN 627964279
                           ELSE hashint4(i * n) END) AS a
  FROM generate_series(1, 300) AS n, generate_series(1, 1 + (n * 37) % 1200) AS i
  GROUP BY n)
SELECT bool_and(acoustid_compare2(x.a, y.a, 80) BETWEEN 0 AND 1
            AND acoustid_compare2(x.a, y.a) BETWEEN 0 AND 1
            AND acoustid_compare(x.a, y.a) BETWEEN 0 AND 1
            AND acoustid_compare3(x.a, y.a, 50) BETWEEN 0 AND 1
            AND cardinality(acoustid_extract_query(x.a)) <= 120
            AND acoustid_decode_fingerprint(acoustid_encode_fingerprint(x.a)) = x.a) AS all_sane,
       count(*) AS pairs
FROM arrays x JOIN arrays y ON y.n = x.n % 50 + 1;
DROP TABLE good;
DROP FUNCTION try_decode(text);
DROP FUNCTION random_text(int, text);
