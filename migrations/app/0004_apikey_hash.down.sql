-- Puts the plain-text apikey columns back, undoing 0004_apikey_hash.up.sql. A hash cannot be
-- turned back into its key: every row gets a random key nobody knows (issue new keys after).

ALTER TABLE account DROP CONSTRAINT account_apikey_hash_check;
ALTER TABLE account ALTER COLUMN apikey_hash TYPE varchar(40)
USING replace(gen_random_uuid()::text, '-', '');
ALTER TABLE account RENAME COLUMN apikey_hash TO apikey;
ALTER TABLE account ALTER COLUMN apikey DROP NOT NULL;  -- renames PostgreSQL 18's NOT NULL
ALTER TABLE account ALTER COLUMN apikey SET NOT NULL;
ALTER TABLE account RENAME CONSTRAINT account_apikey_hash_key TO account_apikey_key;

ALTER TABLE application DROP CONSTRAINT application_apikey_hash_check;
ALTER TABLE application ALTER COLUMN apikey_hash TYPE varchar(40)
USING replace(gen_random_uuid()::text, '-', '');
ALTER TABLE application RENAME COLUMN apikey_hash TO apikey;
ALTER TABLE application ALTER COLUMN apikey DROP NOT NULL;  -- renames PostgreSQL 18's NOT NULL
ALTER TABLE application ALTER COLUMN apikey SET NOT NULL;
ALTER TABLE application RENAME CONSTRAINT application_apikey_hash_key TO application_apikey_key;

COMMENT ON TABLE account IS 'users; apikey is the user key sent with submissions';
COMMENT ON TABLE application IS 'API clients; apikey is the client key sent with every request';
