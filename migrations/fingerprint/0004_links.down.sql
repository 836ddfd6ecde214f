-- Drops the track links to MBIDs, metadata, PUIDs and foreign ids,
-- undoing 0004_links.up.sql.

DROP TABLE track_foreignid;
DROP TABLE track_puid;
DROP TABLE track_meta;
DROP TABLE track_mbid;
