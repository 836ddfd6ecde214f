-- Drops the reference tables (formats, metadata, sources, foreign ids and vendors),
-- undoing 0002_catalog.up.sql.

DROP TABLE foreignid;
DROP TABLE foreignid_vendor;
DROP TABLE source;
DROP TABLE meta;
DROP TABLE format;
