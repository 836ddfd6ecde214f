-- The three NOLOGIN group roles every acoustid database grants to (reader, writer, admin).
-- Roles are shared by the whole cluster, so creating them must tolerate "already exists".

DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['acoustid_reader', 'acoustid_writer', 'acoustid_admin'] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- made by another database's migration, maybe concurrently
        END;
    END LOOP;
    BEGIN
        GRANT acoustid_reader TO acoustid_writer;  -- writers read what readers read
    EXCEPTION WHEN unique_violation THEN
        NULL;
    END;
END
$$;

-- Only the owning role may add objects: writers and readers must not change the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CREATE ON SCHEMA public TO acoustid_admin;
