-- Tracks and their fingerprints: the core of lookup, with the storage and indexes lookups and
-- imports are tuned for, and fingerprint_data (compressed string, simhash) kept by a trigger.

-- Times are timestamptz where the seed says TIMESTAMP: they are instants, not wall-clock readings.
CREATE TABLE track (
    id serial PRIMARY KEY,
    gid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    created timestamptz NOT NULL DEFAULT now(),
    new_id integer REFERENCES track (id) ON DELETE SET NULL,
    disabled boolean NOT NULL DEFAULT FALSE,
    CONSTRAINT track_new_id_check CHECK (new_id <> id)
);

COMMENT ON TABLE track IS 'an AcoustID: a group of fingerprints of the same recording';
COMMENT ON COLUMN track.gid IS 'the public AcoustID track id';
COMMENT ON COLUMN track.new_id IS 'the live track this one was merged into (never a merged one)';

CREATE INDEX track_new_id_idx ON track (new_id);

CREATE TABLE fingerprint (
    id serial PRIMARY KEY,
    track_id integer NOT NULL REFERENCES track (id) ON DELETE CASCADE,
    fingerprint integer[] NOT NULL CHECK (cardinality(fingerprint) > 0),
    length smallint NOT NULL CHECK (length > 0),
    bitrate smallint CHECK (bitrate > 0),
    format_id integer REFERENCES format (id) ON DELETE SET NULL,
    created timestamptz NOT NULL DEFAULT now(),
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0)
) WITH (fillfactor = 90);

-- EXTERNAL: Chromaprint items do not compress, so pglz only burnt ~30 us a row. A 120 s
-- fingerprint (3.8 kB) then lives in TOAST and its heap row is ~70 bytes: fillfactor 90 leaves
-- room on the page, so the provenance trigger's submission_count bump is a HOT update (kept
-- inline, every bump rewrote 3.8 kB and re-inserted the row into both GIN indexes). A lookup
-- detoasts only the few candidates it scores. (CREATE TABLE takes STORAGE from PostgreSQL 16 on.)
ALTER TABLE fingerprint ALTER COLUMN fingerprint SET STORAGE EXTERNAL;

COMMENT ON TABLE fingerprint IS 'Chromaprint fingerprints (int4 items), each in one track';
COMMENT ON COLUMN fingerprint.length IS 'duration in seconds';
COMMENT ON COLUMN fingerprint.submission_count IS 'number of fingerprint_source rows (kept by trigger)';

CREATE INDEX fingerprint_track_id_idx ON fingerprint (track_id);
CREATE INDEX fingerprint_length_idx ON fingerprint (length);
-- INCLUDE (id), not the seed's INCLUDE (fingerprint): a 120 s fingerprint is ~3.8 kB,
-- over the 2.7 kB btree row limit, so that index would make ordinary inserts fail.
CREATE INDEX fingerprint_lookup_idx ON fingerprint (length, track_id) INCLUDE (id);
-- No index over every item (the seed's fingerprint_fingerprint_idx): it serves only the legacy
-- `fingerprint && query` search, which no lookup here runs, and at a million fingerprints it was
-- ~33 kB of ~43 kB a row and half the import time. `acoustid-pg index create legacy-overlap`
-- builds it, concurrently and under its seed name, for an operator who runs that search.
-- What lookups search: the query terms, not the raw items. Without fastupdate, an insert adds its
-- 120 terms to the tree at once (~0.4 ms); with it, every lookup scanned the pending list of
-- recent inserts (7 ms a lookup after 1,000 imports).
CREATE INDEX fingerprint_query_idx ON fingerprint
USING gin (acoustid_extract_query(fingerprint) gin__int_ops) WITH (fastupdate = FALSE);

CREATE TABLE fingerprint_data (
    fingerprint_id integer PRIMARY KEY REFERENCES fingerprint (id) ON DELETE CASCADE,
    fingerprint bytea NOT NULL,
    simhash cube
);

-- Chromaprint's compressed bytes (fpcalc's string without its base64: a quarter smaller), kept
-- out of line uncompressed: packed bits do not compress, so pglz would only burn time.
ALTER TABLE fingerprint_data ALTER COLUMN fingerprint SET STORAGE EXTERNAL;

COMMENT ON TABLE fingerprint_data IS 'compressed fingerprint and its simhash for approximate search';

CREATE INDEX fingerprint_data_simhash_idx ON fingerprint_data USING gist (simhash);

CREATE FUNCTION acoustid_fingerprint_bytes(fingerprint integer[]) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp
AS $$
BEGIN
    RETURN acoustid_encode_fingerprint_bytes(fingerprint);
END
$$;

COMMENT ON FUNCTION acoustid_fingerprint_bytes(integer[]) IS
'Chromaprint''s compressed fingerprint as bytes: fpcalc''s string without its base64';

CREATE FUNCTION acoustid_fingerprint_text(compressed bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp
AS $$
    SELECT rtrim(translate(encode(compressed, 'base64'), E'+/\n', '-_'), '=')
$$;

COMMENT ON FUNCTION acoustid_fingerprint_text(bytea) IS
'fpcalc''s compressed string of fingerprint_data.fingerprint (acoustid_decode_fingerprint reads it)';

-- Triggers, so that imports and bulk loads alike keep fingerprint_data filled: inserts once per
-- statement (from its transition table), item updates row by row (transition tables cannot go
-- with UPDATE OF). The bulk loader computes the same bytes and simhash in the client (the C core
-- via cffi), COPYs them, and tells the trigger so with the transaction-local setting
-- acoustid_pg.fingerprint_data_filled.
CREATE FUNCTION fill_fingerprint_data() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        IF coalesce(current_setting('acoustid_pg.fingerprint_data_filled', TRUE), '') <> 'on' THEN
            INSERT INTO fingerprint_data (fingerprint_id, fingerprint, simhash)
            SELECT r.id, acoustid_fingerprint_bytes(r.fingerprint), acoustid_simhash_cube(r.fingerprint)
            FROM changed_rows AS r
            ON CONFLICT (fingerprint_id) DO UPDATE
                SET fingerprint = excluded.fingerprint, simhash = excluded.simhash;
        END IF;
        RETURN NULL;
    END IF;
    INSERT INTO fingerprint_data (fingerprint_id, fingerprint, simhash)
    VALUES (NEW.id, acoustid_fingerprint_bytes(NEW.fingerprint), acoustid_simhash_cube(NEW.fingerprint))
    ON CONFLICT (fingerprint_id) DO UPDATE
        SET fingerprint = excluded.fingerprint, simhash = excluded.simhash;
    RETURN NULL;
END
$$;

CREATE TRIGGER fill_fingerprint_data
AFTER INSERT ON fingerprint
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION fill_fingerprint_data();

CREATE TRIGGER fill_fingerprint_data_on_update
AFTER UPDATE OF fingerprint ON fingerprint
FOR EACH ROW EXECUTE FUNCTION fill_fingerprint_data();

ALTER TABLE track OWNER TO acoustid_admin;
ALTER TABLE fingerprint OWNER TO acoustid_admin;
ALTER TABLE fingerprint_data OWNER TO acoustid_admin;
ALTER FUNCTION fill_fingerprint_data() OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_fingerprint_bytes(integer[]) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_fingerprint_text(bytea) OWNER TO acoustid_admin;

GRANT SELECT ON track, fingerprint, fingerprint_data TO acoustid_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON track, fingerprint, fingerprint_data TO acoustid_writer;
GRANT USAGE ON SEQUENCE track_id_seq, fingerprint_id_seq TO acoustid_writer;
