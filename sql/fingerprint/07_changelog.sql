-- fingerprint_changelog: the log of fingerprint changes an external index or a replica replays in
-- commit order (WHERE id > cursor never skips a row), and its pruning, which leaves a watermark.

CREATE TABLE fingerprint_changelog (
    id bigserial PRIMARY KEY,
    fingerprint_id integer NOT NULL,
    op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    query integer[] NOT NULL,
    created timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE fingerprint_changelog IS 'fingerprint inserts, updates and deletes in commit order';
COMMENT ON COLUMN fingerprint_changelog.fingerprint_id IS
'fingerprint.id; no foreign key, so that delete entries outlive their fingerprint';
COMMENT ON COLUMN fingerprint_changelog.query IS
'acoustid_extract_query(fingerprint) of the new row (of the old one for a delete)';

CREATE FUNCTION log_fingerprint_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed fingerprint;
BEGIN
    -- One transaction lock, taken before the id and held until commit: a later transaction
    -- waits here, so it takes a larger id and commits after every smaller id is visible.
    PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.fingerprint_changelog'));
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    INSERT INTO fingerprint_changelog (fingerprint_id, op, query)
    VALUES (changed.id, lower(TG_OP), acoustid_extract_query(changed.fingerprint));
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION log_fingerprint_change() IS
'trigger: appends to fingerprint_changelog under one advisory lock, so ids follow commit order';

-- Inserts and deletes: once per statement, in id order, under the same lock (a bulk load's COPY
-- logs its rows in one INSERT ... SELECT instead of one trigger call each).
CREATE FUNCTION log_fingerprint_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
BEGIN
    -- A statement trigger fires for no rows too (a cascade that deletes nothing): no lock then,
    -- or it would wait for every transaction writing the changelog.
    IF NOT EXISTS (SELECT FROM changed_rows) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.fingerprint_changelog'));
    INSERT INTO fingerprint_changelog (fingerprint_id, op, query)
    SELECT r.id, lower(TG_OP), acoustid_extract_query(r.fingerprint)
    FROM changed_rows AS r
    ORDER BY r.id;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION log_fingerprint_rows() IS
'statement trigger: appends a statement''s inserted or deleted fingerprints to fingerprint_changelog';

CREATE TRIGGER log_fingerprint_insert
AFTER INSERT ON fingerprint
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION log_fingerprint_rows();

CREATE TRIGGER log_fingerprint_delete
AFTER DELETE ON fingerprint
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION log_fingerprint_rows();

-- Updates row by row (transition tables cannot go with UPDATE OF). Count bumps do not concern
-- the index: only the items, length and track are logged.
CREATE TRIGGER log_fingerprint_update
AFTER UPDATE OF fingerprint, length, track_id ON fingerprint
FOR EACH ROW WHEN (
    OLD.fingerprint IS DISTINCT FROM NEW.fingerprint
    OR OLD.length IS DISTINCT FROM NEW.length
    OR OLD.track_id IS DISTINCT FROM NEW.track_id
)
EXECUTE FUNCTION log_fingerprint_change();

-- The watermark is a sequence, not a table (the schema keeps its 30 tables). setval is visible
-- at once and never rolled back, so it may run ahead of the delete, never behind: a consumer may
-- be told of a gap early (or after a failed prune), but never misses an entry unawares.
CREATE SEQUENCE fingerprint_changelog_pruned_through AS bigint MINVALUE 0 START WITH 0;

COMMENT ON SEQUENCE fingerprint_changelog_pruned_through IS
'last_value: every fingerprint_changelog id up to it may have been deleted (0: none was)';

-- Deletes the entries with id <= through (never past the newest committed entry, so an entry
-- still being written is kept) and raises the watermark; returns how many entries it deleted.
CREATE FUNCTION acoustid_prune_changelog(through bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

ALTER TABLE fingerprint_changelog OWNER TO acoustid_admin;
ALTER FUNCTION log_fingerprint_change() OWNER TO acoustid_admin;
ALTER FUNCTION log_fingerprint_rows() OWNER TO acoustid_admin;
ALTER SEQUENCE fingerprint_changelog_pruned_through OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_prune_changelog(bigint) OWNER TO acoustid_admin;

-- Only the trigger (running as the owner) writes the log; nobody else may forge or drop entries.
GRANT SELECT ON fingerprint_changelog TO acoustid_reader;

-- Consumers read the watermark with the entries; pruning is maintenance, the owner's job.
GRANT SELECT ON SEQUENCE fingerprint_changelog_pruned_through TO acoustid_reader;
REVOKE ALL ON FUNCTION acoustid_prune_changelog(bigint) FROM PUBLIC;
