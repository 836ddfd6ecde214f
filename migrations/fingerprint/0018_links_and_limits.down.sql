-- Restores the four link functions of 0014 and the duration checks and lock buckets written out
-- in full, undoing 0018_links_and_limits.up.sql; the texts are 0012's and 0014's, pinned as in 0016.

-- One function per link kind: find or create the link, then add its provenance row (whose
-- trigger bumps the link's submission_count). Each returns the link id.
CREATE FUNCTION acoustid_link_mbid(
    link_track integer, link_mbid uuid, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_mbid AS l WHERE l.track_id = link_track AND l.mbid = link_mbid;
    IF link_id IS NULL THEN
        INSERT INTO track_mbid (track_id, mbid) VALUES (link_track, link_mbid) ON CONFLICT DO NOTHING;
        SELECT l.id INTO link_id FROM track_mbid AS l WHERE l.track_id = link_track AND l.mbid = link_mbid;
    END IF;
    INSERT INTO track_mbid_source (track_mbid_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_mbid(integer, uuid, integer, integer) IS
'links a track to a MusicBrainz recording (created if new) with one provenance row';

CREATE FUNCTION acoustid_link_puid(
    link_track integer, link_puid uuid, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_puid AS l WHERE l.track_id = link_track AND l.puid = link_puid;
    IF link_id IS NULL THEN
        INSERT INTO track_puid (track_id, puid) VALUES (link_track, link_puid) ON CONFLICT DO NOTHING;
        SELECT l.id INTO link_id FROM track_puid AS l WHERE l.track_id = link_track AND l.puid = link_puid;
    END IF;
    INSERT INTO track_puid_source (track_puid_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_puid(integer, uuid, integer, integer) IS
'links a track to a MusicIP PUID (created if new) with one provenance row';

CREATE FUNCTION acoustid_link_meta(
    link_track integer, link_meta integer, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_meta AS l WHERE l.track_id = link_track AND l.meta_id = link_meta;
    IF link_id IS NULL THEN
        INSERT INTO track_meta (track_id, meta_id) VALUES (link_track, link_meta) ON CONFLICT DO NOTHING;
        SELECT l.id INTO link_id FROM track_meta AS l WHERE l.track_id = link_track AND l.meta_id = link_meta;
    END IF;
    INSERT INTO track_meta_source (track_meta_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_meta(integer, integer, integer, integer) IS
'links a track to user metadata (created if new) with one provenance row';

CREATE FUNCTION acoustid_link_foreignid(
    link_track integer, link_foreignid integer, link_source integer, link_submission integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    link_id integer;
BEGIN
    SELECT l.id INTO link_id FROM track_foreignid AS l
    WHERE l.track_id = link_track AND l.foreignid_id = link_foreignid;
    IF link_id IS NULL THEN
        INSERT INTO track_foreignid (track_id, foreignid_id) VALUES (link_track, link_foreignid)
        ON CONFLICT DO NOTHING;
        SELECT l.id INTO link_id FROM track_foreignid AS l
        WHERE l.track_id = link_track AND l.foreignid_id = link_foreignid;
    END IF;
    INSERT INTO track_foreignid_source (track_foreignid_id, source_id, submission_id)
    VALUES (link_id, link_source, link_submission);
    RETURN link_id;
END
$$;

COMMENT ON FUNCTION acoustid_link_foreignid(integer, integer, integer, integer) IS
'links a track to a foreign id (created if new) with one provenance row';

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
    IF duration IS NULL OR duration NOT BETWEEN 1 AND 32767 THEN
        RAISE EXCEPTION 'duration must be between 1 and 32767 seconds, not %', coalesce(duration::text, 'null')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
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
    IF duration IS NULL OR duration NOT BETWEEN 1 AND 32767 THEN
        RAISE EXCEPTION 'duration must be between 1 and 32767 seconds, not %', coalesce(duration::text, 'null')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
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
    RETURN NEXT;
END
$$;

CREATE OR REPLACE FUNCTION acoustid_lock_duration_window(duration integer) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    width CONSTANT integer := acoustid_fingerprint_max_length_diff();
BEGIN
    FOR bucket IN greatest(duration - width, 0) / 8 .. (duration + width) / 8 LOOP
        PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.import.duration'), bucket);
    END LOOP;
END
$$;

DROP FUNCTION acoustid_link_track(text, text, integer, anyelement, integer, integer);
DROP FUNCTION acoustid_check_duration(integer);
DROP FUNCTION acoustid_import_lock_bucket_width();
DROP FUNCTION acoustid_max_duration();

ALTER FUNCTION acoustid_link_mbid(integer, uuid, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_puid(integer, uuid, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_meta(integer, integer, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_foreignid(integer, integer, integer, integer) OWNER TO acoustid_admin;
