-- Changelog pruning: deletes a prefix of fingerprint_changelog and remembers the last id deleted,
-- so a consumer whose cursor is behind it is told it missed entries instead of silently skipping.

-- The watermark is a sequence, not a table (the schema keeps its 30 tables). setval is visible
-- at once and never rolled back, so it may run ahead of the delete, never behind: a consumer may
-- be told of a gap early (or after a failed prune), but never misses an entry unawares.
CREATE SEQUENCE fingerprint_changelog_pruned_through AS bigint MINVALUE 0 START WITH 0;

COMMENT ON SEQUENCE fingerprint_changelog_pruned_through IS
'last_value: every fingerprint_changelog id up to it may have been deleted (0: none was)';

-- Deletes the entries with id <= through (never past the newest committed entry, so an entry
-- still being written is kept) and raises the watermark; returns how many entries it deleted.
CREATE FUNCTION acoustid_prune_changelog(through bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    newest bigint;
    deleted bigint;
BEGIN
    IF through IS NULL OR through < 0 THEN
        RAISE EXCEPTION 'through must be a changelog id (0 or more), not %', coalesce(through::text, 'null')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Concurrent prunes take turns, so the watermark never goes down.
    PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.fingerprint_changelog_prune'));
    SELECT max(c.id) INTO newest FROM fingerprint_changelog AS c;
    through := least(through, coalesce(newest, 0));
    IF through <= (SELECT w.last_value FROM fingerprint_changelog_pruned_through AS w) THEN
        RETURN 0;
    END IF;
    PERFORM setval('fingerprint_changelog_pruned_through', through);
    DELETE FROM fingerprint_changelog AS c WHERE c.id <= through;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$$;

COMMENT ON FUNCTION acoustid_prune_changelog(bigint) IS
'deletes changelog entries up to an id and records it, so lagging consumers learn of the gap';

ALTER SEQUENCE fingerprint_changelog_pruned_through OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_prune_changelog(bigint) OWNER TO acoustid_admin;

-- Consumers read the watermark with the entries; pruning is maintenance, the owner's job.
GRANT SELECT ON SEQUENCE fingerprint_changelog_pruned_through TO acoustid_reader;
REVOKE ALL ON FUNCTION acoustid_prune_changelog(bigint) FROM PUBLIC;
