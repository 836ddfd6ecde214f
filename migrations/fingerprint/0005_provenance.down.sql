-- Drops the provenance tables and the track-MBID change log,
-- undoing 0005_provenance.up.sql.

DROP TABLE track_foreignid_source;
DROP TABLE track_puid_source;
DROP TABLE track_meta_source;
DROP TABLE track_mbid_change;
DROP TABLE track_mbid_source;
DROP TABLE fingerprint_source;
