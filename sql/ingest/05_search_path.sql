-- Pins search_path on the trigger function, so that a writer's search_path (say, a schema with
-- a look-alike submission table ahead of public) cannot change what it reads.

SET LOCAL search_path = public, pg_temp;

ALTER FUNCTION fill_submission_created() SET search_path FROM CURRENT;
