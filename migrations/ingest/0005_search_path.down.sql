-- Unpins search_path from the trigger function that 0005 pinned,
-- undoing 0005_search_path.up.sql.

ALTER FUNCTION fill_submission_created() RESET search_path;
