"""``acoustid-pg init`` and ``acoustid-pg migrate``: create the databases and version their schemas."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

import psycopg
from psycopg import errors, sql

from .. import migrate
from ..settings import DATABASES, EXTENSIONS, Settings
from . import UsageError, connection_options, settings_from_args

DEFAULT_MONTHS_AHEAD = 3


def register(subparsers: Any) -> None:
    parent = connection_options()
    init = subparsers.add_parser(
        "init",
        parents=[parent],
        help="create the databases and extensions, then migrate to the latest version",
        description="Create the three databases (existing ones are used as they are), their "
        "extensions and schemas, and the submission partitions of the coming months.",
    )
    init.add_argument(
        "--months-ahead",
        type=_non_negative,
        default=DEFAULT_MONTHS_AHEAD,
        metavar="N",
        help=f"create submission partitions for this month and N more (default {DEFAULT_MONTHS_AHEAD})",
    )
    init.set_defaults(run=run_init)

    parser = subparsers.add_parser(
        "migrate",
        parents=[parent],
        help="apply, revert or list schema migrations",
        description="Migrate the databases to the latest version (default), to version N, "
        "down to version N, or show which steps are applied.",
    )
    parser.add_argument("--database", choices=DATABASES, help="only this database (default: all three)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--to", type=_non_negative, metavar="N", help="migrate up to version N")
    mode.add_argument("--down", type=_non_negative, metavar="N", help="migrate down to version N")
    mode.add_argument("--status", action="store_true", help="list every step and whether it is applied")
    parser.set_defaults(run=run_migrate)


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return value


def run_migrate(args: argparse.Namespace) -> int:
    if (args.to is not None or args.down is not None) and args.database is None:
        raise UsageError("--to and --down need --database: versions belong to one database")
    settings = settings_from_args(args)
    databases = [args.database] if args.database else list(DATABASES)
    if args.status:
        return _print_status(settings, databases)
    for database in databases:
        with settings.connect(database) as conn:
            if args.down is not None:
                migrate.downgrade(conn, database, args.down, report=print)
            else:
                migrate.upgrade(conn, database, args.to, report=print)
    return 0


def _print_status(settings: Settings, databases: list[str]) -> int:
    troubled = False
    for database in databases:
        with settings.connect(database) as conn:
            steps = migrate.status(conn, database)
        for step in steps:
            when = step.applied_at.isoformat(sep=" ", timespec="seconds") if step.applied_at else ""
            print(f"{database:<12} {step.label:<28} {step.state:<8} {when}".rstrip())
            troubled = troubled or step.state in ("edited", "missing")
    return 1 if troubled else 0


def run_init(args: argparse.Namespace) -> int:
    initialize(settings_from_args(args), args.months_ahead, report=print)
    return 0


def initialize(
    settings: Settings, months_ahead: int = DEFAULT_MONTHS_AHEAD, report: migrate.Report = print
) -> None:
    """Create the databases (if missing), their extensions and schemas, and upcoming partitions."""
    with settings.connect_maintenance() as conn:
        for name in dict.fromkeys(settings.dbname(database) for database in DATABASES):
            report(f"{name}: {'created' if _create_database(conn, name) else 'exists'}")
    for database in DATABASES:
        with settings.connect(database) as conn:
            for extension in EXTENSIONS[database]:
                _create_extension(conn, extension)
            if EXTENSIONS[database]:
                report(f"{database}: extensions {', '.join(EXTENSIONS[database])}")
            migrate.upgrade(conn, database, report=report)
            if database == "ingest":
                created = conn.execute("SELECT create_submission_partitions(%s)", [months_ahead]).fetchone()
                report(f"ingest: {created[0] if created else 0} submission partitions created")


def drop_databases(settings: Settings) -> None:
    """Drop the three databases (scratch and demo ones), closing their connections first."""
    with settings.connect_maintenance() as conn:
        for name in dict.fromkeys(settings.dbname(database) for database in DATABASES):
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
