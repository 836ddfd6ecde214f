-- Installing and upgrading: acoustid requires nothing (AcoustID's server runs a plain
-- CREATE EXTENSION acoustid), pg_acoustid's 1.0 updates to the same declarations as a fresh
-- install, and acoustid_simhash_cube lives in the companion acoustid_cube.
CREATE VIEW acoustid_functions AS
SELECT e.extname, p.proname, pg_get_function_arguments(p.oid) AS arguments, p.provolatile,
       p.proisstrict, p.proparallel, p.procost,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS documented
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname LIKE 'acoustid%'
WHERE d.classid = 'pg_proc'::regclass;
SELECT extname, extversion FROM pg_extension WHERE extname LIKE 'acoustid%' ORDER BY 1;
-- the compare functions are VOLATILE so that a score computed in a subquery is computed once
SELECT * FROM acoustid_functions ORDER BY proname;
-- a database with no other extension
DROP EXTENSION acoustid CASCADE;
DROP EXTENSION cube;
DROP EXTENSION intarray;
SELECT extname FROM pg_extension ORDER BY 1;
CREATE EXTENSION acoustid;
SELECT count(*) AS functions FROM acoustid_functions;
-- pg_acoustid's 1.0: three functions, VOLATILE COST 1000 compare, unnamed arguments
DROP EXTENSION acoustid;
CREATE EXTENSION acoustid VERSION '1.0';
SELECT * FROM acoustid_functions ORDER BY proname;
ALTER EXTENSION acoustid UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'acoustid';
SELECT * FROM acoustid_functions ORDER BY proname;
SELECT acoustid_decode_fingerprint(acoustid_encode_fingerprint('{1,2}'));
-- the companion needs cube, and says so
CREATE EXTENSION acoustid_cube;
CREATE EXTENSION acoustid_cube CASCADE;
SELECT extname FROM pg_extension ORDER BY 1;
SELECT cube_dim(acoustid_simhash_cube('{1}'));
DROP VIEW acoustid_functions;
