-- Drops tracks, fingerprints and fingerprint data with their indexes,
-- undoing 0003_track.up.sql.

DROP TABLE fingerprint_data;
DROP TABLE fingerprint;
DROP TABLE track;
