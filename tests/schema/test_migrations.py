"""Migrations against the schema of record: same schema, reversible steps, safe runners.

Schemas are compared as normalized ``pg_dump --schema-only`` output, so any
difference in a table, index, constraint, trigger, function, grant or owner shows.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster, pg_bindir
from acoustid_pg.errors import MigrationError

REPO = Path(__file__).resolve().parents[2]
DATABASES = ("app", "fingerprint", "ingest")


def schema_dump(cluster: Cluster, dbname: str) -> list[str]:
    """The schema as pg_dump prints it, without comments, settings and the version tables."""
    result = subprocess.run(
        [str(pg_bindir() / "pg_dump"), "--schema-only", "--exclude-table=schema_version_*", "-d", dbname],
        env=cluster.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    skipped = ("--", "\\", "SET ", "SELECT pg_catalog.set_config")
    return [
        line.rstrip() for line in result.stdout.splitlines() if line.strip() and not line.startswith(skipped)
    ]


def load_schema_of_record(cluster: Cluster, dbname: str) -> None:
    for database in DATABASES:
        for path in sorted((REPO / "sql" / database).glob("*.sql")):
            subprocess.run(
                [
                    str(pg_bindir() / "psql"),
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-1",
                    "-f",
                    str(path),
                    "-d",
                    dbname,
                ],
                env=cluster.env(),
                capture_output=True,
                check=True,
            )


def connect(cluster: Cluster, dbname: str) -> psycopg.Connection:
    return psycopg.connect(cluster.conninfo(dbname), autocommit=True)


def test_the_schema_of_record_is_folded() -> None:
    """sql/ states each object as it is now: no step that alters its own objects or backfills data."""
    changes = re.compile(
        r"^(ALTER (FUNCTION|INDEX|MATERIALIZED VIEW)\b(?![^;]*\bOWNER TO\b)"  # later definitions
        r"|ALTER TABLE [^;]*\bSET \("  # storage parameters belong in CREATE TABLE ... WITH
        r"|SET LOCAL\b"  # a setting for ALTER ... FROM CURRENT
        r"|INSERT INTO \w+ [^;]*\bSELECT\b)",  # backfills
        re.MULTILINE,
    )
    for path in sorted(REPO.glob("sql/*/*.sql")):
        assert changes.findall(path.read_text()) == [], path


def test_every_sql_file_opens_with_two_comment_lines() -> None:
    paths = sorted(REPO.glob("sql/*/*.sql")) + sorted(REPO.glob("migrations/*/*.sql"))
    assert len(paths) > 40
    for path in paths:
        first, second, third = [*path.read_text().splitlines(), "", "", ""][:3]
        assert first.startswith("-- ") and second.startswith("-- "), path
        assert not third.startswith("--"), path


def test_migrating_gives_the_schema_of_record(
    cluster: Cluster, schema_template: str, make_database: Callable[..., str]
) -> None:
    recorded = make_database(prefix="record")
    load_schema_of_record(cluster, recorded)
    migrated = schema_dump(cluster, schema_template)
    assert any(line.startswith("CREATE TABLE public.fingerprint (") for line in migrated)
    assert len(migrated) > 1000
    assert schema_dump(cluster, recorded) == migrated
    seed = "SELECT array_agg(name ORDER BY id) FROM {}"
    with connect(cluster, recorded) as a, connect(cluster, schema_template) as b:
        for table in ("format", "foreignid_vendor"):
            query = seed.format(table)
            assert a.execute(query).fetchone() == b.execute(query).fetchone()


def test_each_down_step_undoes_its_up_step(
    cluster: Cluster, schema_template: str, make_database: Callable[..., str]
) -> None:
    dbname = make_database(prefix="steps")
    with connect(cluster, dbname) as conn:
        before = schema_dump(cluster, dbname)
        for database in DATABASES:
            for step in migrate.load_migrations(database):
                migrate.upgrade(conn, database, step.version)
                after = schema_dump(cluster, dbname)
                # acoustid_cube only updates extensions made before acoustid 1.2: none here
                assert after != before or step.name in ("roles", "acoustid_cube"), step.label
                migrate.downgrade(conn, database, step.version - 1)
                # the roles step keeps the shared roles and schema grant when going down
                undone = after if step.name == "roles" else before
                assert schema_dump(cluster, dbname) == undone, f"{database} {step.label}.down.sql"
                migrate.upgrade(conn, database, step.version)
                before = after
    assert before == schema_dump(cluster, schema_template)


def test_up_down_up_is_identical(
    cluster: Cluster, schema_template: str, make_database: Callable[..., str]
) -> None:
    dbname = make_database(prefix="updown", template=schema_template)
    with connect(cluster, dbname) as conn:
        for database in reversed(DATABASES):
            assert migrate.downgrade(conn, database, 0) == 0
        leftovers = conn.execute(
            """SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                AND c.relname NOT LIKE 'schema\\_version\\_%'
                AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
            UNION ALL
            SELECT p.proname FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace
                AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"""
        ).fetchall()
        assert leftovers == []
        for database in DATABASES:
            assert migrate.current_version(conn, database) == 0
            migrate.upgrade(conn, database)
    assert schema_dump(cluster, dbname) == schema_dump(cluster, schema_template)


def test_concurrent_runners_take_turns(
    cluster: Cluster, schema_template: str, make_database: Callable[..., str]
) -> None:
    dbname = make_database(prefix="race")
    reports: list[list[str]] = [[], []]
    failures: list[BaseException] = []

    def runner(index: int) -> None:
        try:
            with connect(cluster, dbname) as conn:
                for database in DATABASES:
                    migrate.upgrade(conn, database, report=reports[index].append)
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    # Hold the first lock so that both runners are surely waiting when they are let go together.
    with connect(cluster, dbname) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [migrate.advisory_lock_key("app")])
        threads = [threading.Thread(target=runner, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = holder.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()
            if waiting == (2,):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the runners never waited for the lock")
        holder.execute("SELECT pg_advisory_unlock_all()")
        for thread in threads:
            thread.join(60)
    assert failures == []
    assert all("app: waiting for another migration runner" in report for report in reports)
    applied = [line for report in reports for line in report if ": applied " in line]
    expected = [f"{d}: applied {m.label}" for d in DATABASES for m in migrate.load_migrations(d)]
    assert sorted(applied) == sorted(expected)  # every step exactly once, by one runner or the other
    with connect(cluster, dbname) as conn:
        for database in DATABASES:
            count = conn.execute(f"SELECT count(*), count(DISTINCT version) FROM schema_version_{database}")
            assert count.fetchone() == (len(migrate.load_migrations(database)),) * 2
    assert schema_dump(cluster, dbname) == schema_dump(cluster, schema_template)


# --- the runner's rules, on small migrations of their own ---


def write_steps(root: Path, steps: dict[str, tuple[str, str]]) -> Path:
    directory = root / "app"
    directory.mkdir(parents=True, exist_ok=True)
    for label, (up, down) in steps.items():
        (directory / f"{label}.up.sql").write_text(up)
        (directory / f"{label}.down.sql").write_text(down)
    return root


SMALL = {
    "0001_first": ("CREATE TABLE first_table (id integer);\n", "DROP TABLE first_table;\n"),
    "0002_second": ("CREATE TABLE second_table (id integer);\n", "DROP TABLE second_table;\n"),
}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_steps(tmp_path / "migrations", SMALL)


def test_edited_applied_migration_is_refused(conn: psycopg.Connection, small: Path) -> None:
    migrate.upgrade(conn, "app", root=small)
    (small / "app" / "0001_first.up.sql").write_text("CREATE TABLE first_table (id bigint);\n")
    for run in (
        lambda: migrate.upgrade(conn, "app", root=small),
        lambda: migrate.downgrade(conn, "app", 0, root=small),
    ):
        with pytest.raises(MigrationError, match=r"0001_first\.up\.sql was edited after it was applied"):
            run()
    states = [(s.label, s.state) for s in migrate.status(conn, "app", root=small)]
    assert states == [("0001_first", "edited"), ("0002_second", "applied")]
    assert migrate.current_version(conn, "app") == 2


def test_line_endings_do_not_count_as_an_edit(conn: psycopg.Connection, small: Path) -> None:
    migrate.upgrade(conn, "app", root=small)
    path = small / "app" / "0001_first.up.sql"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert migrate.upgrade(conn, "app", root=small) == 2


BROKEN = "CREATE TABLE half_done (id integer);\nSELECT missing FROM half_done;\n"


def test_a_failed_step_leaves_nothing_behind(conn: psycopg.Connection, tmp_path: Path) -> None:
    root = write_steps(
        tmp_path,
        {**SMALL, "0003_broken": (BROKEN, "SELECT 1;\n")},
    )
    with pytest.raises(MigrationError) as caught:
        migrate.upgrade(conn, "app", root=root)
    message = str(caught.value)
    assert "0003_broken.up.sql failed and was rolled back" in message
    assert 'column "missing" does not exist (SQLSTATE 42703) at line 2' in message
    assert "\n" not in message
    assert migrate.current_version(conn, "app") == 2
    assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)


def test_targets(conn: psycopg.Connection, small: Path) -> None:
    assert migrate.upgrade(conn, "app", 1, root=small) == 1
    assert [s.state for s in migrate.status(conn, "app", root=small)] == ["applied", "pending"]
    with pytest.raises(MigrationError, match="has no migration 0007"):
        migrate.upgrade(conn, "app", 7, root=small)
    with pytest.raises(MigrationError, match="below 0002"):
        migrate.downgrade(conn, "app", 2, root=small)
    assert migrate.upgrade(conn, "app", root=small) == 2
    with pytest.raises(MigrationError, match="past 0001"):
        migrate.upgrade(conn, "app", 1, root=small)
    assert migrate.downgrade(conn, "app", 0, root=small) == 0
    assert conn.execute("SELECT to_regclass('first_table')").fetchone() == (None,)


def test_unknown_applied_version_is_refused(conn: psycopg.Connection, small: Path) -> None:
    migrate.upgrade(conn, "app", root=small)
    for suffix in ("up", "down"):
        (small / "app" / f"0002_second.{suffix}.sql").unlink()
    with pytest.raises(MigrationError, match="0002_second applied, but no such migration"):
        migrate.upgrade(conn, "app", root=small)
    assert [s.state for s in migrate.status(conn, "app", root=small)] == ["applied", "missing"]


def test_a_new_step_numbered_below_the_applied_ones_is_refused(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    root = write_steps(tmp_path, {"0001_first": SMALL["0001_first"], "0003_third": SMALL["0002_second"]})
    migrate.upgrade(conn, "app", root=root)
    write_steps(tmp_path, {"0002_late": ("SELECT 1;\n", "SELECT 1;\n")})
    with pytest.raises(MigrationError, match="0002_late is older than the applied version 0003"):
        migrate.upgrade(conn, "app", root=root)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["0001_a.up.sql"], "0001_a has no .down.sql file"),
        (
            ["0001_a.up.sql", "0001_a.down.sql", "0001_b.up.sql", "0001_b.down.sql"],
            "two migrations have version 0001",
        ),
        (["1_a.up.sql", "1_a.down.sql"], "expected a name like 0001_name.up.sql"),
        (["0000_a.up.sql", "0000_a.down.sql"], "versions start at 0001"),
    ],
)
def test_badly_named_files_are_refused(tmp_path: Path, files: list[str], message: str) -> None:
    (tmp_path / "app").mkdir()
    for name in files:
        (tmp_path / "app" / name).write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match=message):
        migrate.load_migrations("app", tmp_path)


def test_needs_an_autocommit_connection(cluster: Cluster, dbname: str, small: Path) -> None:
    with psycopg.connect(cluster.conninfo(dbname)) as conn, pytest.raises(MigrationError, match="autocommit"):
        migrate.upgrade(conn, "app", root=small)


# --- where the migrations are found ---


def test_a_checkout_uses_its_own_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(migrate.ENV_VAR, raising=False)
    assert migrate.migrations_root() == REPO / "migrations"


def test_an_installed_package_uses_its_data_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A regular (non-editable) install has no checkout around it, only <prefix>/share."""
    monkeypatch.delenv(migrate.ENV_VAR, raising=False)
    site_packages = tmp_path / "lib" / "site-packages" / "acoustid_pg"
    shared = tmp_path / "share" / "acoustid-pg" / "migrations"
    shared.mkdir(parents=True)
    monkeypatch.setattr(migrate, "__file__", str(site_packages / "migrate.py"))
    monkeypatch.setattr(migrate.sys, "prefix", str(tmp_path))
    assert migrate.migrations_root() == shared


def test_the_environment_variable_wins(monkeypatch: pytest.MonkeyPatch, small: Path) -> None:
    monkeypatch.setenv(migrate.ENV_VAR, str(small))
    assert [m.label for m in migrate.load_migrations("app")] == ["0001_first", "0002_second"]
