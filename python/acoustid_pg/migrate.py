"""Versioned schema migrations for the three acoustid databases.

Each logical database (app, fingerprint, ingest) has its steps in
``migrations/<database>/NNNN_name.up.sql`` and ``NNNN_name.down.sql``. A database
records the steps it has applied, with the SHA-256 of each up file, in a table of
its own, ``schema_version_<database>``; the suffix lets all three share one
database in a small install. Runners on the same logical database are serialized
by a session advisory lock, and every step runs in one transaction together with
its version row, so a failed step leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import site
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import psycopg
from psycopg import sql

from .errors import MigrationError
from .settings import DATABASES, check_database

__all__ = [
    "DATABASES",
    "ENV_VAR",
    "Migration",
    "StepStatus",
    "advisory_lock_key",
    "current_version",
    "downgrade",
    "load_migrations",
    "migrations_root",
    "status",
    "upgrade",
    "version_table",
]

ENV_VAR: Final = "ACOUSTID_PG_MIGRATIONS"
_FILE_NAME = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.(?P<direction>up|down)\.sql")

Report = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default report: say nothing."""


# --- finding and reading the files ---


def _candidate_roots() -> list[Path]:
    """Where the migrations may be: a source checkout (editable install), then data-files."""
    checkout = Path(__file__).resolve().parent.parent.parent
    candidates = []
    if (checkout / "pyproject.toml").is_file():
        candidates.append(checkout / "migrations")
    # `pip install .` puts them in <prefix>/share/acoustid-pg/migrations (pyproject data-files).
    for prefix in (sys.prefix, site.getuserbase()):
        candidates.append(Path(prefix) / "share" / "acoustid-pg" / "migrations")
    return candidates


def migrations_root() -> Path:
    """The directory holding ``app/``, ``fingerprint/`` and ``ingest/`` ($ACOUSTID_PG_MIGRATIONS first)."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit)
    for candidate in _candidate_roots():
        if candidate.is_dir():
            return candidate
    raise MigrationError(f"cannot find the migrations directory: set {ENV_VAR}")


@dataclass(frozen=True)
class Migration:
    """One versioned step of one logical database."""

    database: str
    version: int
    name: str
    up_path: Path
    down_path: Path

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"

    def checksum(self) -> str:
        """SHA-256 of the up file, blind to line endings so a Windows checkout matches."""
        return hashlib.sha256(self.up_path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def load_migrations(database: str, root: Path | None = None) -> list[Migration]:
    """Every step of ``database``, in version order; refuses misnamed or unpaired files."""
    directory = (root or migrations_root()) / check_database(database)
    if not directory.is_dir():
        raise MigrationError(f"no migrations directory {directory}")
    found: dict[int, dict[str, Path]] = {}
    names: dict[int, str] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.fullmatch(path.name)
        if match is None:
            raise MigrationError(f"{path}: expected a name like 0001_name.up.sql or 0001_name.down.sql")
        version = int(match["version"])
        if version == 0:
            raise MigrationError(f"{path}: versions start at 0001")
        if names.setdefault(version, match["name"]) != match["name"]:
            raise MigrationError(f"{directory}: two migrations have version {version:04d}")
        found.setdefault(version, {})[match["direction"]] = path
    migrations = []
    for version in sorted(found):
        files = found[version]
        for direction in ("up", "down"):
            if direction not in files:
                raise MigrationError(
                    f"{directory}: {version:04d}_{names[version]} has no .{direction}.sql file"
                )
        migrations.append(Migration(database, version, names[version], files["up"], files["down"]))
    return migrations


# --- the version table ---


def version_table(database: str) -> str:
    return f"schema_version_{check_database(database)}"


@dataclass(frozen=True)
class _Applied:
    version: int
    name: str
    checksum: str
    applied_at: datetime


def _applied(conn: psycopg.Connection[Any], database: str) -> dict[int, _Applied]:
    table = version_table(database)
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()
    if exists is None or not exists[0]:
        return {}
    rows = conn.execute(
        sql.SQL("SELECT version, name, checksum, applied_at FROM {} ORDER BY version").format(
            sql.Identifier(table)
        )
    ).fetchall()
    return {row[0]: _Applied(*row) for row in rows}


def _create_version_table(conn: psycopg.Connection[Any], database: str) -> None:
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            " version integer PRIMARY KEY,"
            " name text NOT NULL,"
            " checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        ).format(sql.Identifier(version_table(database)))
    )


def _hand_version_table_to_admin(conn: psycopg.Connection[Any], database: str) -> None:
    """Members of acoustid_admin may migrate (sql/README.md), so the runner's table must be theirs
    too, not its first creator's (the superuser that ran ``init``)."""
    table = version_table(database)
    movable = conn.execute(
        """SELECT EXISTS (SELECT FROM pg_class AS c JOIN pg_roles AS r ON r.rolname = 'acoustid_admin'
        WHERE c.oid = to_regclass(%s) AND c.relowner <> r.oid
            AND pg_has_role(c.relowner, 'USAGE') AND pg_has_role(r.oid, 'USAGE'))""",
        [table],
    ).fetchone()
    if movable and movable[0]:
        conn.execute(sql.SQL("ALTER TABLE {} OWNER TO acoustid_admin").format(sql.Identifier(table)))


