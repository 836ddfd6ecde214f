-- Drops the named threshold constants,
-- undoing 0011_thresholds.up.sql.

DROP FUNCTION acoustid_fingerprint_min_unique_items();
DROP FUNCTION acoustid_fingerprint_max_length_diff();
DROP FUNCTION acoustid_fingerprint_merge_threshold();
DROP FUNCTION acoustid_track_group_min();
DROP FUNCTION acoustid_track_merge_threshold();
DROP FUNCTION acoustid_lookup_min_score();
DROP FUNCTION acoustid_track_max_offset();
