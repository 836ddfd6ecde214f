"""Command groups of the ``acoustid-pg`` command line, one module each.

A module exposes ``register(subparsers)``, which adds its subcommands and sets
``run`` (a function taking the parsed arguments and returning the exit status)
as each subcommand's default.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from .. import config, embedded, embedded_nats
from ..errors import AcoustidError
from ..messaging_settings import MessagingSettings, load_messaging_settings
from ..settings import ALL_DATABASES, DEFAULT_NAMES, Settings

if TYPE_CHECKING:
    from ..api import AcoustID


class UsageError(AcoustidError):
    """The options given cannot go together (exit status 2, like argparse's own errors)."""


def connection_options() -> argparse.ArgumentParser:
    """A parent parser with the connection and database-name options every database command takes."""
    parent = argparse.ArgumentParser(add_help=False)
    connection = parent.add_argument_group(
        "connection",
        "flags win over environment variables (libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, ..., and "
        "ACOUSTID_PG_DSN), which win over the config file; with no server named anywhere, the "
        "embedded server (acoustid-pg server) is started and used",
    )
    connection.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default $ACOUSTID_PG_CONFIG or ~/.config/acoustid-pg/config.ini)",
    )
    connection.add_argument("--dsn", help="libpq connection string or URL, without a database name")
    connection.add_argument("--host", help="server host or unix socket directory")
    connection.add_argument("--port", type=int, help="server port")
    connection.add_argument("--user", help="user name")
    names = parent.add_argument_group("database names")
    names.add_argument("--dbname", metavar="NAME", help="keep all three databases in this one database")
    for database in ALL_DATABASES:
        default = DEFAULT_NAMES[database]
        names.add_argument(f"--{database}-db", metavar="NAME", help=f"the {database} database ({default})")
    names.add_argument(
        "--musicbrainz-dsn",
        metavar="DSN",
        help="read MusicBrainz metadata from this existing MusicBrainz database (read only; a full "
        "connection string or URL with its database name) instead of the acoustid_musicbrainz mirror",
    )
    names.add_argument(
        "--maintenance-db", metavar="NAME", help="database to connect to when creating the others (postgres)"
    )
    return parent


def _database_flags(args: argparse.Namespace) -> dict[str, str | int | None]:
    return {
        "dsn": args.dsn,
        "host": args.host,
        "port": args.port,
        "user": args.user,
        "dbname": args.dbname,
        "maintenance_db": args.maintenance_db,
        **{f"{database}_db": getattr(args, f"{database}_db") for database in ALL_DATABASES},
        "musicbrainz_dsn": args.musicbrainz_dsn,
    }


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from flags, environment and config file, or the embedded server."""
    values = config.resolve(_database_flags(args), config.load_config(args.config))
    if not config.server_configured(values):
        values = {**embedded.connection_parameters(embedded.ensure_running()), **values}
    return Settings.from_options(
        dsn=values.get("dsn"),
        host=values.get("host"),
        port=_port(values.get("port")),
        user=values.get("user"),
        dbname=values.get("dbname"),
        names={database: values.get(f"{database}_db") for database in ALL_DATABASES},
        musicbrainz_dsn=values.get("musicbrainz_dsn"),
        maintenance_db=values.get("maintenance_db"),
    )


def messaging_from_args(
    args: argparse.Namespace, *, nats: str | None = None, redis: str | None = None
) -> MessagingSettings:
    """NATS and Redis from flags, environment and config file; with none of them naming a NATS
    server and the embedded PostgreSQL in use, the embedded NATS if it runs."""
    loaded = config.load_config(args.config)
    settings = load_messaging_settings(loaded.path, nats=nats, redis=redis)
    if settings.nats_url is None and not config.server_configured(
        config.resolve(_database_flags(args), loaded)
    ):
        settings = dataclasses.replace(settings, nats_url=embedded_nats.running_url())
    return settings


def _port(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"port must be a number, not {text!r}") from None


def client_from_args(args: argparse.Namespace, max_size: int = 4, nats: str | None = None) -> AcoustID:
    """A driver client for the settings the command line resolves (``nats``: announce submits there)."""
    from ..api import AcoustID

    return AcoustID(settings_from_args(args), min_size=1, max_size=max_size, nats=nats)
