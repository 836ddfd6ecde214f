-- Fingerprint storage tuned for lookups and imports: items out of line and never compressed,
-- room for HOT count updates, and a query-term index with no pending list to scan.

-- EXTERNAL: Chromaprint items do not compress, so pglz only burnt ~30 us a row. A 120 s
-- fingerprint (3.8 kB) then lives in TOAST and its heap row is ~70 bytes: fillfactor 90 leaves
-- room on the page, so the provenance trigger's submission_count bump is a HOT update (kept
-- inline, every bump rewrote 3.8 kB and re-inserted the row into both GIN indexes). A lookup
-- detoasts only the few candidates it scores. Rows written before this step keep their storage.
ALTER TABLE fingerprint
ALTER COLUMN fingerprint SET STORAGE EXTERNAL,
SET (fillfactor = 90);

-- Without fastupdate, an insert adds its 120 terms to the tree at once (~0.4 ms); with it, every
-- lookup scanned the pending list of recent inserts (7 ms a lookup after 1,000 imports).
ALTER INDEX fingerprint_query_idx SET (fastupdate = FALSE);
