-- The database setup of AcoustID's server as its CI runs it (psql, one script, plain CREATE
-- EXTENSION with no CASCADE, stop at the first error): its three service databases, a
-- MusicBrainz database, and the single database its test suite uses.
CREATE DATABASE acoustid_app;
CREATE DATABASE acoustid_fingerprint;
CREATE DATABASE acoustid_ingest;
CREATE DATABASE musicbrainz;
CREATE DATABASE acoustid_test;

\connect acoustid_fingerprint
CREATE EXTENSION intarray;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION acoustid;

\connect musicbrainz
CREATE EXTENSION pgcrypto;
CREATE EXTENSION cube;

\connect acoustid_test
CREATE EXTENSION intarray;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION acoustid;
CREATE EXTENSION cube;
