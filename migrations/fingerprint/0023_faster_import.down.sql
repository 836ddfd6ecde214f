-- Puts back acoustid_link_track, the import that calls it and the SQL-language helpers,
-- undoing 0023_faster_import.up.sql; the texts are those of 0014, 0018 and 0021.

CREATE OR REPLACE FUNCTION acoustid_unusable_reason(items integer[]) RETURNS text
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

CREATE OR REPLACE FUNCTION acoustid_fingerprint_bytes(fingerprint integer[]) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp
AS $$
    SELECT decode(rpad(translate(t, '-_', '+/'), (length(t) + 3) / 4 * 4, '='), 'base64')
    FROM acoustid_encode_fingerprint(fingerprint) AS t
$$;

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

DROP FUNCTION acoustid_link_mbid(integer, uuid, integer, integer);
DROP FUNCTION acoustid_link_puid(integer, uuid, integer, integer);
DROP FUNCTION acoustid_link_meta(integer, integer, integer, integer);
DROP FUNCTION acoustid_link_foreignid(integer, integer, integer, integer);

ALTER FUNCTION acoustid_link_track(text, text, integer, anyelement, integer, integer) OWNER TO acoustid_admin;
