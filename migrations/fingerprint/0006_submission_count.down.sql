-- Drops the submission count triggers and their function,
-- undoing 0006_submission_count.up.sql.

DROP TRIGGER update_track_foreignid_submission_count ON track_foreignid_source;
DROP TRIGGER update_track_puid_submission_count ON track_puid_source;
DROP TRIGGER update_track_meta_submission_count ON track_meta_source;
DROP TRIGGER update_track_mbid_submission_count ON track_mbid_source;
DROP TRIGGER update_fingerprint_submission_count ON fingerprint_source;
DROP FUNCTION increment_submission_count();
