-- Puts back the SQL forms of acoustid_fingerprint_bytes and acoustid_unusable_reason (as 0023
-- left them), undoing 0025_core_bytes_and_distinct.up.sql; the extension stays at 1.3.

CREATE OR REPLACE FUNCTION acoustid_fingerprint_bytes(fingerprint integer[]) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp
AS $$
DECLARE
    encoded CONSTANT text := acoustid_encode_fingerprint(fingerprint);
BEGIN
    RETURN decode(rpad(translate(encoded, '-_', '+/'), (length(encoded) + 3) / 4 * 4, '='), 'base64');
END
$$;

CREATE OR REPLACE FUNCTION acoustid_unusable_reason(items integer[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
DECLARE
    -- intarray's sort and uniq count in C, twice as fast as count(DISTINCT) over unnest
    distinct_items CONSTANT integer := icount(uniq(sort(items)));
BEGIN
    IF distinct_items < acoustid_fingerprint_min_unique_items() THEN
        RETURN format(
            'too few distinct items (%s, fewer than %s)', distinct_items, acoustid_fingerprint_min_unique_items()
        );
    END IF;
    IF cardinality(acoustid_extract_query(items)) = 0 THEN
        RETURN 'empty query: the fingerprint is silence';
    END IF;
    RETURN NULL;
END
$$;
