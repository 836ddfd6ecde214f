"""``acoustid-pg init`` and ``acoustid-pg migrate``: create the databases and version their schemas."""

from __future__ import annotations

import argparse
from typing import Any

from .. import deploy, migrate
from ..settings import ALL_DATABASES, Settings
from . import UsageError, connection_options, settings_from_args


def register(subparsers: Any) -> None:
    parent = connection_options()
    init = subparsers.add_parser(
        "init",
        parents=[parent],
        help="create the databases and extensions, then migrate to the latest version",
        description="Create the databases (existing ones are used as they are: app, fingerprint, "
        "ingest, and the MusicBrainz mirror unless --musicbrainz-dsn names an existing MusicBrainz "
        "database), their extensions and schemas, and the submission partitions of the coming months.",
    )
    init.add_argument(
        "--months-ahead",
        type=_non_negative,
        default=deploy.DEFAULT_MONTHS_AHEAD,
        metavar="N",
        help="create submission partitions for this month and N more (default %(default)s)",
    )
    init.set_defaults(run=run_init)

    parser = subparsers.add_parser(
        "migrate",
        parents=[parent],
        help="apply, revert or list schema migrations",
        description="Migrate the databases to the latest version (default), to version N, "
        "down to version N, or show which steps are applied.",
    )
    parser.add_argument("--database", choices=ALL_DATABASES, help="only this database (default: all)")
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
    databases = [args.database] if args.database else list(deploy.deployed_databases(settings))
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
    deploy.initialize(settings_from_args(args), args.months_ahead, report=print)
    return 0
