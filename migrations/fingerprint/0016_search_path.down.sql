-- Unpins search_path from the functions that 0016 pinned,
-- undoing 0016_search_path.up.sql.

ALTER FUNCTION increment_submission_count() RESET search_path;
ALTER FUNCTION resolve_track_merge_target() RESET search_path;
ALTER FUNCTION update_merged_track_references() RESET search_path;
ALTER FUNCTION acoustid_search(integer[], integer, integer, real) RESET search_path;
ALTER FUNCTION acoustid_lookup(integer[], integer, integer, real, integer) RESET search_path;
ALTER FUNCTION acoustid_lookup(text, integer, integer, real, integer) RESET search_path;
ALTER FUNCTION acoustid_find_or_create_format(text) RESET search_path;
ALTER FUNCTION acoustid_find_or_create_source(integer, integer, text) RESET search_path;
ALTER FUNCTION acoustid_find_meta(jsonb) RESET search_path;
ALTER FUNCTION acoustid_find_or_create_meta(jsonb) RESET search_path;
ALTER FUNCTION acoustid_find_or_create_foreignid(text) RESET search_path;
ALTER FUNCTION acoustid_unusable_reason(integer[]) RESET search_path;
ALTER FUNCTION acoustid_lock_duration_window(integer) RESET search_path;
ALTER FUNCTION acoustid_match_track(integer[], integer) RESET search_path;
ALTER FUNCTION acoustid_link_mbid(integer, uuid, integer, integer) RESET search_path;
ALTER FUNCTION acoustid_link_puid(integer, uuid, integer, integer) RESET search_path;
ALTER FUNCTION acoustid_link_meta(integer, integer, integer, integer) RESET search_path;
ALTER FUNCTION acoustid_link_foreignid(integer, integer, integer, integer) RESET search_path;
ALTER FUNCTION acoustid_imported_submission(integer, jsonb) RESET search_path;
ALTER FUNCTION acoustid_import_submission(
    integer, integer[], integer, integer, integer, integer, integer, text, uuid, uuid, text, jsonb
) RESET search_path;
ALTER FUNCTION acoustid_prune_changelog(bigint) RESET search_path;
