-- Keeps fingerprint items inline in the heap row (STORAGE MAIN) instead of in TOAST.
-- A 120 s fingerprint is 3.8 kB: out of line, every candidate a lookup scores costs a detoast.

-- MAIN still compresses when that helps and moves a value out of line only when the row
-- cannot fit a page (fingerprints of more than ~2,000 items), so no insert ever fails.
-- Rows written before this step keep their storage until they are rewritten.
ALTER TABLE fingerprint ALTER COLUMN fingerprint SET STORAGE MAIN;
