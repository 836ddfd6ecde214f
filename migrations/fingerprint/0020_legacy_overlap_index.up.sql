-- Makes the seed's fingerprint_fingerprint_idx (a GIN over every item) opt-in: it serves only the
-- legacy `fingerprint && query` search, which no lookup here runs.

-- At a million fingerprints it was ~33 kB of ~43 kB a row and half the import time.
-- `acoustid-pg index create legacy-overlap` builds it again, concurrently, for those who need it.
DROP INDEX IF EXISTS fingerprint_fingerprint_idx;
