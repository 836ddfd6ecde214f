-- Import: the match-or-create step for one submission, in one transaction, run once per
-- submission id (fingerprint_source.submission_id is unique): a second run returns the first.

-- Why a submission cannot be imported (NULL when it can): too few distinct items to match
-- reliably, or nothing but silence (no query terms).
CREATE FUNCTION acoustid_unusable_reason(items integer[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
DECLARE
    distinct_items CONSTANT integer := acoustid_distinct_items(items);
BEGIN
    IF distinct_items < acoustid_fingerprint_min_unique_items() THEN
        RETURN format(
            'too few distinct items (%s, fewer than %s)', distinct_items, acoustid_fingerprint_min_unique_items()
        );
    END IF;
    IF cardinality(acoustid_extract_query(items)) = 0 THEN
        RETURN 'empty query: the fingerprint is silence';
    END IF;
    RETURN NULL;
END
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
-- The matched fingerprint itself is not compared again: the search found it in the window with
-- the same compare2 call, scoring above TRACK_MERGE_THRESHOLD, so above TRACK_GROUP_MIN too.
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
                AND f.id <> candidate.matched_fingerprint
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

-- One function per link kind: find or create the link, then add its provenance row (whose
-- trigger bumps the link's submission_count). Each returns the link id.
CREATE FUNCTION acoustid_link_mbid(
    link_track integer, link_key uuid, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_mbid AS l
    WHERE l.track_id = link_track AND l.mbid = link_key;
    IF link_id IS NULL THEN
        INSERT INTO track_mbid AS l (track_id, mbid) VALUES (link_track, link_key)
        ON CONFLICT DO NOTHING
        RETURNING l.id INTO link_id;
    END IF;
    IF link_id IS NULL THEN
        -- Another import created it meanwhile: a new statement sees its committed row.
        SELECT l.id INTO link_id FROM track_mbid AS l
        WHERE l.track_id = link_track AND l.mbid = link_key;
    END IF;
    INSERT INTO track_mbid_source (track_mbid_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_mbid(integer, uuid, integer, integer) IS
'links a track to a MusicBrainz recording (link created if new) with one provenance row';

CREATE FUNCTION acoustid_link_puid(
    link_track integer, link_key uuid, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_puid AS l
    WHERE l.track_id = link_track AND l.puid = link_key;
    IF link_id IS NULL THEN
        INSERT INTO track_puid AS l (track_id, puid) VALUES (link_track, link_key)
        ON CONFLICT DO NOTHING
        RETURNING l.id INTO link_id;
    END IF;
    IF link_id IS NULL THEN
        -- Another import created it meanwhile: a new statement sees its committed row.
        SELECT l.id INTO link_id FROM track_puid AS l
        WHERE l.track_id = link_track AND l.puid = link_key;
    END IF;
    INSERT INTO track_puid_source (track_puid_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_puid(integer, uuid, integer, integer) IS
'links a track to a MusicIP PUID (link created if new) with one provenance row';

CREATE FUNCTION acoustid_link_meta(
    link_track integer, link_key integer, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_meta AS l
    WHERE l.track_id = link_track AND l.meta_id = link_key;
    IF link_id IS NULL THEN
        INSERT INTO track_meta AS l (track_id, meta_id) VALUES (link_track, link_key)
        ON CONFLICT DO NOTHING
        RETURNING l.id INTO link_id;
    END IF;
    IF link_id IS NULL THEN
        -- Another import created it meanwhile: a new statement sees its committed row.
        SELECT l.id INTO link_id FROM track_meta AS l
        WHERE l.track_id = link_track AND l.meta_id = link_key;
    END IF;
    INSERT INTO track_meta_source (track_meta_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_meta(integer, integer, integer, integer) IS
'links a track to a meta row (link created if new) with one provenance row';

CREATE FUNCTION acoustid_link_foreignid(
    link_track integer, link_key integer, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_foreignid AS l
    WHERE l.track_id = link_track AND l.foreignid_id = link_key;
    IF link_id IS NULL THEN
        INSERT INTO track_foreignid AS l (track_id, foreignid_id) VALUES (link_track, link_key)
        ON CONFLICT DO NOTHING
        RETURNING l.id INTO link_id;
    END IF;
    IF link_id IS NULL THEN
        -- Another import created it meanwhile: a new statement sees its committed row.
        SELECT l.id INTO link_id FROM track_foreignid AS l
        WHERE l.track_id = link_track AND l.foreignid_id = link_key;
    END IF;
    INSERT INTO track_foreignid_source (track_foreignid_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_foreignid(integer, integer, integer, integer) IS
'links a track to a foreign id (link created if new) with one provenance row';

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
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
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
    WHERE fs.submission_id = submission;
END
$$;

COMMENT ON FUNCTION acoustid_imported_submission(integer, jsonb) IS
'the result of an import that already ran for this submission id (no row if none ran)';

-- The arguments are the submission's fields (it lives in the ingest database). action is
-- new_track, new_fingerprint, matched_fingerprint (an existing fingerprint scored above
-- FINGERPRINT_MERGE_THRESHOLD) or skipped (skip_reason says why, nothing is written);
-- repeated is true when an earlier run had imported this submission (then nothing changes).
-- The fingerprint is inserted last: its changelog trigger takes a lock every import needs and
-- holds it until commit, so the links are written before, not while holding it.
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
    -- Lock order: this submission, then catalog rows being created, then the duration window,
    -- then the changelog's lock (taken by the fingerprint insert): never the other way round.
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
    IF recording IS NOT NULL THEN
        PERFORM acoustid_link_mbid(track_id, recording, source_id, submission);
    END IF;
    IF musicip IS NOT NULL THEN
        PERFORM acoustid_link_puid(track_id, musicip, source_id, submission);
    END IF;
    IF meta_id IS NOT NULL THEN
        PERFORM acoustid_link_meta(track_id, meta_id, source_id, submission);
    END IF;
    IF foreign_id IS NOT NULL THEN
        PERFORM acoustid_link_foreignid(track_id, foreign_id, source_id, submission);
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
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION acoustid_import_submission(
    integer, integer[], integer, integer, integer, integer, integer, text, uuid, uuid, text, jsonb
) IS 'imports one ingest submission exactly once: match or create its track, write its provenance';

ALTER FUNCTION acoustid_unusable_reason(integer[]) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_lock_duration_window(integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_match_track(integer[], integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_mbid(integer, uuid, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_puid(integer, uuid, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_meta(integer, integer, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_foreignid(integer, integer, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_imported_submission(integer, jsonb) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_import_submission(
    integer, integer[], integer, integer, integer, integer, integer, text, uuid, uuid, text, jsonb
) OWNER TO acoustid_admin;
