-- Drops the track_stats materialized view,
-- undoing 0009_track_stats.up.sql.

DROP MATERIALIZED VIEW track_stats;
