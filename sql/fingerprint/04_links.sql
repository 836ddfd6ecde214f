-- Links from tracks to what submitters said they are: MusicBrainz recordings, metadata,
-- MusicIP PUIDs and foreign ids; each count is the number of its provenance rows.

CREATE TABLE track_mbid (
    id serial PRIMARY KEY,
    track_id integer NOT NULL REFERENCES track (id) ON DELETE CASCADE,
    mbid uuid NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    disabled boolean NOT NULL DEFAULT FALSE,
    UNIQUE (track_id, mbid)
);

COMMENT ON TABLE track_mbid IS 'track to MusicBrainz recording links; disabled ones are hidden';

CREATE INDEX track_mbid_mbid_idx ON track_mbid (mbid);

CREATE TABLE track_meta (
    id serial PRIMARY KEY,
    track_id integer NOT NULL REFERENCES track (id) ON DELETE CASCADE,
    meta_id integer NOT NULL REFERENCES meta (id) ON DELETE CASCADE,
    created timestamptz NOT NULL DEFAULT now(),
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    UNIQUE (track_id, meta_id)
);

COMMENT ON TABLE track_meta IS 'track to user metadata links';

CREATE INDEX track_meta_meta_id_idx ON track_meta (meta_id);

CREATE TABLE track_puid (
    id serial PRIMARY KEY,
    track_id integer NOT NULL REFERENCES track (id) ON DELETE CASCADE,
    puid uuid NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    UNIQUE (track_id, puid)
);

COMMENT ON TABLE track_puid IS 'track to legacy MusicIP PUID links';

CREATE INDEX track_puid_puid_idx ON track_puid (puid);

CREATE TABLE track_foreignid (
    id serial PRIMARY KEY,
    track_id integer NOT NULL REFERENCES track (id) ON DELETE CASCADE,
    foreignid_id integer NOT NULL REFERENCES foreignid (id) ON DELETE CASCADE,
    created timestamptz NOT NULL DEFAULT now(),
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    UNIQUE (track_id, foreignid_id)
);

COMMENT ON TABLE track_foreignid IS 'track to external identifier links';

CREATE INDEX track_foreignid_foreignid_id_idx ON track_foreignid (foreignid_id);

ALTER TABLE track_mbid OWNER TO acoustid_admin;
ALTER TABLE track_meta OWNER TO acoustid_admin;
ALTER TABLE track_puid OWNER TO acoustid_admin;
ALTER TABLE track_foreignid OWNER TO acoustid_admin;

GRANT SELECT ON track_mbid, track_meta, track_puid, track_foreignid TO acoustid_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON track_mbid, track_meta, track_puid, track_foreignid
TO acoustid_writer;
GRANT USAGE ON SEQUENCE track_mbid_id_seq, track_meta_id_seq, track_puid_id_seq,
track_foreignid_id_seq TO acoustid_writer;
