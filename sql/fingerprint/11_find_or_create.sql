-- Find-or-create of the catalog rows an import refers to: formats, sources, metadata and
-- foreign ids. Each is safe when concurrent imports create the same row at the same moment.

-- Tables with a unique key use INSERT ... ON CONFLICT DO NOTHING and read the row back (a new
-- statement sees a row committed meanwhile). source (whose NULL version is distinct) and meta
-- (no unique key) first take an advisory lock on the row's content, and only to create it.

CREATE FUNCTION acoustid_find_or_create_format(format_name text) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT f.id INTO found_id FROM format AS f WHERE f.name = format_name;
    IF found_id IS NULL THEN
        INSERT INTO format (name) VALUES (format_name) ON CONFLICT DO NOTHING;
        SELECT f.id INTO found_id FROM format AS f WHERE f.name = format_name;
    END IF;
    RETURN found_id;
END
$$;

COMMENT ON FUNCTION acoustid_find_or_create_format(text) IS
'the id of the named audio format, created if new';

CREATE FUNCTION acoustid_find_or_create_source(
    application integer, account integer, application_version text
) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    found_id integer;
BEGIN
    FOR attempt IN 1..2 LOOP
        SELECT s.id INTO found_id FROM source AS s
        WHERE s.application_id = application AND s.account_id = account
            AND s.version IS NOT DISTINCT FROM application_version;
        IF found_id IS NOT NULL OR attempt = 2 THEN
            EXIT;
        END IF;
        -- Held until commit: a second creator waits here, then finds the first one's row.
        PERFORM pg_advisory_xact_lock(hashtextextended(
            format('acoustid_pg.source %s %s %s', application, account, quote_nullable(application_version)), 0
        ));
    END LOOP;
    IF found_id IS NULL THEN
        INSERT INTO source (application_id, account_id, version)
        VALUES (application, account, application_version)
        RETURNING id INTO found_id;
    END IF;
    RETURN found_id;
END
$$;

COMMENT ON FUNCTION acoustid_find_or_create_source(integer, integer, text) IS
'the id of the source (application, account, version), created if new';

-- fields: the submitted metadata as jsonb (track, artist, album, album_artist, track_no, disc_no,
-- year); other keys are ignored. Both return NULL when no field is given.
CREATE FUNCTION acoustid_find_meta(fields jsonb) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    wanted CONSTANT meta := jsonb_populate_record(NULL::meta, coalesce(fields, '{}') - 'id');
    found_id integer;
BEGIN
    SELECT m.id INTO found_id FROM meta AS m
    WHERE acoustid_meta_key(m.track, m.artist, m.album, m.album_artist, m.track_no, m.disc_no, m.year)
        = acoustid_meta_key(
            wanted.track, wanted.artist, wanted.album, wanted.album_artist,
            wanted.track_no, wanted.disc_no, wanted.year
        )
        AND (m.track, m.artist, m.album, m.album_artist, m.track_no, m.disc_no, m.year)
        IS NOT DISTINCT FROM
        (wanted.track, wanted.artist, wanted.album, wanted.album_artist,
        wanted.track_no, wanted.disc_no, wanted.year)
    ORDER BY m.id
    LIMIT 1;
    RETURN found_id;
END
$$;

COMMENT ON FUNCTION acoustid_find_meta(jsonb) IS 'the id of the meta row with exactly these fields, or NULL';

CREATE FUNCTION acoustid_find_or_create_meta(fields jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    wanted CONSTANT meta := jsonb_populate_record(NULL::meta, coalesce(fields, '{}') - 'id');
    found_id integer;
BEGIN
    IF num_nonnulls(
        wanted.track, wanted.artist, wanted.album, wanted.album_artist,
        wanted.track_no, wanted.disc_no, wanted.year
    ) = 0 THEN
        RETURN NULL;
    END IF;
    found_id := acoustid_find_meta(fields);
    IF found_id IS NULL THEN
        -- Held until commit: a second creator waits here, then finds the first one's row.
        PERFORM pg_advisory_xact_lock(hashtextextended('acoustid_pg.meta ' || acoustid_meta_key(
            wanted.track, wanted.artist, wanted.album, wanted.album_artist,
            wanted.track_no, wanted.disc_no, wanted.year
        ), 0));
        found_id := acoustid_find_meta(fields);
    END IF;
    IF found_id IS NULL THEN
        INSERT INTO meta (track, artist, album, album_artist, track_no, disc_no, year)
        VALUES (
            wanted.track, wanted.artist, wanted.album, wanted.album_artist,
            wanted.track_no, wanted.disc_no, wanted.year
        )
        RETURNING id INTO found_id;
    END IF;
    RETURN found_id;
END
$$;

COMMENT ON FUNCTION acoustid_find_or_create_meta(jsonb) IS
'the id of the meta row with exactly these fields, created if new; NULL for no fields';

-- foreign_ref: 'vendor:id' (the id may itself contain colons).
CREATE FUNCTION acoustid_find_or_create_foreignid(foreign_ref text) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    vendor_name CONSTANT text := split_part(foreign_ref, ':', 1);
    foreign_name CONSTANT text := substr(foreign_ref, length(vendor_name) + 2);
    found_vendor integer;
    found_id integer;
BEGIN
    IF foreign_ref IS NULL THEN
        RETURN NULL;
    END IF;
    IF vendor_name = '' OR foreign_name = '' THEN
        RAISE EXCEPTION 'foreign id must look like vendor:id, not %', quote_literal(foreign_ref)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT v.id INTO found_vendor FROM foreignid_vendor AS v WHERE v.name = vendor_name;
    IF found_vendor IS NULL THEN
        INSERT INTO foreignid_vendor (name) VALUES (vendor_name) ON CONFLICT DO NOTHING;
        SELECT v.id INTO found_vendor FROM foreignid_vendor AS v WHERE v.name = vendor_name;
    END IF;
    SELECT i.id INTO found_id FROM foreignid AS i WHERE i.vendor_id = found_vendor AND i.name = foreign_name;
    IF found_id IS NULL THEN
        INSERT INTO foreignid (vendor_id, name) VALUES (found_vendor, foreign_name) ON CONFLICT DO NOTHING;
        SELECT i.id INTO found_id FROM foreignid AS i
        WHERE i.vendor_id = found_vendor AND i.name = foreign_name;
    END IF;
    RETURN found_id;
END
$$;

COMMENT ON FUNCTION acoustid_find_or_create_foreignid(text) IS
'the id of the foreign id vendor:id, created (with its vendor) if new; NULL for NULL';

ALTER FUNCTION acoustid_find_or_create_format(text) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_find_or_create_source(integer, integer, text) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_find_meta(jsonb) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_find_or_create_meta(jsonb) OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_find_or_create_foreignid(text) OWNER TO acoustid_admin;
