-- Small reference tables that fingerprints and links point at: audio formats, submitted
-- metadata, submission sources and foreign id vendors, seeded with the values AcoustID knows.

CREATE TABLE format (
    id serial PRIMARY KEY,
    name varchar(20) NOT NULL UNIQUE
);

COMMENT ON TABLE format IS 'audio file formats (mp3, flac, ...)';

CREATE TABLE meta (
    id serial PRIMARY KEY,
    track varchar(255),
    artist varchar(255),
    album varchar(255),
    album_artist varchar(255),
    track_no integer,
    disc_no integer,
    year integer
);

COMMENT ON TABLE meta IS 'user-submitted metadata, linked to tracks through track_meta';

-- What identifies a metadata row: all of its fields, NULLs included, hashed for a small index.
CREATE FUNCTION acoustid_meta_key(
    track text,
    artist text,
    album text,
    album_artist text,
    track_no integer,
    disc_no integer,
    year integer
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT md5(
        quote_nullable(track) || ',' || quote_nullable(artist) || ',' || quote_nullable(album) || ','
        || quote_nullable(album_artist) || ',' || quote_nullable(track_no::text) || ','
        || quote_nullable(disc_no::text) || ',' || quote_nullable(year::text)
    )
$$;

COMMENT ON FUNCTION acoustid_meta_key(text, text, text, text, integer, integer, integer) IS
'hash of every metadata field (NULLs included): what makes two meta rows the same';

CREATE INDEX meta_key_idx ON meta
(acoustid_meta_key(track, artist, album, album_artist, track_no, disc_no, year));

CREATE TABLE source (
    id serial PRIMARY KEY,
    application_id integer NOT NULL,
    account_id integer NOT NULL,
    version varchar(255),
    UNIQUE (application_id, account_id, version)
);

COMMENT ON TABLE source IS 'who submitted: an application (and its version) used by an account';
COMMENT ON COLUMN source.application_id IS
'acoustid_app.application.id (another database: no foreign key, the driver validates it)';
COMMENT ON COLUMN source.account_id IS
'acoustid_app.account.id (another database: no foreign key, the driver validates it)';

CREATE TABLE foreignid_vendor (
    id serial PRIMARY KEY,
    name varchar(255) NOT NULL UNIQUE
);

COMMENT ON TABLE foreignid_vendor IS 'providers of external identifiers (musicbrainz, discogs, ...)';

CREATE TABLE foreignid (
    id serial PRIMARY KEY,
    vendor_id integer NOT NULL REFERENCES foreignid_vendor (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    UNIQUE (vendor_id, name)
);

COMMENT ON TABLE foreignid IS 'an external identifier: a vendor and its id';

INSERT INTO format (name)
VALUES ('mp3'), ('flac'), ('ogg'), ('m4a'), ('wma'), ('ape'), ('wav');

INSERT INTO foreignid_vendor (name)
VALUES ('musicbrainz'), ('musicip'), ('discogs'), ('spotify');

ALTER TABLE format OWNER TO acoustid_admin;
ALTER TABLE meta OWNER TO acoustid_admin;
ALTER FUNCTION acoustid_meta_key(text, text, text, text, integer, integer, integer) OWNER TO acoustid_admin;
ALTER TABLE source OWNER TO acoustid_admin;
ALTER TABLE foreignid_vendor OWNER TO acoustid_admin;
ALTER TABLE foreignid OWNER TO acoustid_admin;

GRANT SELECT ON format, meta, foreignid_vendor, foreignid TO acoustid_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON format, meta, source, foreignid_vendor, foreignid
TO acoustid_writer;
GRANT USAGE ON SEQUENCE format_id_seq, meta_id_seq, source_id_seq, foreignid_vendor_id_seq,
foreignid_id_seq TO acoustid_writer;
