-- acoustid_decode_fingerprint / acoustid_encode_fingerprint / acoustid_fingerprint_algorithm.
-- round trips, on arrays of every shape
SELECT acoustid_encode_fingerprint('{}'), acoustid_decode_fingerprint('AQAAAA');
SELECT acoustid_encode_fingerprint('{1,2,3}');
SELECT acoustid_decode_fingerprint(acoustid_encode_fingerprint('{1,2,3}'));
SELECT acoustid_decode_fingerprint(acoustid_encode_fingerprint('{-1,0,2147483647,-2147483648,627964279}'));
SELECT acoustid_encode_fingerprint('{1,2,3}', 2), acoustid_fingerprint_algorithm(acoustid_encode_fingerprint('{1,2,3}', 2));
SELECT acoustid_fingerprint_algorithm('AQAAAA'), acoustid_fingerprint_algorithm(acoustid_encode_fingerprint('{5}', 255));
SELECT bool_and(acoustid_decode_fingerprint(acoustid_encode_fingerprint(a)) = a) AS all_round_trip, count(*)
FROM (SELECT n, array_agg(hashint4(i * n) >> (n % 32) ORDER BY i) AS a
      FROM generate_series(1, 200) AS n, generate_series(1, 1 + n * 7) AS i GROUP BY n) AS s;
SELECT acoustid_decode_fingerprint(acoustid_encode_fingerprint('[0:1]={9,8}'));
-- bad input: SQLSTATE 22P02 with a message that says what is wrong
SELECT acoustid_decode_fingerprint('');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_decode_fingerprint('AQA');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_decode_fingerprint('AQAAA');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_decode_fingerprint('AQAA*A');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_decode_fingerprint('AQAAAQ==');
\echo :LAST_ERROR_SQLSTATE
-- a header claiming 16,777,215 items with no body
SELECT acoustid_decode_fingerprint('AP___w');
\echo :LAST_ERROR_SQLSTATE
-- one item announced, its 3-bit stream never ends
SELECT acoustid_decode_fingerprint('AQAAAf8');
\echo :LAST_ERROR_SQLSTATE
-- an escape (7) with no 5-bit stream after it
SELECT acoustid_decode_fingerprint('AQAAAQc');
\echo :LAST_ERROR_SQLSTATE
-- gaps adding up past bit 32
SELECT acoustid_decode_fingerprint('AQAAAT8A__8');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_fingerprint_algorithm('A');
\echo :LAST_ERROR_SQLSTATE
-- bytes after the streams are ignored
SELECT acoustid_decode_fingerprint(acoustid_encode_fingerprint('{1,2,3}') || 'AAAA');
-- encoding refuses what it cannot represent
SELECT acoustid_encode_fingerprint('{1}', 256);
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_encode_fingerprint('{1}', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_encode_fingerprint('{1,NULL}');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_decode_fingerprint(NULL) IS NULL, acoustid_encode_fingerprint(NULL) IS NULL;
-- the bytes are the string without its base64, for every algorithm and length
SELECT count(*) AS differing FROM generate_series(0, 40) AS n, generate_series(0, 3) AS algorithm,
    LATERAL (SELECT coalesce(array_agg((i * 2654435761 % 4294967296 - 2147483648)::int4), '{}') AS fp
             FROM generate_series(1, n * 25) AS i) AS items
WHERE acoustid_encode_fingerprint_bytes(fp, algorithm)
    <> decode(rpad(translate(acoustid_encode_fingerprint(fp, algorithm), '-_', '+/'),
                   (length(acoustid_encode_fingerprint(fp, algorithm)) + 3) / 4 * 4, '='), 'base64');
SELECT acoustid_encode_fingerprint_bytes('{}');
SELECT acoustid_encode_fingerprint_bytes('{1}', 256);
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_encode_fingerprint_bytes('{1,NULL}');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_encode_fingerprint_bytes(NULL) IS NULL;
-- distinct items: what sorting and uniq count, with 0 and -1 among them
SELECT acoustid_distinct_items('{}'), acoustid_distinct_items('{0}'), acoustid_distinct_items('{-1,-1,0,0,1}');
SELECT count(*) AS differing FROM generate_series(1, 200) AS n,
    LATERAL (SELECT array_agg((i * 7919 % (n + 3)) - 1) AS fp FROM generate_series(1, n * 5) AS i) AS items
WHERE acoustid_distinct_items(fp) <> icount(uniq(sort(fp)));
SELECT acoustid_distinct_items('{{1,2},{3,4}}');
\echo :LAST_ERROR_SQLSTATE
SELECT acoustid_distinct_items(NULL) IS NULL;
