-- Stores fingerprints the default way again (EXTENDED, full pages, fastupdate),
-- undoing 0010_fingerprint_storage.up.sql.

ALTER INDEX fingerprint_query_idx RESET (fastupdate);

ALTER TABLE fingerprint
ALTER COLUMN fingerprint SET STORAGE EXTENDED,
RESET (fillfactor);
