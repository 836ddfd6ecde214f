"""AcoustID's server sets its databases up unchanged, and every way to reach today's extension
(fresh, from pg_acoustid's 1.0, from this project's released 1.1) ends with the same functions."""

from __future__ import annotations

import itertools
from typing import Any

import psycopg
import pytest

from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster
from tests.support.acoustid_server import HERE, run_setup

_counter = itertools.count()

# Every attribute of a function a caller or the planner can see, and who owns it.
FUNCTIONS = r"""
SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
    p.provolatile, p.procost, p.prorows, p.proisstrict, p.proparallel, p.proleakproof,
    p.prosecdef, p.prosrc, p.probin, obj_description(p.oid, 'pg_proc'), e.extname
FROM pg_proc AS p
LEFT JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
LEFT JOIN pg_extension AS e ON d.refobjid = e.oid
WHERE p.proname LIKE 'acoustid\_%' AND p.pronamespace = 'public'::regnamespace
    AND p.prolang = (SELECT l.oid FROM pg_language AS l WHERE l.lanname = 'c')
ORDER BY 1, 2
"""

# pg_acoustid 1.0's declarations, as its SQL script makes them.
PG_ACOUSTID_1_0 = [
    ("acoustid_compare2", "integer[], integer[], integer DEFAULT 0", "v", 1000.0, "u"),
    ("acoustid_compare3", "integer[], integer[], integer DEFAULT '-1'::integer", "v", 1000.0, "u"),
    ("acoustid_extract_query", "integer[]", "i", 1.0, "u"),
]


def database(cluster: Cluster, *extensions: str, prefix: str = "db") -> str:
    """A new database with ``extensions`` created in order (``name VERSION 'x'`` allowed)."""
    name = f"{prefix}_{next(_counter)}"
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        for extension in extensions:
            conn.execute(f"CREATE EXTENSION {extension}")
    return name


def query(cluster: Cluster, dbname: str, statement: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        return conn.execute(statement).fetchall()


def execute(cluster: Cluster, dbname: str, *statements: str) -> None:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())


def versions(cluster: Cluster, dbname: str) -> dict[str, str]:
    return dict(query(cluster, dbname, "SELECT extname, extversion FROM pg_extension"))


def test_the_setup_script_creates_every_extension_without_cascade(server_cluster: Cluster) -> None:
    """The fixture ran it once with ON_ERROR_STOP; run again, it stops at its first statement."""
    assert versions(server_cluster, "acoustid_fingerprint") == {
        "plpgsql": "1.0",
        "intarray": "1.5",
        "pgcrypto": "1.3",
        "acoustid": "1.3",
    }
    assert set(versions(server_cluster, "acoustid_test")) == {
        "plpgsql",
        "intarray",
        "pgcrypto",
        "acoustid",
        "cube",
    }
    assert set(versions(server_cluster, "musicbrainz")) == {"plpgsql", "pgcrypto", "cube"}
    again = run_setup(server_cluster)
    assert again.returncode != 0 and 'database "acoustid_app" already exists' in again.stderr


@pytest.mark.parametrize("dbname", ["acoustid_fingerprint", "acoustid_test"])
def test_every_function_pg_acoustid_declares_is_there(server_cluster: Cluster, dbname: str) -> None:
    signatures = [
        "acoustid_compare(int4[], int4[])",
        "acoustid_compare2(int4[], int4[], int4)",
        "acoustid_compare3(int4[], int4[], int4)",
        "acoustid_extract_query(int4[])",
    ]
    found = query(
        server_cluster, dbname, f"SELECT {', '.join(f'to_regprocedure({s!r})' for s in signatures)}"
    )
    assert all(found[0]), dict(zip(signatures, found[0]))
    # pg_acoustid's defaults: maxoffset 0 (any offset) for compare2, -1 (any) for compare3
    scores = query(
        server_cluster,
        dbname,
        """SELECT acoustid_compare2(fp, fp), acoustid_compare2(fp, fp, -1),
            acoustid_compare3(fp, fp), acoustid_compare3(fp, fp, 0), acoustid_extract_query('{16,32}')
        FROM (SELECT '{1,2,3,4}'::int4[] AS fp) AS f""",
    )
    assert scores == [(1.0, 0.0, 1.0, 0.0, [16, 32])]


def test_version_1_0_is_pg_acoustid(server_cluster: Cluster) -> None:
    name = database(server_cluster, "acoustid VERSION '1.0'")
    rows = query(server_cluster, name, FUNCTIONS)
    assert [(r[0], r[1], r[3], r[4], r[7]) for r in rows] == PG_ACOUSTID_1_0
    assert all(r[5] == 0 and r[6] is True and r[12] is None and r[13] == "acoustid" for r in rows)


