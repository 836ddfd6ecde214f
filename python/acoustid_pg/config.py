"""Where acoustid-pg finds its server: flags, then environment, then a config file.

The config file is INI (like AcoustID's own ``acoustid.conf``)::

    [database]
    host = db.example.org
    port = 5432
    user = acoustid
    app_db = acoustid_app
    fingerprint_db = acoustid_fingerprint
    ingest_db = acoustid_ingest
    musicbrainz_db = acoustid_musicbrainz
    # or, instead of the mirror, an existing MusicBrainz database (read only):
    # musicbrainz_dsn = postgresql://musicbrainz@mb.example.org/musicbrainz_db

It is read from ``--config``, else ``$ACOUSTID_PG_CONFIG``, else
``$XDG_CONFIG_HOME/acoustid-pg/config.ini`` (``~/.config/...``) if it exists.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SettingsError

SECTION = "database"
SERVER_KEYS = ("dsn", "host", "port", "user")
NAME_KEYS = (
    "dbname", "app_db", "fingerprint_db", "ingest_db", "musicbrainz_db", "musicbrainz_dsn", "maintenance_db",
)  # fmt: skip
# libpq variables that say which server to use; any of them means "configured"
LIBPQ_SERVER_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGDATABASE")
# each key's own environment variable (the libpq ones for host, port, user)
ENVIRONMENT = {
    "dsn": "ACOUSTID_PG_DSN",
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "dbname": "ACOUSTID_PG_DBNAME",
    "app_db": "ACOUSTID_PG_APP_DB",
    "fingerprint_db": "ACOUSTID_PG_FINGERPRINT_DB",
    "ingest_db": "ACOUSTID_PG_INGEST_DB",
    "musicbrainz_db": "ACOUSTID_PG_MUSICBRAINZ_DB",
    "musicbrainz_dsn": "ACOUSTID_PG_MUSICBRAINZ_DSN",
    "maintenance_db": "ACOUSTID_PG_MAINTENANCE_DB",
}


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "acoustid-pg" / "config.ini"


@dataclass(frozen=True)
class Config:
    """Values from the config file, by key; empty when there is no file."""

    values: dict[str, str] = field(default_factory=dict)
    path: Path | None = None


def load_config(path: str | None = None) -> Config:
    """Read the config file; a file named explicitly must exist."""
    explicit = path or os.environ.get("ACOUSTID_PG_CONFIG")
    file = Path(explicit) if explicit else default_config_path()
    if not file.exists():
        if explicit:
            raise SettingsError(f"config file {file} does not exist")
        return Config()
    parser = configparser.ConfigParser()
    try:
        parser.read(file)
    except configparser.Error as exc:
        raise SettingsError(f"config file {file}: {exc.message}") from exc
    if not parser.has_section(SECTION):
        raise SettingsError(f"config file {file} has no [{SECTION}] section")
    values = dict(parser.items(SECTION))
    unknown = sorted(set(values) - set(SERVER_KEYS) - set(NAME_KEYS))
    if unknown:
        raise SettingsError(f"config file {file}: unknown key(s) {', '.join(unknown)}")
    return Config(values=values, path=file)


def resolve(flags: dict[str, str | int | None], config: Config) -> dict[str, str]:
    """Each key's value: the flag if given, else its environment variable, else the file."""
    resolved: dict[str, str] = {}
    for key in (*SERVER_KEYS, *NAME_KEYS):
        flag = flags.get(key)
        if flag is not None and flag != "":
            resolved[key] = str(flag)
        elif os.environ.get(ENVIRONMENT[key]):
            resolved[key] = os.environ[ENVIRONMENT[key]]
        elif config.values.get(key):
            resolved[key] = config.values[key]
    return resolved


def server_configured(resolved: dict[str, str]) -> bool:
    """Whether anything names a server; if nothing does, the embedded one is used."""
    if any(key in resolved for key in ("dsn", "host", "port")):
        return True
    return any(os.environ.get(variable) for variable in LIBPQ_SERVER_VARIABLES)
