-- The columns of AcoustID's server's track and fingerprint tables that its lookup and import
-- queries read (its own schema has more), for running those query shapes as they are.
CREATE TABLE track (
    id serial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT current_timestamp,
    new_id integer REFERENCES track (id),
    gid uuid NOT NULL UNIQUE
);

CREATE TABLE fingerprint (
    id serial PRIMARY KEY,
    fingerprint integer[] NOT NULL,
    length smallint NOT NULL CHECK (length > 0),
    created timestamptz NOT NULL DEFAULT current_timestamp,
    track_id integer NOT NULL REFERENCES track (id),
    submission_count integer NOT NULL
);

CREATE INDEX fingerprint_idx_length ON fingerprint (length);
CREATE INDEX fingerprint_idx_track_id ON fingerprint (track_id);
