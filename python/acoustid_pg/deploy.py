"""Setting up and describing a deployment: its databases, extensions, schemas and partitions.

``initialize`` is what ``acoustid-pg init`` (and the demo and the bench command) run;
``drop_databases`` removes scratch and demo deployments; ``describe`` is ``acoustid-pg status``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Final

import psycopg
from psycopg import errors, sql

from . import migrate
from .settings import DATABASES, EXTENSIONS, MUSICBRAINZ, Settings

DEFAULT_MONTHS_AHEAD: Final = 3
# The extensions this project builds (the others come with PostgreSQL and are the server's to update).
OWN_EXTENSIONS: Final = ("acoustid", "acoustid_cube")

# the tables worth counting in each database (estimates for the big ones)
COUNTED = {
    "app": ("account", "application"),
    "fingerprint": ("track", "fingerprint", "track_mbid", "meta"),
    "ingest": ("submission", "pending_submission", "submission_result"),
}

SIZES = """
SELECT c.relname, pg_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'p', 'I')
  AND (c.relname = ANY(%s) OR c.relkind IN ('i', 'I'))
  AND NOT c.relispartition
ORDER BY pg_relation_size(c.oid) DESC, c.relname
LIMIT 12
"""


def deployed_databases(settings: Settings) -> tuple[str, ...]:
    """The logical databases this deployment keeps: the three, and the MusicBrainz mirror unless
    lookups read an existing MusicBrainz database instead."""
    return DATABASES if settings.external_musicbrainz else (*DATABASES, MUSICBRAINZ)


def initialize(
    settings: Settings, months_ahead: int = DEFAULT_MONTHS_AHEAD, report: migrate.Report = print
) -> None:
    """Create the databases (if missing), their extensions and schemas, and upcoming partitions."""
    databases = deployed_databases(settings)
    with settings.connect_maintenance() as conn:
        for name in dict.fromkeys(settings.dbname(database) for database in databases):
            report(f"{name}: {'created' if _create_database(conn, name) else 'exists'}")
    for database in databases:
        with settings.connect(database) as conn:
            for extension in EXTENSIONS[database]:
                _create_extension(conn, extension)
                if extension in OWN_EXTENSIONS:  # an older install of ours moves to this build's version
                    conn.execute(sql.SQL("ALTER EXTENSION {} UPDATE").format(sql.Identifier(extension)))
            if EXTENSIONS[database]:
                report(f"{database}: extensions {', '.join(EXTENSIONS[database])}")
            migrate.upgrade(conn, database, report=report)
            if database == "ingest":
                created = conn.execute("SELECT create_submission_partitions(%s)", [months_ahead]).fetchone()
                report(f"ingest: {created[0] if created else 0} submission partitions created")


def drop_databases(settings: Settings) -> None:
    """Drop the deployment's databases (scratch and demo ones), closing their connections first."""
    with settings.connect_maintenance() as conn:
        for name in dict.fromkeys(settings.dbname(database) for database in deployed_databases(settings)):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _create_database(conn: psycopg.Connection[Any], name: str) -> bool:
    """Create database ``name`` unless it exists; True if this call created it."""
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        return False
    try:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except errors.DuplicateDatabase:
        return False  # another init made it in the meantime
    return True


def _create_extension(conn: psycopg.Connection[Any], name: str) -> None:
    # UniqueViolation, DuplicateObject: another init created it at the same moment
    with contextlib.suppress(errors.UniqueViolation, errors.DuplicateObject):
        conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {} CASCADE").format(sql.Identifier(name)))


def _count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(
        "SELECT greatest(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = to_regclass(%s)", (table,)
    ).fetchone()
    estimate = int(row[0]) if row and row[0] is not None else 0
    if estimate >= 100_000:
        return estimate
    exact = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # table names are our constants
    return int(exact[0]) if exact else 0


def describe(settings: Settings) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for database in DATABASES:
        with settings.connect(database) as conn:
            extension = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'acoustid'"
            ).fetchone()
            report[database] = {
                "database": settings.dbname(database),
                "version": migrate.current_version(conn, database),
                "latest": max((step.version for step in migrate.load_migrations(database)), default=0),
                "rows": {table: _count(conn, table) for table in COUNTED[database]},
                "sizes": {name: size for name, size in conn.execute(SIZES, (list(COUNTED[database]),))},
                "extension": extension[0] if extension else None,
                "server": conn.info.server_version,
            }
    return report
