-- Usage statistics: daily counters, lookups per application and hour, user agents per day
-- and the top submitting accounts, written by the service and read by reports.

CREATE TABLE stats (
    id serial PRIMARY KEY,
    name varchar(255) NOT NULL,
    value bigint NOT NULL,
    date date NOT NULL,
    UNIQUE (name, date)
);

COMMENT ON TABLE stats IS 'daily counters such as lookup.count and track.count';
COMMENT ON COLUMN stats.value IS 'bigint, not the seed''s integer: lifetime counts pass 2^31';

CREATE TABLE stats_lookups (
    id serial PRIMARY KEY,
    hour timestamptz NOT NULL,
    application_id integer NOT NULL REFERENCES application (id) ON DELETE CASCADE,
    count_hits integer NOT NULL DEFAULT 0 CHECK (count_hits >= 0),
    count_misses integer NOT NULL DEFAULT 0 CHECK (count_misses >= 0),
    UNIQUE (hour, application_id)
);

COMMENT ON TABLE stats_lookups IS 'lookups with and without a match, per application and hour';

CREATE TABLE stats_user_agents (
    id serial PRIMARY KEY,
    date date NOT NULL,
    application_id integer NOT NULL REFERENCES application (id) ON DELETE CASCADE,
    user_agent varchar(1000) NOT NULL,
    ip inet NOT NULL,
    count integer NOT NULL DEFAULT 0 CHECK (count >= 0),
    UNIQUE (date, application_id, user_agent, ip)
);

COMMENT ON TABLE stats_user_agents IS 'requests per day, application, user agent and address';

CREATE TABLE stats_top_accounts (
    id serial PRIMARY KEY,
    account_id integer NOT NULL UNIQUE REFERENCES account (id) ON DELETE CASCADE,
    count integer NOT NULL CHECK (count >= 0)
);

COMMENT ON TABLE stats_top_accounts IS 'the accounts with the most submissions';

ALTER TABLE stats OWNER TO acoustid_admin;
ALTER TABLE stats_lookups OWNER TO acoustid_admin;
ALTER TABLE stats_user_agents OWNER TO acoustid_admin;
ALTER TABLE stats_top_accounts OWNER TO acoustid_admin;

GRANT SELECT ON stats, stats_lookups, stats_user_agents, stats_top_accounts TO acoustid_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON stats, stats_lookups, stats_user_agents, stats_top_accounts
TO acoustid_writer;
GRANT USAGE ON SEQUENCE stats_id_seq, stats_lookups_id_seq, stats_user_agents_id_seq,
stats_top_accounts_id_seq TO acoustid_writer;
