-- acoustid 1.0: exactly what pg_acoustid 1.0 (the extension AcoustID's server has always
-- installed) declares, so that CREATE EXTENSION acoustid VERSION '1.0' reproduces one of its
-- databases and every later version is reached by the same update scripts, fresh or not.
-- Hence unnamed arguments, no comments, default parallel safety: 1.0--1.1 and 1.1--1.2 set
-- the attributes of today's version.

\echo Use "CREATE EXTENSION acoustid" to load this file. \quit

CREATE FUNCTION acoustid_compare2(int4[], int4[], int4 = 0)
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare2'
LANGUAGE c VOLATILE STRICT
COST 1000;

CREATE FUNCTION acoustid_compare3(int4[], int4[], int4 = -1)
RETURNS float4
AS 'MODULE_PATHNAME', 'acoustid_compare3'
LANGUAGE c VOLATILE STRICT
COST 1000;

CREATE FUNCTION acoustid_extract_query(int4[])
RETURNS int4[]
AS 'MODULE_PATHNAME', 'acoustid_extract_query'
LANGUAGE c IMMUTABLE STRICT;
