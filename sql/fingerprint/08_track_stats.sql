-- track_stats: per-track fingerprint, MBID and submission counts for reports, refreshed
-- by maintenance; the unique index lets REFRESH MATERIALIZED VIEW CONCURRENTLY run.

-- The seed's single join multiplied each fingerprint's count by the track's MBIDs;
-- counting each side separately gives the intended numbers.
CREATE MATERIALIZED VIEW track_stats AS
WITH fingerprints AS (
    SELECT
        track_id,
        count(*) AS fingerprint_count,
        sum(submission_count) AS total_submissions
    FROM fingerprint
    GROUP BY track_id
),

mbids AS (
    SELECT
        track_id,
        count(DISTINCT mbid) AS mbid_count
    FROM track_mbid
    GROUP BY track_id
)

SELECT
    f.track_id,
    f.fingerprint_count,
    coalesce(m.mbid_count, 0) AS mbid_count,
    f.total_submissions
FROM fingerprints AS f
LEFT JOIN mbids AS m ON f.track_id = m.track_id;

CREATE UNIQUE INDEX track_stats_track_id_idx ON track_stats (track_id);

ALTER MATERIALIZED VIEW track_stats OWNER TO acoustid_admin;

GRANT SELECT ON track_stats TO acoustid_reader;