def current_version(conn: psycopg.Connection[Any], database: str) -> int:
    """The highest applied version of ``database`` (0 when none is)."""
    return max(_applied(conn, database), default=0)


# --- status ---


@dataclass(frozen=True)
class StepStatus:
    """One step as the database sees it: applied, pending, edited (applied, file since changed)
    or missing (applied, file gone)."""

    database: str
    version: int
    name: str
    state: str
    applied_at: datetime | None

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def status(conn: psycopg.Connection[Any], database: str, root: Path | None = None) -> list[StepStatus]:
    """Every known or applied step of ``database``, in version order. Changes nothing."""
    migrations = {m.version: m for m in load_migrations(database, root)}
    applied = _applied(conn, database)
    steps = []
    for version in sorted(migrations.keys() | applied.keys()):
        migration, row = migrations.get(version), applied.get(version)
        if row is None:
            assert migration is not None
            steps.append(StepStatus(database, version, migration.name, "pending", None))
        elif migration is None:
            steps.append(StepStatus(database, version, row.name, "missing", row.applied_at))
        else:
            state = "applied" if migration.checksum() == row.checksum else "edited"
            steps.append(StepStatus(database, version, migration.name, state, row.applied_at))
    return steps


def _check_history(database: str, migrations: list[Migration], applied: dict[int, _Applied]) -> int:
    """The current version, once the applied steps are known to be exactly the files' first steps."""
    by_version = {m.version: m for m in migrations}
    current = max(applied, default=0)
    for version, row in applied.items():
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(
                f"{database} has version {version:04d}_{row.name} applied, but no such migration "
                "exists here: use the acoustid-pg release that wrote it"
            )
        if migration.checksum() != row.checksum:
            raise MigrationError(
                f"{database} migration {migration.up_path.name} was edited after it was applied "
                f"(applied {row.checksum[:12]}, file {migration.checksum()[:12]}): restore it and put "
                "the change in a new migration"
            )
    for migration in migrations:
        if migration.version < current and migration.version not in applied:
            raise MigrationError(
                f"{database} migration {migration.label} is older than the applied version "
                f"{current:04d} but was never applied: give it a number after {current:04d}"
            )
    return current


# --- running steps ---


