-- Import: the match-or-create step for one submission, in one transaction, run once per
-- submission id (fingerprint_source.submission_id is unique): a second run returns the first.

-- Why a submission cannot be imported (NULL when it can): too few distinct items to match
-- reliably, or nothing but silence (no query terms).
CREATE FUNCTION acoustid_unusable_reason(items integer[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
    SELECT CASE
        WHEN distinct_items < acoustid_fingerprint_min_unique_items()
            THEN format('too few distinct items (%s, fewer than %s)',
                distinct_items, acoustid_fingerprint_min_unique_items())
        WHEN cardinality(acoustid_extract_query(items)) = 0
            THEN 'empty query: the fingerprint is silence'
    END
    -- intarray's sort and uniq count in C, twice as fast as count(DISTINCT) over unnest
    FROM (SELECT icount(uniq(sort(items))) AS distinct_items) AS counted
$$;

COMMENT ON FUNCTION acoustid_unusable_reason(integer[]) IS
'why a fingerprint is skipped as unusable (too few distinct items, empty query), or NULL';

-- Serializes match-or-create between imports that could match each other: two fingerprints
-- match only within FINGERPRINT_MAX_LENGTH_DIFF seconds, so each import locks the duration buckets
-- (acoustid_import_lock_bucket_width) of its whole window and any two such imports share a lock.
-- Locks are taken in ascending order and only after every other import lock, so no deadlock.
CREATE FUNCTION acoustid_lock_duration_window(duration integer) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    reach CONSTANT integer := acoustid_fingerprint_max_length_diff();
    bucket_width CONSTANT integer := acoustid_import_lock_bucket_width();
BEGIN
    FOR bucket IN greatest(duration - reach, 0) / bucket_width .. (duration + reach) / bucket_width LOOP
        PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.import.duration'), bucket);
    END LOOP;
END
$$;

COMMENT ON FUNCTION acoustid_lock_duration_window(integer) IS
'transaction locks that serialize imports whose fingerprints could match (same duration window)';

-- The track an import joins: walking matches above TRACK_MERGE_THRESHOLD best first, the first
-- track whose every fingerprint is within the duration window and scores at least
-- TRACK_GROUP_MIN against the new one. No row: the import creates a track.
CREATE FUNCTION acoustid_match_track(items integer[], duration integer)
RETURNS TABLE (track_id integer, fingerprint_id integer, score real)
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    candidate record;
BEGIN
    FOR candidate IN
        SELECT m.track_id AS matched_track, m.fingerprint_id AS matched_fingerprint, m.score AS matched_score
        FROM acoustid_search(
            items, duration, acoustid_fingerprint_max_length_diff(), acoustid_track_merge_threshold()
        ) AS m
        ORDER BY m.score DESC, m.fingerprint_id ASC
    LOOP
        CONTINUE WHEN EXISTS (
            SELECT FROM fingerprint AS f
            WHERE f.track_id = candidate.matched_track
                AND (
                    abs(f.length - duration) > acoustid_fingerprint_max_length_diff()
                    OR acoustid_compare2(f.fingerprint, items, acoustid_track_max_offset())
                    < acoustid_track_group_min()
                )
        );
        track_id := candidate.matched_track;
        fingerprint_id := candidate.matched_fingerprint;
        score := candidate.matched_score;
        RETURN NEXT;
        RETURN;
    END LOOP;
END
$$;

COMMENT ON FUNCTION acoustid_match_track(integer[], integer) IS
'the track an import of items joins, with its best fingerprint and score; no row for a new track';

-- Links a track to what a submission said it is: finds or creates the row of link_table (track_mbid,
-- track_puid, track_meta or track_foreignid) whose key_column is link_key, then adds its provenance
-- row to <link_table>_source, whose trigger bumps the link's submission_count. Returns the link id;
-- a NULL link_key links nothing. The table names come from acoustid_import_submission only.
CREATE FUNCTION acoustid_link_track(
    link_table text,
    key_column text,
    link_track integer,
    link_key anyelement,
    link_source integer,
    link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    find_link CONSTANT text := format(
        'SELECT l.id FROM %I AS l WHERE l.track_id = $1 AND l.%I = $2', link_table, key_column
    );
    link_id integer;
BEGIN
    IF link_key IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE find_link INTO link_id USING link_track, link_key;
    IF link_id IS NULL THEN
        EXECUTE format(
            'INSERT INTO %I (track_id, %I) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id',
            link_table, key_column
        ) INTO link_id USING link_track, link_key;
    END IF;
    IF link_id IS NULL THEN
        -- Another import created it meanwhile: a new statement sees its committed row.
        EXECUTE find_link INTO link_id USING link_track, link_key;
    END IF;
    EXECUTE format(
        'INSERT INTO %I (%I, source_id, submission_id) VALUES ($1, $2, $3)',
        link_table || '_source', link_table || '_id'
    ) USING link_id, link_source, link_submission;
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_track(text, text, integer, anyelement, integer, integer) IS
'links a track to an MBID, PUID, meta or foreign id (link created if new) with one provenance row';

-- What an earlier run of the import of this submission did, read back from its provenance:
-- rows inserted by that run share its transaction's now() with its fingerprint_source row.
CREATE FUNCTION acoustid_imported_submission(submission integer, meta_fields jsonb)
RETURNS TABLE (
    track_id integer,
    track_gid uuid,
    fingerprint_id integer,
    source_id integer,
    meta_id integer,
    action text,
    skip_reason text,
    repeated boolean
)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT
        t.id,
        t.gid,
        f.id,
        fs.source_id,
        acoustid_find_meta(meta_fields),
        CASE
            WHEN f.created = fs.created AND t.created = fs.created THEN 'new_track'
            WHEN f.created = fs.created THEN 'new_fingerprint'
            ELSE 'matched_fingerprint'
        END,
        NULL::text,
        TRUE
    FROM fingerprint_source AS fs
    INNER JOIN fingerprint AS f ON fs.fingerprint_id = f.id
    INNER JOIN track AS t ON f.track_id = t.id
    WHERE fs.submission_id = submission
$$;

COMMENT ON FUNCTION acoustid_imported_submission(integer, jsonb) IS
'the result of an import that already ran for this submission id (no row if none ran)';

-- The arguments are the submission's fields (it lives in the ingest database). action is
-- new_track, new_fingerprint, matched_fingerprint (an existing fingerprint scored above
-- FINGERPRINT_MERGE_THRESHOLD) or skipped (skip_reason says why, nothing is written);
-- repeated is true when an earlier run had imported this submission (then nothing changes).
CREATE FUNCTION acoustid_import_submission(
    submission integer,
    items integer[],
    duration integer,
    bitrate integer DEFAULT NULL,
    format_ref integer DEFAULT NULL,
    application integer DEFAULT NULL,
    account integer DEFAULT NULL,
    application_version text DEFAULT NULL,
    recording uuid DEFAULT NULL,
    musicip uuid DEFAULT NULL,
    foreign_ref text DEFAULT NULL,
    meta_fields jsonb DEFAULT NULL
) RETURNS TABLE (
    track_id integer,
    track_gid uuid,
    fingerprint_id integer,
    source_id integer,
    meta_id integer,
    action text,
    skip_reason text,
    repeated boolean
)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    matched record;
    foreign_id integer;
BEGIN
    IF submission IS NULL OR items IS NULL THEN
        RAISE EXCEPTION 'submission and items must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM acoustid_check_duration(duration);
    -- Lock order: this submission, then catalog rows being created, then the duration window
    -- (and the changelog's lock, taken by the fingerprint insert): never the other way round.
    PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.import.submission'), submission);
    RETURN QUERY SELECT * FROM acoustid_imported_submission(submission, meta_fields);
    IF FOUND THEN
        RETURN;
    END IF;
    repeated := FALSE;
    skip_reason := acoustid_unusable_reason(items);
    IF skip_reason IS NOT NULL THEN
        action := 'skipped';
        RETURN NEXT;
        RETURN;
    END IF;

    IF application IS NOT NULL AND account IS NOT NULL THEN
        source_id := acoustid_find_or_create_source(application, account, application_version);
    END IF;
    meta_id := acoustid_find_or_create_meta(meta_fields);
    foreign_id := acoustid_find_or_create_foreignid(foreign_ref);

    PERFORM acoustid_lock_duration_window(duration);
    SELECT * INTO matched FROM acoustid_match_track(items, duration);
    IF matched.track_id IS NULL THEN
        INSERT INTO track DEFAULT VALUES RETURNING id, gid INTO track_id, track_gid;
        action := 'new_track';
    ELSE
        track_id := matched.track_id;
        SELECT t.gid INTO track_gid FROM track AS t WHERE t.id = matched.track_id;
        action := 'new_fingerprint';
    END IF;
    IF matched.score > acoustid_fingerprint_merge_threshold() THEN
        fingerprint_id := matched.fingerprint_id;
        action := 'matched_fingerprint';
    ELSE
        INSERT INTO fingerprint AS f (track_id, fingerprint, length, bitrate, format_id)
        VALUES (acoustid_import_submission.track_id, items, duration, bitrate, format_ref)
        RETURNING f.id INTO fingerprint_id;
    END IF;

    INSERT INTO fingerprint_source AS fs (fingerprint_id, source_id, submission_id)
    VALUES (acoustid_import_submission.fingerprint_id, acoustid_import_submission.source_id, submission);
    PERFORM acoustid_link_track('track_mbid', 'mbid', track_id, recording, source_id, submission);
    PERFORM acoustid_link_track('track_puid', 'puid', track_id, musicip, source_id, submission);
    PERFORM acoustid_link_track('track_meta', 'meta_id', track_id, meta_id, source_id, submission);
    PERFORM acoustid_link_track(
        'track_foreignid', 'foreignid_id', track_id, foreign_id, source_id, submission
    );
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION acoustid_import_submission(
    integer, integer[], integer, integer, integer, integer, integer, text, uuid, uuid, text, jsonb
) IS 'imports one ingest submission exactly once: match or create its track, write its provenance';

ALTER FUNCTION acoustid_unusable_reason(integer[]) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_lock_duration_window(integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_match_track(integer[], integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_track(text, text, integer, anyelement, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_imported_submission(integer, jsonb) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_import_submission(
    integer, integer[], integer, integer, integer, integer, integer, text, uuid, uuid, text, jsonb
) OWNER TO acoustid_admin;
