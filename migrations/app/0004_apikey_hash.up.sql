-- API keys are stored as their SHA-256 (apikey_hash), no longer in plain text: the driver hashes
-- a presented key and looks the digest up, so a key never reaches the server after this step.

-- Each column is converted in place (same position, same row): every key that worked keeps
-- working, because the driver's digest of it is exactly sha256 of its UTF-8 bytes. sha256()
-- is core PostgreSQL (11+), so this needs no pgcrypto. It rewrites both tables under an
-- ACCESS EXCLUSIVE lock: seconds for a million accounts. NOT NULL is dropped and set again after
-- the rename because PostgreSQL 18 names it after the column (account_apikey_hash_not_null, as a
-- fresh CREATE TABLE does); before 18 it changes nothing.
ALTER TABLE account ALTER COLUMN apikey TYPE bytea USING sha256(convert_to(apikey, 'UTF8'));
ALTER TABLE account RENAME COLUMN apikey TO apikey_hash;
ALTER TABLE account ALTER COLUMN apikey_hash DROP NOT NULL;
ALTER TABLE account ALTER COLUMN apikey_hash SET NOT NULL;
ALTER TABLE account RENAME CONSTRAINT account_apikey_key TO account_apikey_hash_key;
ALTER TABLE account ADD CONSTRAINT account_apikey_hash_check CHECK (octet_length(apikey_hash) = 32);

ALTER TABLE application ALTER COLUMN apikey TYPE bytea USING sha256(convert_to(apikey, 'UTF8'));
ALTER TABLE application RENAME COLUMN apikey TO apikey_hash;
ALTER TABLE application ALTER COLUMN apikey_hash DROP NOT NULL;
ALTER TABLE application ALTER COLUMN apikey_hash SET NOT NULL;
ALTER TABLE application RENAME CONSTRAINT application_apikey_key TO application_apikey_hash_key;
ALTER TABLE application ADD CONSTRAINT application_apikey_hash_check
CHECK (octet_length(apikey_hash) = 32);

COMMENT ON TABLE account IS 'users; apikey_hash is the SHA-256 of the user key sent with submissions';
COMMENT ON TABLE application IS
'API clients; apikey_hash is the SHA-256 of the client key sent with every request';
