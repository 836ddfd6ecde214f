-- Lookup: the tracks whose fingerprints match a query fingerprint, best first. Candidates
-- come from the query-term GIN index alone, so no planner estimate can turn it into a scan.

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

-- Step 1 reads only fingerprint_query_idx (a MATERIALIZED CTE is a fence: the length window is
-- not pushed into it, so the planner cannot prefer the length index and score every fingerprint
-- of the window, a p99 of about a second at a million rows). Step 2 scores the candidates of the
-- window by primary key. enable_seqscan = off guards the generic plans PL/pgSQL caches, which
-- know no query terms. Every live track appears once, with its best fingerprint.
-- Each statement has one right plan (the GIN, then primary keys), so plan_cache_mode forces the
-- cached generic plan: left to choose, PostgreSQL keeps a custom plan for the array parameters
-- and planned both statements at every call, a sixth of a lookup's time and more of an import's.
CREATE FUNCTION acoustid_search(
    query integer[],
    duration integer,
    max_duration_diff integer,
    min_score real
) RETURNS TABLE (fingerprint_id integer, track_id integer, track_gid uuid, score real)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET enable_seqscan = off
SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    terms CONSTANT integer[] := acoustid_extract_query(query);
    candidates integer[];
BEGIN
    IF cardinality(terms) = 0 THEN
        RETURN;
    END IF;
    WITH hit AS MATERIALIZED (
        SELECT f.id, f.length FROM fingerprint AS f
        WHERE acoustid_extract_query(f.fingerprint) && terms
    )
    SELECT array_agg(hit.id) INTO candidates FROM hit
    WHERE hit.length BETWEEN duration - max_duration_diff AND duration + max_duration_diff;
    IF candidates IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH scored AS MATERIALIZED (
        SELECT
            f.id,
            f.track_id AS stored_track_id,
            acoustid_compare2(f.fingerprint, query, acoustid_track_max_offset()) AS compared
        FROM fingerprint AS f
        WHERE f.id = any(candidates)
    )
    SELECT DISTINCT ON (live.id) s.id, live.id, live.gid, s.compared
    FROM scored AS s
    INNER JOIN track AS t ON s.stored_track_id = t.id
    INNER JOIN track AS live ON coalesce(t.new_id, t.id) = live.id
    WHERE s.compared > min_score AND NOT live.disabled
    ORDER BY live.id ASC, s.compared DESC, s.id ASC;
END
$$;

COMMENT ON FUNCTION acoustid_search(integer[], integer, integer, real) IS
'every live track with a fingerprint scoring above min_score within the duration window, unordered';

CREATE FUNCTION acoustid_lookup(
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

COMMENT ON FUNCTION acoustid_lookup(integer[], integer, integer, real, integer) IS
'the best fingerprint of each live track matching query (int4 items), best score first';

CREATE FUNCTION acoustid_lookup(
    query text,
    duration integer,
    max_duration_diff integer DEFAULT acoustid_fingerprint_max_length_diff(),
    min_score real DEFAULT acoustid_lookup_min_score(),
    max_results integer DEFAULT 10
) RETURNS TABLE (fingerprint_id integer, track_id integer, track_gid uuid, score real)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
    SELECT * FROM acoustid_lookup(
        acoustid_decode_fingerprint(query), duration, max_duration_diff, min_score, max_results
    )
$$;

COMMENT ON FUNCTION acoustid_lookup(text, integer, integer, real, integer) IS
'acoustid_lookup of a compressed fingerprint (what fpcalc prints)';

ALTER FUNCTION acoustid_check_duration(integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_search(integer[], integer, integer, real) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_lookup(integer[], integer, integer, real, integer) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_lookup(text, integer, integer, real, integer) OWNER TO acoustid_admin;
