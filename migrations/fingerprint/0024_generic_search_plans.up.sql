-- acoustid_search's two statements use their cached generic plans instead of being planned at
-- every call (a sixth of a lookup's time, and more of an import's match).

-- PostgreSQL kept choosing custom plans for the array parameters, though each statement has one
-- right plan: the query-term GIN, then primary keys (enable_seqscan = off rules out the rest).
ALTER FUNCTION acoustid_search(integer[], integer, integer, real)
SET plan_cache_mode = force_generic_plan;
