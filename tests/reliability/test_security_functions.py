"""Functions safe to call from untrusted SQL: SECURITY DEFINER only with a pinned search_path,
the extension's functions plain C, and a hostile search_path (a schema of look-alike functions
and operators ahead of public and pg_catalog) changes no lookup or import and escalates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from acoustid_pg import fingerprint as core
from acoustid_pg.settings import DEFAULT_NAMES
from tests.support.driver import count_mismatches, new_submitter
from tests.support.management import Deployment, scalar
from tests.support.own_cluster import own_deployment
from tests.support.reliability import duration, queue, recording

HOSTILE_PATH = "evil, pg_catalog, public"
# Functions that name no other object (constants), or only pg_catalog ones and sit in an index.
UNPINNED = {
    "acoustid_track_max_offset()", "acoustid_lookup_min_score()", "acoustid_track_merge_threshold()",
    "acoustid_track_group_min()", "acoustid_fingerprint_merge_threshold()",
    "acoustid_fingerprint_max_length_diff()", "acoustid_fingerprint_min_unique_items()",
    "acoustid_max_duration()", "acoustid_import_lock_bucket_width()",
    "acoustid_meta_key(text,text,text,text,integer,integer,integer)",
}  # fmt: skip

OUR_FUNCTIONS = """SELECT p.oid::regprocedure::text, l.lanname, p.prosecdef, coalesce(p.proconfig, '{}')
    FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang
    WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
        AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass
            AND d.objid = p.oid AND d.deptype = 'e')
    ORDER BY 1"""

# Mallory's look-alikes. Each logs who ran it and, if that is someone stronger, tries to escalate.
DECOYS = """
CREATE TABLE evil.calls (who text, fn text);
GRANT USAGE ON SCHEMA evil TO PUBLIC;
GRANT INSERT, SELECT ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.payload(fn text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO evil.calls VALUES (current_user, fn);
    BEGIN EXECUTE 'CREATE TABLE public.pwned ()'; EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN EXECUTE 'GRANT acoustid_admin TO mallory'; EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN EXECUTE 'DELETE FROM public.fingerprint_changelog'; EXCEPTION WHEN OTHERS THEN NULL; END;
END $$;
CREATE FUNCTION evil.acoustid_extract_query(fp integer[]) RETURNS integer[] LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('acoustid_extract_query'); RETURN ARRAY[1, 2, 3]; END $$;
CREATE FUNCTION evil.acoustid_compare2(a integer[], b integer[], m integer) RETURNS real LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('acoustid_compare2'); RETURN 1; END $$;
CREATE FUNCTION evil.overlap(a integer[], b integer[]) RETURNS boolean LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('&&'); RETURN TRUE; END $$;
CREATE OPERATOR evil.&& (LEFTARG = integer[], RIGHTARG = integer[], FUNCTION = evil.overlap);
CREATE FUNCTION evil.cardinality(a anyarray) RETURNS integer LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('cardinality'); RETURN 0; END $$;
CREATE FUNCTION evil.abs(a integer) RETURNS integer LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('abs'); RETURN 0; END $$;
CREATE FUNCTION evil.hashtext(a text) RETURNS integer LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('hashtext'); RETURN 0; END $$;
CREATE FUNCTION evil.pg_advisory_xact_lock(a integer, b integer) RETURNS void LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('pg_advisory_xact_lock'); END $$;
CREATE FUNCTION evil.acoustid_fingerprint_max_length_diff() RETURNS integer LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('max_length_diff'); RETURN 30000; END $$;
CREATE FUNCTION evil.acoustid_track_max_offset() RETURNS integer LANGUAGE plpgsql
AS $$ BEGIN PERFORM evil.payload('track_max_offset'); RETURN -1; END $$;
CREATE TABLE evil.submission (id integer, created timestamptz);
"""


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with own_deployment() as deployed:
        queue(deployed, new_submitter(deployed), 1, 12)
        while deployed.client.process_submissions(50):
            pass
        for database in ("fingerprint", "ingest"):
            conn = deployed.db(database)
            conn.execute("DO $$ BEGIN CREATE ROLE mallory LOGIN IN ROLE acoustid_writer;"
                         " EXCEPTION WHEN duplicate_object THEN NULL; END $$")  # fmt: skip
            conn.execute("CREATE SCHEMA evil AUTHORIZATION mallory")
            with mallory(deployed, database) as evil:
                evil.execute(DECOYS)
        yield deployed


def mallory(deployment: Deployment, database: str) -> psycopg.Connection:
    conn = psycopg.connect(
        deployment.cluster.conninfo(DEFAULT_NAMES[database], user="mallory"), autocommit=True
    )
    conn.execute(f"SET search_path = {HOSTILE_PATH}")
    return conn


def rows(conn: psycopg.Connection, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    return conn.execute(query, params).fetchall()


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_security_definer_functions_pin_a_search_path_nobody_else_can_write(
    deployment: Deployment, database: str
) -> None:
    conn = deployment.db(database)
    definers = [(name, config) for name, _, definer, config in rows(conn, OUR_FUNCTIONS) if definer]
    # fingerprint: the changelog triggers (row-level for updates, statement-level for inserts and deletes)
    assert len(definers) == {"app": 0, "fingerprint": 2, "ingest": 3}[database]
    for name, config in definers:
        paths = [c.split("=", 1)[1] for c in config if c.startswith("search_path=")]
        assert paths, f"{name} is SECURITY DEFINER without a pinned search_path"
        schemas = [s.strip() for s in paths[0].split(",")]
        assert schemas[-1] == "pg_temp", name  # else temporary tables would be searched first
        for schema in schemas[:-1]:
            for role in ("acoustid_reader", "acoustid_writer", "mallory"):
                assert not scalar(conn, "SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_every_function_that_names_objects_pins_its_search_path(
    deployment: Deployment, database: str
) -> None:
    conn = deployment.db(database)
    ours = [row for row in rows(conn, OUR_FUNCTIONS) if not row[0].startswith("evil.")]
    unpinned = [
        name
        for name, language, _, config in ours
        if language in ("sql", "plpgsql") and name not in UNPINNED
        and not any(c.startswith("search_path=") for c in config)
    ]  # fmt: skip
    assert unpinned == []


def test_the_extension_functions_are_plain_c_and_not_security_definer(deployment: Deployment) -> None:
    found = rows(
        deployment.fp,
        """SELECT p.proname, l.lanname, p.prosecdef, p.provolatile, p.proisstrict, p.proparallel
        FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang
        JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension AS e ON e.oid = d.refobjid WHERE e.extname IN ('acoustid', 'acoustid_cube')""",
    )
    assert len(found) >= 9
    assert {(row[1], row[2], row[4], row[5]) for row in found} == {("c", False, True, "s")}
    # VOLATILE so that a score computed in a subquery is computed once per row (README)
    volatile = {row[0] for row in found if row[3] == "v"}
    assert volatile == {"acoustid_compare", "acoustid_compare2", "acoustid_compare3"}
    assert {row[3] for row in found if row[0] not in volatile} == {"i"}


def test_a_hostile_search_path_changes_no_lookup_and_no_import(deployment: Deployment) -> None:
    queries = [(recording(n), duration(n)) for n in (1, 4, 7, 11, 500)]
    baseline = [rows(deployment.fp, "SELECT * FROM acoustid_lookup(%s, %s)", q) for q in queries]
    assert sum(1 for found in baseline if found) == 4
    with mallory(deployment, "fingerprint") as evil:
        assert scalar(evil, "SHOW search_path") == HOSTILE_PATH
        for (items, seconds), expected in zip(queries, baseline):
            assert rows(evil, "SELECT * FROM public.acoustid_lookup(%s, %s)", [items, seconds]) == expected
            compressed = core.encode_fingerprint(items)
            assert (
                rows(evil, "SELECT * FROM public.acoustid_lookup(%s::text, %s)", [compressed, seconds])
                == expected
            )
        # An import, its triggers (counts, the SECURITY DEFINER changelog) and a merge, as Mallory.
        imported = rows(
            evil,
            "SELECT action, track_id, fingerprint_id FROM public.acoustid_import_submission("
            '100000, %s, %s, recording => %s::uuid, meta_fields => \'{"track": "x"}\')',
            [recording(900), duration(900), "00000000-0000-0000-0000-000000000900"],
        )
        assert [row[0] for row in imported] == ["new_track"]
        first, second = (r[0] for r in rows(evil, "SELECT id FROM public.track ORDER BY id LIMIT 2"))
        evil.execute("UPDATE public.track SET new_id = %s WHERE id = %s", [first, second])
        assert scalar(evil, "SELECT count(*) FROM evil.calls") == 0  # no look-alike ever ran
    fp = deployment.fp
    assert count_mismatches(fp) == []
    assert scalar(fp, "SELECT count(*) FROM fingerprint WHERE track_id = %s", [second]) == 0
    logged = rows(fp, "SELECT query FROM fingerprint_changelog WHERE fingerprint_id = %s", [imported[0][2]])
    assert logged == [(core.extract_query(recording(900)),)]


def test_a_temporary_table_cannot_stand_in_for_the_changelog_or_the_queue(deployment: Deployment) -> None:
    with mallory(deployment, "fingerprint") as evil:
        evil.execute("CREATE TEMP TABLE fingerprint_changelog (LIKE public.fingerprint_changelog)")
        evil.execute("SET search_path = pg_temp, evil, public")
        added = scalar(evil, "INSERT INTO public.fingerprint (track_id, fingerprint, length)"
                             " VALUES (1, %s, 100) RETURNING id", [recording(901)])  # fmt: skip
        assert scalar(evil, "SELECT count(*) FROM pg_temp.fingerprint_changelog") == 0
    assert (
        scalar(deployment.fp, "SELECT count(*) FROM fingerprint_changelog WHERE fingerprint_id = %s", [added])
        == 1
    )
    with mallory(deployment, "ingest") as evil:
        evil.execute("CREATE TEMP TABLE submission (id integer, created timestamptz)")
        evil.execute("INSERT INTO pg_temp.submission VALUES (1, '2000-01-01')")
        evil.execute("SET search_path = pg_temp, evil, public")
        evil.execute("INSERT INTO public.pending_submission (submission_id) VALUES (1)")
        created = scalar(
            evil, "SELECT submission_created FROM public.pending_submission WHERE submission_id = 1"
        )
        assert created == scalar(evil, "SELECT created FROM public.submission WHERE id = 1")
        assert scalar(evil, "SELECT count(*) FROM evil.calls") == 0


def test_nothing_escalated(deployment: Deployment) -> None:
    """After every test above (module order): Mallory is still only a writer."""
    for database in ("fingerprint", "ingest"):
        conn = deployment.db(database)
        assert scalar(conn, "SELECT to_regclass('public.pwned')") is None
        assert scalar(conn, "SELECT pg_has_role('mallory', 'acoustid_admin', 'MEMBER')") is False
        assert scalar(conn, "SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'") is False
        with mallory(deployment, database) as evil, pytest.raises(psycopg.errors.InsufficientPrivilege):
            evil.execute("SELECT public.create_submission_partitions(1)" if database == "ingest"
                         else "SELECT public.acoustid_prune_changelog(1)")  # fmt: skip
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint_changelog") > 12


def test_the_decoys_are_armed(deployment: Deployment) -> None:
    """Control: without a pinned path, the same call runs Mallory's look-alikes, and as a superuser
    they escalate. Done by a superuser in a transaction that is rolled back."""
    fp = deployment.fp
    items, seconds = recording(4), duration(4)
    expected = rows(fp, "SELECT * FROM acoustid_lookup(%s, %s)", [items, seconds])
    with fp.transaction(force_rollback=True):
        fp.execute("ALTER FUNCTION acoustid_search(integer[], integer, integer, real) RESET search_path")
        fp.execute(
            "ALTER FUNCTION acoustid_lookup(integer[], integer, integer, real, integer) RESET search_path"
        )
        fp.execute(f"SET LOCAL search_path = {HOSTILE_PATH}")
        hijacked = rows(fp, "SELECT * FROM public.acoustid_lookup(%s, %s)", [items, seconds])
        assert hijacked != expected
        assert scalar(fp, "SELECT count(*) FROM evil.calls WHERE who = 'postgres'") > 0
        assert scalar(fp, "SELECT to_regclass('public.pwned') IS NOT NULL") is True
    assert scalar(fp, "SELECT to_regclass('public.pwned')") is None
