-- Drops the mirror and its staging schema.
-- The roles stay, because the other acoustid databases use them.

DROP SCHEMA musicbrainz_import CASCADE;
DROP SCHEMA musicbrainz CASCADE;
