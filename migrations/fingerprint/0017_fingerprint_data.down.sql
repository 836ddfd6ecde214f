-- Stops filling fingerprint_data, undoing 0017_fingerprint_data.up.sql; the rows it wrote
-- stay (they are data, and the table is the data model's).

DROP TRIGGER fill_fingerprint_data ON fingerprint;
DROP FUNCTION fill_fingerprint_data();
