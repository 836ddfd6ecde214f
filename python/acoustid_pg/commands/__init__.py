"""Command groups of the ``acoustid-pg`` command line, one module each.

A module exposes ``register(subparsers)``, which adds its subcommands and sets
``run`` (a function taking the parsed arguments and returning the exit status)
as each subcommand's default.
"""

from __future__ import annotations

import argparse

from ..errors import AcoustidError
from ..settings import DATABASES, DEFAULT_NAMES, Settings


class UsageError(AcoustidError):
    """The options given cannot go together (exit status 2, like argparse's own errors)."""


def connection_options() -> argparse.ArgumentParser:
    """A parent parser with the connection and database-name options every database command takes."""
    parent = argparse.ArgumentParser(add_help=False)
    connection = parent.add_argument_group(
        "connection", "libpq environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, ...) also apply"
    )
    connection.add_argument("--dsn", help="libpq connection string or URL, without a database name")
    connection.add_argument("--host", help="server host or unix socket directory")
    connection.add_argument("--port", type=int, help="server port")
    connection.add_argument("--user", help="user name")
    names = parent.add_argument_group("database names")
    names.add_argument("--dbname", metavar="NAME", help="keep all three databases in this one database")
    for database in DATABASES:
        default = DEFAULT_NAMES[database]
        names.add_argument(f"--{database}-db", metavar="NAME", help=f"the {database} database ({default})")
    names.add_argument(
        "--maintenance-db", metavar="NAME", help="database to connect to when creating the others (postgres)"
    )
    return parent


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_options(
        dsn=args.dsn,
        host=args.host,
        port=args.port,
        user=args.user,
        dbname=args.dbname,
        names={database: getattr(args, f"{database}_db") for database in DATABASES},
        maintenance_db=args.maintenance_db,
    )
