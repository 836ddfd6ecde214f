-- AcoustID's production thresholds and limits for lookups and imports, as named constants.
-- IMMUTABLE SQL functions: the planner folds each call into its value, so naming costs nothing.

CREATE FUNCTION acoustid_track_max_offset() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 80 $$;

COMMENT ON FUNCTION acoustid_track_max_offset() IS
'TRACK_MAX_OFFSET: the maxoffset every lookup and import passes to acoustid_compare2';

CREATE FUNCTION acoustid_lookup_min_score() RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0.4::real $$;

COMMENT ON FUNCTION acoustid_lookup_min_score() IS
'a lookup returns matches scoring above this (by default)';

CREATE FUNCTION acoustid_track_merge_threshold() RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0.75::real $$;

COMMENT ON FUNCTION acoustid_track_merge_threshold() IS
'TRACK_MERGE_THRESHOLD: an import joins an existing track only scoring above this';

CREATE FUNCTION acoustid_track_group_min() RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0.4::real $$;

COMMENT ON FUNCTION acoustid_track_group_min() IS
'TRACK_GROUP_MIN: ... and only if it scores at least this against every fingerprint of the track';

CREATE FUNCTION acoustid_fingerprint_merge_threshold() RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0.9::real $$;

COMMENT ON FUNCTION acoustid_fingerprint_merge_threshold() IS
'FINGERPRINT_MERGE_THRESHOLD: above this, an import reuses the matched fingerprint row';

CREATE FUNCTION acoustid_fingerprint_max_length_diff() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 7 $$;

COMMENT ON FUNCTION acoustid_fingerprint_max_length_diff() IS
'FINGERPRINT_MAX_LENGTH_DIFF: seconds of duration difference (inclusive) a match may have';

CREATE FUNCTION acoustid_fingerprint_min_unique_items() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 80 $$;

COMMENT ON FUNCTION acoustid_fingerprint_min_unique_items() IS
'FINGERPRINT_MIN_UNIQUE_ITEMS: a submission with fewer distinct items is skipped as unusable';

CREATE FUNCTION acoustid_max_duration() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 32767 $$;

COMMENT ON FUNCTION acoustid_max_duration() IS
'the longest duration (seconds) a lookup or an import accepts: fingerprint.length is a smallint';

CREATE FUNCTION acoustid_import_lock_bucket_width() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 8 $$;

COMMENT ON FUNCTION acoustid_import_lock_bucket_width() IS
'seconds of duration one import lock covers: wider, fewer locks per import but more waiting';

ALTER FUNCTION acoustid_track_max_offset() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_lookup_min_score() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_track_merge_threshold() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_track_group_min() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_fingerprint_merge_threshold() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_fingerprint_max_length_diff() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_fingerprint_min_unique_items() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_max_duration() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_import_lock_bucket_width() OWNER TO acoustid_admin;
