-- Drops the lookup functions,
-- undoing 0012_lookup.up.sql.

DROP FUNCTION acoustid_lookup(text, integer, integer, real, integer);
DROP FUNCTION acoustid_lookup(integer[], integer, integer, real, integer);
DROP FUNCTION acoustid_search(integer[], integer, integer, real);
