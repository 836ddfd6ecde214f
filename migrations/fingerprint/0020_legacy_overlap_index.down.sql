-- Builds fingerprint_fingerprint_idx again, undoing 0020_legacy_overlap_index.up.sql (on a large
-- table this takes long: `acoustid-pg index create legacy-overlap` does it concurrently instead).

CREATE INDEX IF NOT EXISTS fingerprint_fingerprint_idx ON fingerprint USING gin (fingerprint gin__int_ops);
