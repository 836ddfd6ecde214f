-- Keeps fingerprint items inline and uncompressed in the heap row instead of in TOAST: a lookup
-- reads each candidate's 3.8 kB of items with no detoast, and loads skip a futile pglz attempt.

-- EXTERNAL never compresses (Chromaprint items do not compress: pglz only burnt ~30 us a row);
-- toast_tuple_target = 8160 (the maximum) moves a value out of line only when its row cannot
-- fit a page (fingerprints of more than ~2,000 items), so no insert ever fails. A 120 s
-- fingerprint fills half a page. Rows written before this step keep their storage.
ALTER TABLE fingerprint
ALTER COLUMN fingerprint SET STORAGE EXTERNAL,
SET (toast_tuple_target = 8160);
