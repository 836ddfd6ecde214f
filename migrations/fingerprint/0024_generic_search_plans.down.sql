-- Lets PostgreSQL choose custom plans for acoustid_search again, undoing
-- 0024_generic_search_plans.up.sql.

ALTER FUNCTION acoustid_search(integer[], integer, integer, real)
RESET plan_cache_mode;