@pytest.mark.parametrize(
    "before",
    [(), ("intarray", "pgcrypto")],
    ids=["no other extension", "the server's fingerprint database"],
)
def test_pg_acoustid_1_0_updates_to_a_fresh_install(server_cluster: Cluster, before: tuple[str, ...]) -> None:
    fresh = database(server_cluster, *before, "acoustid")
    updated = database(server_cluster, *before, "acoustid VERSION '1.0'")
    execute(server_cluster, updated, "ALTER EXTENSION acoustid UPDATE")
    assert versions(server_cluster, updated) == versions(server_cluster, fresh)
    functions = query(server_cluster, fresh, FUNCTIONS)
    assert len(functions) == 10 and query(server_cluster, updated, FUNCTIONS) == functions
    compare = {row[0]: (row[3], row[7]) for row in functions if row[0].startswith("acoustid_compare")}
    assert compare == {
        name: ("v", "s") for name in ("acoustid_compare", "acoustid_compare2", "acoustid_compare3")
    }


# The last fingerprint migration before acoustid 1.2 (0019 brings the extensions to it).
BEFORE_1_2 = 18


def released_1_1(cluster: Cluster) -> str:
    """A database as this project's released 1.1 left it, with the fingerprint schema migrated
    as far as it went then (its fingerprint_data trigger calls acoustid_simhash_cube)."""
    name = database(cluster, "intarray", "cube", "acoustid VERSION '1.1'")
    execute(cluster, name, (HERE / "released_1_1.sql").read_text())
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        migrate.upgrade(conn, "fingerprint", BEFORE_1_2)
    return name


def assert_like_a_fresh_install(cluster: Cluster, dbname: str) -> None:
    fresh = database(cluster, "intarray", "cube", "acoustid", "acoustid_cube")
    assert versions(cluster, dbname) == versions(cluster, fresh)
    functions = query(cluster, fresh, FUNCTIONS)
    assert len(functions) == 11 and query(cluster, dbname, FUNCTIONS) == functions


def simhash_owner(cluster: Cluster, dbname: str) -> list[tuple[Any, ...]]:
    return query(
        cluster,
        dbname,
        """SELECT e.extname FROM pg_depend AS d INNER JOIN pg_extension AS e ON d.refobjid = e.oid
        WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
            AND d.objid = 'acoustid_simhash_cube(int4[])'::regprocedure""",
    )


def fingerprints_stored(cluster: Cluster, dbname: str) -> int:
    """Stores a fingerprint (its trigger computes the simhash cube); how many have a cube."""
    execute(
        cluster,
        dbname,
        "INSERT INTO track DEFAULT VALUES",
        "INSERT INTO fingerprint (track_id, fingerprint, length) SELECT max(id), '{1,2,3}', 10 FROM track",
    )
    found = query(cluster, dbname, "SELECT count(*) FROM fingerprint_data WHERE cube_dim(simhash) = 32")
    return int(found[0][0])


@pytest.mark.parametrize(
    "update_first", [True, False], ids=["update, then companion", "companion, then update"]
)
def test_released_1_1_updates_and_the_companion_adopts_the_cube_function(
    server_cluster: Cluster, update_first: bool
) -> None:
    name = released_1_1(server_cluster)
    assert simhash_owner(server_cluster, name) == [("acoustid",)]
    assert fingerprints_stored(server_cluster, name) == 1
    steps = ["ALTER EXTENSION acoustid UPDATE", "CREATE EXTENSION acoustid_cube"]
    for step in steps if update_first else reversed(steps):
        execute(server_cluster, name, step)
        assert fingerprints_stored(server_cluster, name) > 0  # the trigger works at every step
    assert simhash_owner(server_cluster, name) == [("acoustid_cube",)]
    assert fingerprints_stored(server_cluster, name) == 4
    assert_like_a_fresh_install(server_cluster, name)


def test_migrating_a_released_1_1_database_brings_its_extensions_along(server_cluster: Cluster) -> None:
    name = released_1_1(server_cluster)
    with psycopg.connect(server_cluster.conninfo(name), autocommit=True) as conn:
        assert migrate.upgrade(conn, "fingerprint") > BEFORE_1_2
    assert simhash_owner(server_cluster, name) == [("acoustid_cube",)]
    assert fingerprints_stored(server_cluster, name) == 1
    assert_like_a_fresh_install(server_cluster, name)
