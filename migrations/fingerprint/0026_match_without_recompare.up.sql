-- An import's match no longer compares the new fingerprint again with the fingerprint the search
-- matched: one compare2 and one detoast fewer for every import that joins a track.

-- The search scored that fingerprint with the same compare2 call, above TRACK_MERGE_THRESHOLD and
-- within the duration window, so the group check (TRACK_GROUP_MIN, the same window) passes it.

CREATE OR REPLACE FUNCTION acoustid_match_track(items integer[], duration integer)
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
