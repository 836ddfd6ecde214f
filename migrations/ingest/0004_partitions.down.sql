-- Drops the partition maintenance functions (the partitions themselves stay),
-- undoing 0004_partitions.up.sql.

DROP FUNCTION drop_submission_partition(date);
DROP FUNCTION create_submission_partitions(integer);
DROP FUNCTION create_submission_partition(date);
