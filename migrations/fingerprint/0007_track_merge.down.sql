-- Drops the track merge triggers and their functions,
-- undoing 0007_track_merge.up.sql.

DROP TRIGGER propagate_track_merge ON track;
DROP TRIGGER resolve_track_merge ON track;
DROP FUNCTION update_merged_track_references();
DROP FUNCTION resolve_track_merge_target();
