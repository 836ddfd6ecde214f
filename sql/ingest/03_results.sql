-- What happened to each submission (submission_result) and which ones wait for the worker
-- (pending_submission); both refer to a submission by its full key (id, created).

-- A foreign key to a partitioned table must name its whole primary key, so these tables carry
-- submission_created too; fill_submission_created() sets it when only submission_id is given
-- (with a pinned search_path, so a writer's look-alike submission table cannot change it).
CREATE FUNCTION fill_submission_created() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.submission_created IS NOT NULL OR NEW.submission_id IS NULL THEN
        RETURN NEW;
    END IF;
    NEW.submission_created := (SELECT created FROM submission WHERE id = NEW.submission_id);
    IF NEW.submission_created IS NULL THEN
        RAISE EXCEPTION 'submission % does not exist', NEW.submission_id
        USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION fill_submission_created() IS
'trigger: fills submission_created from submission_id, the key the foreign key needs';

CREATE TABLE submission_result (
    id serial PRIMARY KEY,
    submission_id integer NOT NULL UNIQUE,
    submission_created timestamptz NOT NULL,
    track_id integer,
    fingerprint_id integer,
    skip_reason text,
    created timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT submission_result_submission_fkey FOREIGN KEY (submission_id, submission_created)
    REFERENCES submission (id, created) ON DELETE CASCADE
);

COMMENT ON TABLE submission_result IS 'the track and fingerprint a submission was imported into';
COMMENT ON COLUMN submission_result.track_id IS
'acoustid_fingerprint.track.id (another database: no foreign key)';
COMMENT ON COLUMN submission_result.fingerprint_id IS
'acoustid_fingerprint.fingerprint.id (another database: no foreign key)';
COMMENT ON COLUMN submission_result.skip_reason IS
'why the submission was handled without an import (e.g. too few distinct items), else null';

CREATE TABLE pending_submission (
    id serial PRIMARY KEY,
    submission_id integer NOT NULL UNIQUE,
    submission_created timestamptz NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pending_submission_submission_fkey FOREIGN KEY (submission_id, submission_created)
    REFERENCES submission (id, created) ON DELETE CASCADE
);

COMMENT ON TABLE pending_submission IS 'the queue of submissions the worker has not imported yet';

CREATE TRIGGER fill_submission_result_created
BEFORE INSERT ON submission_result
FOR EACH ROW EXECUTE FUNCTION fill_submission_created();

CREATE TRIGGER fill_pending_submission_created
BEFORE INSERT ON pending_submission
FOR EACH ROW EXECUTE FUNCTION fill_submission_created();

ALTER FUNCTION fill_submission_created() OWNER TO acoustid_admin;
ALTER TABLE submission_result OWNER TO acoustid_admin;
ALTER TABLE pending_submission OWNER TO acoustid_admin;

GRANT SELECT ON submission_result TO acoustid_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON submission_result, pending_submission TO acoustid_writer;
GRANT USAGE ON SEQUENCE submission_result_id_seq, pending_submission_id_seq TO acoustid_writer;
