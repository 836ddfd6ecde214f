-- Stores fingerprint items the default way again (EXTENDED: compressed, then TOAST),
-- undoing 0010_fingerprint_storage.up.sql.

ALTER TABLE fingerprint
ALTER COLUMN fingerprint SET STORAGE EXTENDED,
RESET (toast_tuple_target);
