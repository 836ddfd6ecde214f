-- Installing, upgrading and the CASCADE path.
SELECT extversion FROM pg_extension WHERE extname = 'acoustid';
-- every function is IMMUTABLE STRICT PARALLEL SAFE and documented
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments, p.provolatile, p.proisstrict,
       p.proparallel, obj_description(p.oid, 'pg_proc') IS NOT NULL AS documented
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'acoustid'
ORDER BY p.proname;
-- 1.0 is what AcoustID's server created; ALTER EXTENSION brings it to 1.1
DROP EXTENSION acoustid;
CREATE EXTENSION acoustid VERSION '1.0';
SELECT count(*) AS functions_1_0 FROM pg_proc WHERE proname LIKE 'acoustid\_%';
ALTER EXTENSION acoustid UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'acoustid';
SELECT count(*) AS functions_1_1 FROM pg_proc WHERE proname LIKE 'acoustid\_%';
SELECT acoustid_decode_fingerprint(acoustid_encode_fingerprint('{1,2}'));
-- CASCADE installs cube when only intarray is there
DROP EXTENSION acoustid;
DROP EXTENSION cube;
CREATE EXTENSION acoustid CASCADE;
SELECT extname FROM pg_extension WHERE extname IN ('acoustid', 'cube', 'intarray') ORDER BY 1;
