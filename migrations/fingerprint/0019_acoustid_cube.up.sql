-- Brings the extensions of a fingerprint database made with acoustid 1.1 to acoustid 1.2: the
-- companion acoustid_cube takes over acoustid_simhash_cube (which fill_fingerprint_data calls).

-- acoustid 1.2 moved that function out of acoustid, which no longer requires cube, and made
-- the compare functions VOLATILE. Both steps work in either order and never drop the function;
-- they need a superuser, so they run only when something is left to do (init creates both
-- extensions up to date, and then a member of acoustid_admin can migrate).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'acoustid_cube') THEN
        CREATE EXTENSION acoustid_cube;
    END IF;
    IF (
        SELECT provolatile FROM pg_proc
        WHERE oid = to_regprocedure('acoustid_compare2(int4[], int4[], int4)')
    ) <> 'v' THEN
        ALTER EXTENSION acoustid UPDATE;
    END IF;
END
$$;
