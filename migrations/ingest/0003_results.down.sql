-- Drops submission results, the pending queue and the trigger that fills their keys,
-- undoing 0003_results.up.sql.

DROP TABLE pending_submission;
DROP TABLE submission_result;
DROP FUNCTION fill_submission_created();