def advisory_lock_key(database: str) -> int:
    """The key of the session advisory lock that serializes runners on ``database``."""
    digest = hashlib.sha256(f"acoustid_pg.migrate.{database}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _runner_lock(conn: psycopg.Connection[Any], database: str, report: Report) -> Iterator[None]:
    """Hold the session advisory lock of ``database`` so that runners take turns."""
    key = advisory_lock_key(database)
    acquired = conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
    if acquired is None or not acquired[0]:
        report(f"{database}: waiting for another migration runner")
        conn.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:
            conn.execute("SELECT pg_advisory_unlock(%s)", [key])


def _describe(exc: psycopg.Error, text: str) -> str:
    """One line: the server's message, SQLSTATE and, when it knows, the line of the file."""
    message = exc.diag.message_primary or str(exc).strip().splitlines()[0]
    where = ""
    position = exc.diag.statement_position
    if position and position.isdigit():
        where = f" at line {text[: int(position)].count(chr(10)) + 1}"
    return f"{message} (SQLSTATE {exc.sqlstate}){where}"


def _run_step(conn: psycopg.Connection[Any], migration: Migration, up: bool) -> None:
    path = migration.up_path if up else migration.down_path
    text = path.read_text(encoding="utf-8")
    table = sql.Identifier(version_table(migration.database))
    try:
        with conn.transaction():
            # bytes, not str: sent as is, several statements in one simple query
            conn.execute(text.encode())
            if up:
                conn.execute(
                    sql.SQL("INSERT INTO {} (version, name, checksum) VALUES (%s, %s, %s)").format(table),
                    [migration.version, migration.name, migration.checksum()],
                )
            else:
                conn.execute(sql.SQL("DELETE FROM {} WHERE version = %s").format(table), [migration.version])
    except psycopg.Error as exc:
        raise MigrationError(
            f"{migration.database} {path.name} failed and was rolled back: {_describe(exc, text)}"
        ) from exc


def _require_autocommit(conn: psycopg.Connection[Any]) -> None:
    if not conn.autocommit:
        raise MigrationError("migrations need an autocommit connection: each step is its own transaction")


def upgrade(
    conn: psycopg.Connection[Any],
    database: str,
    target: int | None = None,
    *,
    root: Path | None = None,
    report: Report = _quiet,
) -> int:
    """Apply the steps of ``database`` up to ``target`` (default: the latest); return the version."""
    _require_autocommit(conn)
    migrations = load_migrations(database, root)
    latest = migrations[-1].version if migrations else 0
    if target is not None and target != 0 and target not in {m.version for m in migrations}:
        raise MigrationError(f"{database} has no migration {target:04d} (latest is {latest:04d})")
    goal = latest if target is None else target
    with _runner_lock(conn, database, report):
        _create_version_table(conn, database)
        current = _check_history(database, migrations, _applied(conn, database))
        if goal < current:
            raise MigrationError(
                f"{database} is at version {current:04d}, past {goal:04d}: migrate down to go back"
            )
        for migration in migrations:
            if current < migration.version <= goal:
                _run_step(conn, migration, up=True)
                report(f"{database}: applied {migration.label}")
        _hand_version_table_to_admin(conn, database)
    report(f"{database}: at version {goal:04d}")
    return goal


def downgrade(
    conn: psycopg.Connection[Any],
    database: str,
    target: int,
    *,
    root: Path | None = None,
    report: Report = _quiet,
) -> int:
    """Revert the steps of ``database`` above ``target`` (0 reverts all), newest first."""
    _require_autocommit(conn)
    if target < 0:
        raise MigrationError(f"cannot migrate {database} down to a negative version")
    migrations = load_migrations(database, root)
    with _runner_lock(conn, database, report):
        _create_version_table(conn, database)
        current = _check_history(database, migrations, _applied(conn, database))
        if target > current:
            raise MigrationError(
                f"{database} is at version {current:04d}, below {target:04d}: migrate up to go forward"
            )
        for migration in reversed(migrations):
            if target < migration.version <= current:
                _run_step(conn, migration, up=False)
                report(f"{database}: reverted {migration.label}")
    report(f"{database}: at version {target:04d}")
    return target
