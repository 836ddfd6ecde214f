-- Monthly submission partitions: created ahead by maintenance (rows that reached the default
-- partition move into their month), and dropped whole once every submission in them is handled.

-- Bounds are UTC months; the partition of the month starting 2025-04-01 is submission_2025_04.
CREATE FUNCTION create_submission_partition(month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    month_start CONSTANT timestamp := date_trunc('month', month::timestamp);
    lower_bound CONSTANT timestamptz := month_start AT TIME ZONE 'UTC';
    upper_bound CONSTANT timestamptz := (month_start + interval '1 month') AT TIME ZONE 'UTC';
    partition_name CONSTANT text := 'submission_' || to_char(month, 'YYYY_MM');
    pending pending_submission[];
    results submission_result[];
BEGIN
    -- Two maintenance runs at once take turns instead of racing to create the same table.
    PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.submission_partitions'));
    IF to_regclass(partition_name) IS NOT NULL THEN
        RETURN FALSE;
    END IF;
    -- Moving a submission out of the default partition deletes it there, and the delete would
    -- cascade to its queue and result rows: keep them aside and put them back afterwards.
    SELECT array_agg(p) INTO pending FROM pending_submission AS p
    WHERE p.submission_created >= lower_bound AND p.submission_created < upper_bound;
    SELECT array_agg(r) INTO results FROM submission_result AS r
    WHERE r.submission_created >= lower_bound AND r.submission_created < upper_bound;

    EXECUTE format('CREATE TABLE %I (LIKE submission INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
        partition_name);
    EXECUTE format(
        'WITH moved AS (DELETE FROM submission_default WHERE created >= $1 AND created < $2
        RETURNING *) INSERT INTO %I SELECT * FROM moved',
        partition_name
    ) USING lower_bound, upper_bound;
    -- ATTACH does not block inserts into the other partitions (CREATE ... PARTITION OF would).
    EXECUTE format('ALTER TABLE submission ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        partition_name, lower_bound, upper_bound);

    INSERT INTO pending_submission SELECT * FROM unnest(pending);
    INSERT INTO submission_result SELECT * FROM unnest(results);
    RETURN TRUE;
END
$$;

COMMENT ON FUNCTION create_submission_partition(date) IS
'creates the partition of the (UTC) month of the given day unless it exists; true if created';

CREATE FUNCTION create_submission_partitions(months_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    this_month CONSTANT date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    created integer := 0;
BEGIN
    IF months_ahead < 0 THEN
        RAISE EXCEPTION 'months_ahead must be 0 or more, not %', months_ahead
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR step IN 0..months_ahead LOOP
        IF create_submission_partition((this_month + make_interval(months => step))::date) THEN
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$;

COMMENT ON FUNCTION create_submission_partitions(integer) IS
'creates the partitions of this month and the next months_ahead months; returns how many it created';

CREATE FUNCTION drop_submission_partition(month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    month_start CONSTANT timestamp := date_trunc('month', month::timestamp);
    lower_bound CONSTANT timestamptz := month_start AT TIME ZONE 'UTC';
    upper_bound CONSTANT timestamptz := (month_start + interval '1 month') AT TIME ZONE 'UTC';
    partition_name CONSTANT text := 'submission_' || to_char(month, 'YYYY_MM');
    unhandled boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('acoustid_pg.submission_partitions'));
    IF NOT EXISTS (
        SELECT FROM pg_inherits
        WHERE inhrelid = to_regclass(partition_name) AND inhparent = 'submission'::regclass
    ) THEN
        RETURN FALSE;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT FROM %I WHERE NOT handled)', partition_name)
    INTO unhandled;
    IF unhandled THEN
        RAISE EXCEPTION 'partition % still has unhandled submissions', partition_name
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- Referencing rows block DETACH, so the month's results go first.
    DELETE FROM pending_submission
    WHERE submission_created >= lower_bound AND submission_created < upper_bound;
    DELETE FROM submission_result
    WHERE submission_created >= lower_bound AND submission_created < upper_bound;
    EXECUTE format('ALTER TABLE submission DETACH PARTITION %I', partition_name);
    EXECUTE format('DROP TABLE %I', partition_name);
    RETURN TRUE;
END
$$;

COMMENT ON FUNCTION drop_submission_partition(date) IS
'drops the partition of the (UTC) month of the given day with its results, if all are handled';

ALTER FUNCTION create_submission_partition(date) OWNER TO acoustid_admin;
ALTER FUNCTION create_submission_partitions(integer) OWNER TO acoustid_admin;
ALTER FUNCTION drop_submission_partition(date) OWNER TO acoustid_admin;

-- Maintenance is the owner's job: nobody else may create or drop partitions.
REVOKE ALL ON FUNCTION create_submission_partition(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION create_submission_partitions(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION drop_submission_partition(date) FROM PUBLIC;
