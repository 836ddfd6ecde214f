"""Where the message layer's servers are: NATS (submissions, the fpindex stream) and Redis
(backfill state, the changelog publisher's cursor).

Flags win, then the environment (``ACOUSTID_PG_NATS``, ``ACOUSTID_PG_REDIS``), then the config
file's ``[messaging]`` section::

    [messaging]
    nats = nats://queue.example.org:4222
    redis = redis://cache.example.org:6379/0

Without NATS anywhere, workers hear of submissions by LISTEN/NOTIFY. Without Redis anywhere,
the ``[web]`` section's ``redis`` is used, else the embedded Redis in the data directory.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .errors import SettingsError

SECTION: Final = "messaging"
KEYS: Final = ("nats", "redis")
ENVIRONMENT: Final = {"nats": "ACOUSTID_PG_NATS", "redis": "ACOUSTID_PG_REDIS"}
SCHEMES: Final = {"nats": ("nats://", "tls://"), "redis": ("redis://", "rediss://", "unix://")}


@dataclass(frozen=True)
class MessagingSettings:
    nats_url: str | None = None
    redis_url: str | None = None


def load_messaging_settings(
    path: Path | None, *, nats: str | None = None, redis: str | None = None
) -> MessagingSettings:
    """Flags (``nats``, ``redis``) over the environment over the config file at ``path``."""
    section: dict[str, str] = {}
    web_redis = None
    if path is not None and path.exists():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path)
        except configparser.Error as exc:
            raise SettingsError(f"config file {path}: {exc.message}") from exc
        if parser.has_section(SECTION):
            section = dict(parser.items(SECTION))
        unknown = sorted(set(section) - set(KEYS))
        if unknown:
            raise SettingsError(f"config file {path}: unknown key(s) in [{SECTION}]: {', '.join(unknown)}")
        web_redis = parser.get("web", "redis", fallback=None)
    flags = {"nats": nats, "redis": redis}
    found = {key: flags[key] or os.environ.get(ENVIRONMENT[key]) or section.get(key) or None for key in KEYS}
    for key, value in found.items():
        if value is not None and not value.startswith(SCHEMES[key]):
            schemes = " or ".join(SCHEMES[key])
            raise SettingsError(f"{key} must be a URL starting with {schemes}, not {value!r}")
    return MessagingSettings(nats_url=found["nats"], redis_url=found["redis"] or web_redis or None)
