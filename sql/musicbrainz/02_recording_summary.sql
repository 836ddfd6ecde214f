-- Not a MusicBrainz table: one row per recording with everything a lookup's meta levels read
-- about it, built by each import from the tables it loads, so a lookup probes one index per MBID.
CREATE TABLE musicbrainz.acoustid_recording_summary (
    -- json, not jsonb: stored as the very text it is sent as, a third smaller and cheaper to build
    gid uuid PRIMARY KEY,
    id integer NOT NULL UNIQUE,
    name text NOT NULL,
    length integer,
    artist_credit integer NOT NULL,
    artists json,
    isrcs text[],
    appearances json
);

COMMENT ON TABLE musicbrainz.acoustid_recording_summary IS
'per recording: its artists, ISRCs, tracks, releases, release groups and their credits (built by the import)';

ALTER TABLE musicbrainz.acoustid_recording_summary OWNER TO acoustid_admin;
GRANT SELECT ON musicbrainz.acoustid_recording_summary TO acoustid_reader;
