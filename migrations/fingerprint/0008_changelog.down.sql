-- Drops the fingerprint changelog, its triggers and function,
-- undoing 0008_changelog.up.sql.

DROP TRIGGER log_fingerprint_update ON fingerprint;
DROP TRIGGER log_fingerprint_insert_delete ON fingerprint;
DROP FUNCTION log_fingerprint_change();
DROP TABLE fingerprint_changelog;
