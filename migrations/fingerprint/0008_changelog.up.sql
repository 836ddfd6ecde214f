-- fingerprint_changelog: the ordered log of fingerprint changes that an external index or a
-- replica replays; ids follow commit order, so reading WHERE id > cursor never skips a row.

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

CREATE TRIGGER log_fingerprint_insert_delete
AFTER INSERT OR DELETE ON fingerprint
FOR EACH ROW EXECUTE FUNCTION log_fingerprint_change();

-- Count bumps do not concern the index: only the items, length and track are logged.
CREATE TRIGGER log_fingerprint_update
AFTER UPDATE OF fingerprint, length, track_id ON fingerprint
FOR EACH ROW WHEN (
    OLD.fingerprint IS DISTINCT FROM NEW.fingerprint
    OR OLD.length IS DISTINCT FROM NEW.length
    OR OLD.track_id IS DISTINCT FROM NEW.track_id
)
EXECUTE FUNCTION log_fingerprint_change();

ALTER TABLE fingerprint_changelog OWNER TO acoustid_admin;
ALTER FUNCTION log_fingerprint_change() OWNER TO acoustid_admin;

-- Only the trigger (running as the owner) writes the log; nobody else may forge or drop entries.
GRANT SELECT ON fingerprint_changelog TO acoustid_reader;
