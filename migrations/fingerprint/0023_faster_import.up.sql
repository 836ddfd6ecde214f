-- Faster imports: static link functions again, PL/pgSQL helpers, and the fingerprint inserted
-- after the links (its changelog lock is then held only from the insert to the commit).

-- acoustid_link_track's format() and EXECUTE were planned at every call (4 links an import);
-- a SQL-language function with a SET clause is never inlined and is planned again at every
-- call, where PL/pgSQL keeps its plans for the session: 0.3 ms of a 3.8 ms import.

CREATE OR REPLACE FUNCTION acoustid_unusable_reason(items integer[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
DECLARE
    -- intarray's sort and uniq count in C, twice as fast as count(DISTINCT) over unnest
    distinct_items CONSTANT integer := icount(uniq(sort(items)));
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

CREATE OR REPLACE FUNCTION acoustid_imported_submission(submission integer, meta_fields jsonb)
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

CREATE OR REPLACE FUNCTION acoustid_fingerprint_bytes(fingerprint integer[]) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp
AS $$
DECLARE
    encoded CONSTANT text := acoustid_encode_fingerprint(fingerprint);
BEGIN
    RETURN decode(rpad(translate(encoded, '-_', '+/'), (length(encoded) + 3) / 4 * 4, '='), 'base64');
END
$$;

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

-- The arguments are the submission's fields (it lives in the ingest database). action is
-- new_track, new_fingerprint, matched_fingerprint (an existing fingerprint scored above
-- FINGERPRINT_MERGE_THRESHOLD) or skipped (skip_reason says why, nothing is written);
-- repeated is true when an earlier run had imported this submission (then nothing changes).
-- The fingerprint is inserted last: its changelog trigger takes a lock every import needs and
-- holds it until commit, so the links are written before, not while holding it.
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

DROP FUNCTION acoustid_link_track(text, text, integer, anyelement, integer, integer);

ALTER FUNCTION acoustid_link_mbid(integer, uuid, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_puid(integer, uuid, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_meta(integer, integer, integer, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_link_foreignid(integer, integer, integer, integer) OWNER TO acoustid_admin;
