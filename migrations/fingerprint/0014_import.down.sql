-- Drops the import function and its helpers,
-- undoing 0014_import.up.sql.

DROP FUNCTION acoustid_import_submission(
    integer, integer[], integer, integer, integer, integer, integer, text, uuid, uuid, text, jsonb
);
DROP FUNCTION acoustid_imported_submission(integer, jsonb);
DROP FUNCTION acoustid_link_foreignid(integer, integer, integer, integer);
DROP FUNCTION acoustid_link_meta(integer, integer, integer, integer);
DROP FUNCTION acoustid_link_puid(integer, uuid, integer, integer);
DROP FUNCTION acoustid_link_mbid(integer, uuid, integer, integer);
DROP FUNCTION acoustid_match_track(integer[], integer);
DROP FUNCTION acoustid_lock_duration_window(integer);
DROP FUNCTION acoustid_unusable_reason(integer[]);
