-- submission: every fingerprint submitted, queued for the import worker, partitioned by
-- month of created (UTC) so old handled months are dropped instead of deleted row by row.

-- The primary key must include the partition key; ids still come from one sequence.
-- Times are timestamptz where the seed says TIMESTAMP: they are instants.
CREATE TABLE submission (
    id serial,
    fingerprint integer[] NOT NULL,
    length smallint NOT NULL CHECK (length > 0),
    bitrate smallint CHECK (bitrate > 0),
    format_id integer,
    created timestamptz NOT NULL DEFAULT now(),
    source_id integer,
    mbid uuid,
    handled boolean NOT NULL DEFAULT FALSE,
    meta_id integer,
    handled_at timestamptz,
    account_id integer,
    application_id integer,
    application_version varchar(255),
    puid uuid,
    foreignid text,
    meta jsonb,
    PRIMARY KEY (id, created)
) PARTITION BY RANGE (created);

COMMENT ON TABLE submission IS 'submitted fingerprints; the worker imports each one exactly once';
COMMENT ON COLUMN submission.format_id IS
'acoustid_fingerprint.format.id (another database: no foreign key, the driver validates it)';
COMMENT ON COLUMN submission.source_id IS
'acoustid_fingerprint.source.id (another database: no foreign key), set by the import';
COMMENT ON COLUMN submission.meta_id IS
'acoustid_fingerprint.meta.id (another database: no foreign key), set once meta is stored';
COMMENT ON COLUMN submission.account_id IS
'acoustid_app.account.id (another database: no foreign key, the driver validates it)';
COMMENT ON COLUMN submission.application_id IS
'acoustid_app.application.id (another database: no foreign key, the driver validates it)';
COMMENT ON COLUMN submission.foreignid IS 'submitted foreign id as vendor:id';
COMMENT ON COLUMN submission.meta IS 'submitted metadata (track, artist, album, ...)';

-- Rows of a month without its own partition land here, so an insert never fails.
CREATE TABLE submission_default PARTITION OF submission DEFAULT;

CREATE INDEX submission_handled_idx ON submission (handled) WHERE handled = FALSE;
CREATE INDEX submission_unhandled_idx ON submission (created) WHERE handled = FALSE;

ALTER TABLE submission OWNER TO acoustid_admin;
ALTER TABLE submission_default OWNER TO acoustid_admin;

GRANT SELECT, INSERT, UPDATE, DELETE ON submission TO acoustid_writer;
GRANT USAGE ON SEQUENCE submission_id_seq TO acoustid_writer;
