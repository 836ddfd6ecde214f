"""Where the three acoustid databases live and how to connect to them.

Connection parameters come from a libpq connection string (``--dsn``), a few
flags, and libpq's own environment variables (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGSSLMODE, ...). Database names are kept apart from the connection
string, because one server holds three databases (or one database holds all
three schemas, for a small install).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .dberrors import first_line
from .errors import ConnectError, SettingsError

DATABASES: Final = ("app", "fingerprint", "ingest")

# The fourth database, the MusicBrainz mirror: only lookups with metadata read it, so it is
# kept apart from the three (its pool opens on first use), and it may instead be a
# MusicBrainz server's own database (``musicbrainz_dsn``), used read only.
MUSICBRAINZ: Final = "musicbrainz"
ALL_DATABASES: Final = (*DATABASES, MUSICBRAINZ)

DEFAULT_NAMES: Final[Mapping[str, str]] = {
    "app": "acoustid_app",
    "fingerprint": "acoustid_fingerprint",
    "ingest": "acoustid_ingest",
    MUSICBRAINZ: "acoustid_musicbrainz",
}

# The extensions each logical database needs, in creation order (acoustid requires nothing;
# acoustid_cube, which declares acoustid_simhash_cube for fingerprint_data, requires acoustid and cube).
EXTENSIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "app": ("pgcrypto",),
    "fingerprint": ("intarray", "cube", "acoustid", "acoustid_cube"),
    "ingest": (),
    MUSICBRAINZ: (),
}


def check_database(database: str) -> str:
    """Return ``database`` if it names one of the logical databases."""
    if database not in ALL_DATABASES:
        raise SettingsError(f"unknown database {database!r}: expected one of {', '.join(ALL_DATABASES)}")
    return database


@dataclass(frozen=True)
class Settings:
    """Connection parameters shared by all databases, and each logical database's name."""

    conninfo: str = field(default="", repr=False)  # may hold a password: never in a repr or a log
    names: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_NAMES))
    maintenance_db: str = "postgres"
    musicbrainz_dsn: str | None = field(default=None, repr=False)  # an existing MusicBrainz database

    @classmethod
    def from_options(
        cls,
        *,
        dsn: str | None = None,
        host: str | None = None,
        port: int | None = None,
        user: str | None = None,
        dbname: str | None = None,
        names: Mapping[str, str | None] | None = None,
        maintenance_db: str | None = None,
        musicbrainz_dsn: str | None = None,
    ) -> Settings:
        """Build settings from command-line style options; unset ones fall back to libpq's defaults.

        ``dbname`` puts all three logical databases in one database; ``names`` then
        overrides single ones.
        """
        try:
            params = conninfo_to_dict(dsn or "")
        except psycopg.ProgrammingError as exc:
            raise SettingsError(f"invalid connection string: {first_line(exc)}") from exc
        if "dbname" in params:
            raise SettingsError(
                "the connection string must not name a database: use --dbname, --app-db, "
                "--fingerprint-db or --ingest-db"
            )
        overrides = {"host": host, "port": port, "user": user}
        conninfo = make_conninfo(dsn or "", **{k: v for k, v in overrides.items() if v is not None})
        chosen = {database: dbname or DEFAULT_NAMES[database] for database in ALL_DATABASES}
        for database, name in (names or {}).items():
            if name:
                chosen[check_database(database)] = name
        if musicbrainz_dsn:
            try:
                conninfo_to_dict(musicbrainz_dsn)
            except psycopg.ProgrammingError as exc:
                raise SettingsError(f"invalid MusicBrainz connection string: {first_line(exc)}") from exc
        return cls(
            conninfo=conninfo,
            names=chosen,
            maintenance_db=maintenance_db or "postgres",
            musicbrainz_dsn=musicbrainz_dsn or None,
        )

    @property
    def external_musicbrainz(self) -> bool:
        """True when lookups read an existing MusicBrainz database instead of our mirror."""
        return self.musicbrainz_dsn is not None

    def database_dsn(self, database: str) -> str:
        """The connection string of a logical database (the MusicBrainz one may be elsewhere)."""
        if database == MUSICBRAINZ and self.musicbrainz_dsn:
            return self.musicbrainz_dsn
        return self.dsn(self.dbname(database))

    def dbname(self, database: str) -> str:
        return self.names[check_database(database)]

    def dsn(self, dbname: str) -> str:
        return make_conninfo(self.conninfo, dbname=dbname)

    def connect(self, database: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        """Connect to a logical database (app, fingerprint, ingest or musicbrainz)."""
        if database == MUSICBRAINZ and self.musicbrainz_dsn:
            try:
                return psycopg.connect(self.musicbrainz_dsn, autocommit=autocommit)
            except psycopg.OperationalError as exc:
                raise ConnectError(f"cannot connect to the MusicBrainz database: {first_line(exc)}") from exc
        return self._connect(self.dbname(database), autocommit)

    def connect_maintenance(self) -> psycopg.Connection[Any]:
        """Connect to the database used to create the others (``postgres`` by default)."""
        return self._connect(self.maintenance_db, True)

    def _connect(self, dbname: str, autocommit: bool) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.dsn(dbname), autocommit=autocommit)
        except psycopg.OperationalError as exc:
            raise ConnectError(f"cannot connect to database {dbname!r}: {first_line(exc)}") from exc
