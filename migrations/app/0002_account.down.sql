-- Drops the account and application tables (and the OpenID and Google identities),
-- undoing 0002_account.up.sql; one statement, because account and application refer to each other.

DROP TABLE account_google, account_openid, application, account;
