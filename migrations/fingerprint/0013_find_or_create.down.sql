-- Drops the find-or-create functions and the metadata key index,
-- undoing 0013_find_or_create.up.sql.

DROP FUNCTION acoustid_find_or_create_foreignid(text);
DROP FUNCTION acoustid_find_or_create_meta(jsonb);
DROP FUNCTION acoustid_find_meta(jsonb);
DROP INDEX meta_key_idx;
DROP FUNCTION acoustid_meta_key(text, text, text, text, integer, integer, integer);
DROP FUNCTION acoustid_find_or_create_source(integer, integer, text);
DROP FUNCTION acoustid_find_or_create_format(text);
