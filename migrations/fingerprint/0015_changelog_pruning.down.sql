-- Drops changelog pruning (its watermark sequence and function),
-- undoing 0015_changelog_pruning.up.sql.

DROP FUNCTION acoustid_prune_changelog(bigint);
DROP SEQUENCE fingerprint_changelog_pruned_through;
