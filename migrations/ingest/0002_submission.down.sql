-- Drops the submission table with all its monthly partitions,
-- undoing 0002_submission.up.sql.

DROP TABLE submission;
