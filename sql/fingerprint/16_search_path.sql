-- Pins search_path on every function that names other objects, so that a caller's search_path
-- (say, a schema of look-alike functions and operators ahead of public) cannot change its result.

-- pg_catalog stays first (implicitly) and pg_temp last, as for the SECURITY DEFINER functions;
-- FROM CURRENT takes the path set here for this transaction only.
-- Left unpinned: the threshold constants (they name nothing; pinning would stop inlining) and
-- acoustid_meta_key (IMMUTABLE, in an index expression, built from pg_catalog functions only).
SET LOCAL search_path = public, pg_temp;

ALTER FUNCTION increment_submission_count() SET search_path FROM CURRENT;
ALTER FUNCTION resolve_track_merge_target() SET search_path FROM CURRENT;
ALTER FUNCTION update_merged_track_references() SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_search(integer[], integer, integer, real) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_lookup(integer[], integer, integer, real, integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_lookup(text, integer, integer, real, integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_find_or_create_format(text) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_find_or_create_source(integer, integer, text) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_find_meta(jsonb) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_find_or_create_meta(jsonb) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_find_or_create_foreignid(text) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_unusable_reason(integer[]) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_lock_duration_window(integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_match_track(integer[], integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_link_mbid(integer, uuid, integer, integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_link_puid(integer, uuid, integer, integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_link_meta(integer, integer, integer, integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_link_foreignid(integer, integer, integer, integer) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_imported_submission(integer, jsonb) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_import_submission(
    integer, integer[], integer, integer, integer, integer, integer, text, uuid, uuid, text, jsonb
) SET search_path FROM CURRENT;
ALTER FUNCTION acoustid_prune_changelog(bigint) SET search_path FROM CURRENT;
