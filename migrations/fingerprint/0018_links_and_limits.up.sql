-- One acoustid_link_track for the four link kinds, and one home each for the duration limit
-- (acoustid_max_duration, acoustid_check_duration) and the width of the import lock buckets.

CREATE FUNCTION acoustid_max_duration() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 32767 $$;

COMMENT ON FUNCTION acoustid_max_duration() IS
'the longest duration (seconds) a lookup or an import accepts: fingerprint.length is a smallint';

CREATE FUNCTION acoustid_import_lock_bucket_width() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 8 $$;

COMMENT ON FUNCTION acoustid_import_lock_bucket_width() IS
'seconds of duration one import lock covers: wider, fewer locks per import but more waiting';

-- Lookups and imports accept the same durations: what fingerprint.length can hold.
CREATE FUNCTION acoustid_check_duration(duration integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
BEGIN
    IF duration IS NULL OR duration NOT BETWEEN 1 AND acoustid_max_duration() THEN
        RAISE EXCEPTION 'duration must be between 1 and % seconds, not %',
            acoustid_max_duration(), coalesce(duration::text, 'null')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

COMMENT ON FUNCTION acoustid_check_duration(integer) IS
'raises invalid_parameter_value unless duration is between 1 and acoustid_max_duration() seconds';

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

-- The callers of the duration check and of the one link function.
CREATE OR REPLACE FUNCTION acoustid_lookup(
    query integer[],
    duration integer,
    max_duration_diff integer DEFAULT acoustid_fingerprint_max_length_diff(),
    min_score real DEFAULT acoustid_lookup_min_score(),
    max_results integer DEFAULT 10
) RETURNS TABLE (fingerprint_id integer, track_id integer, track_gid uuid, score real)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
BEGIN
    IF query IS NULL THEN
        RAISE EXCEPTION 'query must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM acoustid_check_duration(duration);
    IF max_duration_diff IS NULL OR max_duration_diff NOT BETWEEN 1 AND 30 THEN
        RAISE EXCEPTION 'max_duration_diff must be between 1 and 30 seconds, not %',
            coalesce(max_duration_diff::text, 'null')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF min_score IS NULL OR min_score NOT BETWEEN 0 AND 1 THEN
        RAISE EXCEPTION 'min_score must be between 0 and 1, not %', coalesce(min_score::text, 'null')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_results IS NULL OR max_results < 1 THEN
        RAISE EXCEPTION 'max_results must be 1 or more, not %', coalesce(max_results::text, 'null')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT m.fingerprint_id, m.track_id, m.track_gid, m.score
    FROM acoustid_search(query, duration, max_duration_diff, min_score) AS m
    ORDER BY m.score DESC, m.fingerprint_id ASC
    LIMIT max_results;
END
$$;

CREATE OR REPLACE FUNCTION acoustid_import_submission(
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

-- The lock buckets keep their 8 seconds, now named.
CREATE OR REPLACE FUNCTION acoustid_lock_duration_window(duration integer) RETURNS void
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

DROP FUNCTION acoustid_link_mbid(integer, uuid, integer, integer);
DROP FUNCTION acoustid_link_puid(integer, uuid, integer, integer);
DROP FUNCTION acoustid_link_meta(integer, integer, integer, integer);
DROP FUNCTION acoustid_link_foreignid(integer, integer, integer, integer);

ALTER FUNCTION acoustid_max_duration() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_import_lock_bucket_width() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_check_duration(integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_track(text, text, integer, anyelement, integer, integer) OWNER TO acoustid_admin;
