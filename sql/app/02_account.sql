-- Accounts (user API keys) and applications (client API keys) that may call the service,
-- with the OpenID and Google identities accounts log in with.

-- Times are timestamptz where the seed says TIMESTAMP: they are instants. API keys are kept
-- only as their SHA-256 (the driver hashes them; the key itself never reaches the server).
CREATE TABLE account (
    id serial PRIMARY KEY,
    name varchar(255) NOT NULL,
    apikey_hash bytea NOT NULL UNIQUE CHECK (octet_length(apikey_hash) = 32),
    mbuser varchar(64) UNIQUE,
    created timestamptz NOT NULL DEFAULT now(),
    lastlogin timestamptz,
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    application_id integer,
    application_version varchar(255),
    created_from inet,
    is_admin boolean NOT NULL DEFAULT FALSE
);

COMMENT ON TABLE account IS 'users; apikey_hash is the SHA-256 of the user key sent with submissions';
COMMENT ON COLUMN account.application_id IS 'the application the account registered with';

CREATE TABLE application (
    id serial PRIMARY KEY,
    name varchar(255) NOT NULL,
    version varchar(255),
    apikey_hash bytea NOT NULL UNIQUE CHECK (octet_length(apikey_hash) = 32),
    created timestamptz NOT NULL DEFAULT now(),
    active boolean NOT NULL DEFAULT TRUE,
    account_id integer REFERENCES account (id) ON DELETE SET NULL,
    email varchar(255),
    website varchar(1000),
    rate_limit integer CHECK (rate_limit > 0)
);

COMMENT ON TABLE application IS
'API clients; apikey_hash is the SHA-256 of the client key sent with every request';
COMMENT ON COLUMN application.rate_limit IS 'requests per second, if not the default';

CREATE INDEX application_account_id_idx ON application (account_id);

-- account and application refer to each other, so this key comes once both exist.
ALTER TABLE account ADD CONSTRAINT account_application_id_fkey
FOREIGN KEY (application_id) REFERENCES application (id) ON DELETE SET NULL;

CREATE TABLE account_openid (
    openid varchar(255) PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account (id) ON DELETE CASCADE
);

COMMENT ON TABLE account_openid IS 'OpenID identities of accounts';

CREATE INDEX account_openid_account_id_idx ON account_openid (account_id);

CREATE TABLE account_google (
    google_user_id varchar(255) PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account (id) ON DELETE CASCADE
);

COMMENT ON TABLE account_google IS 'Google identities of accounts';

CREATE INDEX account_google_account_id_idx ON account_google (account_id);

ALTER TABLE account OWNER TO acoustid_admin;
ALTER TABLE application OWNER TO acoustid_admin;
ALTER TABLE account_openid OWNER TO acoustid_admin;
ALTER TABLE account_google OWNER TO acoustid_admin;

-- Readers validate API keys; logins and sign-ups are writes.
GRANT SELECT ON account, application TO acoustid_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON account, application, account_openid, account_google
TO acoustid_writer;
GRANT USAGE ON SEQUENCE account_id_seq, application_id_seq TO acoustid_writer;
