-- Compares the new fingerprint with every fingerprint of the matched track again, the matched
-- one included, undoing 0026_match_without_recompare.up.sql.

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
