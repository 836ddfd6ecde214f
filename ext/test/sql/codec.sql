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
