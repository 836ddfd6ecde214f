-- Track merges: setting track.new_id moves everything the merged track owns to the target,
-- so nothing refers to a merged track, duplicate links become one and merges never chain.

CREATE FUNCTION resolve_track_merge_target() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    target_new_id integer;
BEGIN
    IF NEW.new_id = NEW.id THEN
        RAISE EXCEPTION 'cannot merge track % into itself', NEW.id
        USING ERRCODE = 'check_violation';
    END IF;
    -- Merges never chain, so one step from the target reaches a live track. FOR SHARE makes
    -- two crossing merges (a into b, b into a) wait for each other instead of both committing.
    SELECT new_id INTO target_new_id FROM track WHERE id = NEW.new_id FOR SHARE;
    IF target_new_id = NEW.id THEN
        RAISE EXCEPTION 'cannot merge track % into track %: track % was merged into track %',
            NEW.id, NEW.new_id, NEW.new_id, NEW.id
        USING ERRCODE = 'check_violation', HINT = 'the merge would make a cycle';
    END IF;
    NEW.new_id := coalesce(target_new_id, NEW.new_id);
    NEW.disabled := TRUE;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION resolve_track_merge_target() IS
'before a merge: refuses self-merges and cycles, resolves a merged target, disables the merged track';

CREATE FUNCTION update_merged_track_references() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    merged CONSTANT integer := NEW.id;
    target CONSTANT integer := NEW.new_id;
    link_table text;
    key_column text;
    history_tables text[];
    history_table text;
BEGIN
    UPDATE fingerprint SET track_id = target WHERE track_id = merged;

    -- An MBID link disabled on either track stays disabled once the two links are one.
    UPDATE track_mbid AS survivor SET disabled = TRUE
    FROM track_mbid AS duplicate
    WHERE duplicate.track_id = merged AND duplicate.disabled
        AND survivor.track_id = target AND survivor.mbid = duplicate.mbid;

    FOR link_table, key_column, history_tables IN
        VALUES
            ('track_mbid', 'mbid', ARRAY['track_mbid_source', 'track_mbid_change']),
            ('track_meta', 'meta_id', ARRAY['track_meta_source']),
            ('track_puid', 'puid', ARRAY['track_puid_source']),
            ('track_foreignid', 'foreignid_id', ARRAY['track_foreignid_source'])
    LOOP
        -- The history of a link both tracks have moves to the target's link (the survivor);
        -- re-pointing provenance rows moves their count with them (increment_submission_count).
        FOREACH history_table IN ARRAY history_tables LOOP
            EXECUTE format(
                'UPDATE %1$I AS history SET %2$I = survivor.id
                FROM %3$I AS duplicate JOIN %3$I AS survivor ON survivor.%4$I = duplicate.%4$I
                WHERE duplicate.track_id = $1 AND survivor.track_id = $2
                    AND history.%2$I = duplicate.id',
                history_table, link_table || '_id', link_table, key_column
            ) USING merged, target;
        END LOOP;
        -- Any count not backed by provenance rows is added too; then the duplicate goes.
        EXECUTE format(
            'UPDATE %1$I AS survivor
            SET submission_count = survivor.submission_count + duplicate.submission_count,
                created = least(survivor.created, duplicate.created)
            FROM %1$I AS duplicate
            WHERE duplicate.track_id = $1 AND survivor.track_id = $2
                AND survivor.%2$I = duplicate.%2$I',
            link_table, key_column
        ) USING merged, target;
        EXECUTE format(
            'DELETE FROM %1$I AS duplicate USING %1$I AS survivor
            WHERE duplicate.track_id = $1 AND survivor.track_id = $2
                AND survivor.%2$I = duplicate.%2$I',
            link_table, key_column
        ) USING merged, target;
        EXECUTE format('UPDATE %I SET track_id = $2 WHERE track_id = $1', link_table)
        USING merged, target;
    END LOOP;

    -- Tracks merged into this one before now point at the target: merges never chain.
    UPDATE track SET new_id = target WHERE new_id = merged;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION update_merged_track_references() IS
'after a merge: moves fingerprints and links to the target, merging duplicate links and their history';

CREATE TRIGGER resolve_track_merge
BEFORE UPDATE OF new_id ON track
FOR EACH ROW WHEN (NEW.new_id IS NOT NULL AND NEW.new_id IS DISTINCT FROM OLD.new_id)
EXECUTE FUNCTION resolve_track_merge_target();

CREATE TRIGGER propagate_track_merge
AFTER UPDATE OF new_id ON track
FOR EACH ROW WHEN (NEW.new_id IS NOT NULL AND NEW.new_id IS DISTINCT FROM OLD.new_id)
EXECUTE FUNCTION update_merged_track_references();

ALTER FUNCTION resolve_track_merge_target() OWNER TO acoustid_admin;
ALTER FUNCTION update_merged_track_references() OWNER TO acoustid_admin;
