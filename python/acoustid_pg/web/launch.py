"""``acoustid-pg serve`` as a library call: settings from flags and the config file, Redis
(given, configured, or a private one started here and stopped on exit), a first
application on an empty deployment, then the server."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis

from ..api import AcoustID
from ..embedded_redis import embedded_redis
from ..errors import SettingsError
from ..redis_server import RedisServer
from ..settings import Settings
from . import server
from .settings import WebSettings, load_web_settings


@dataclass(frozen=True)
class FirstKeys:
    """The keys made for a newcomer on an empty deployment (shown once)."""

    application_key: str
    user_key: str


def web_settings(
    config_path: Path | None,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    redis_url: str | None = None,
    open_lookups: bool | None = None,
) -> WebSettings:
    """The config file's ``[web]`` and ``[rate_limiter]``, with flags winning."""
    settings = load_web_settings(config_path)
    return dataclasses.replace(
        settings,
        host=settings.host if host is None else host,
        port=settings.port if port is None else port,
        workers=settings.workers if workers is None else workers,
        redis_url=settings.redis_url if redis_url is None else redis_url,
        open_lookups=settings.open_lookups if open_lookups is None else open_lookups,
    )


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def check_listen_address(host: str, port: int) -> None:
    """Refuse an address nothing can listen on before anything starts (one clear line)."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise SettingsError(f"cannot listen on {host!r} port {port}: {exc}") from None


def check_redis(url: str) -> None:
    """A Redis URL must name a Redis that answers now; at run time a Redis that goes away is
    survived (fail open), but starting against a wrong one is a mistake to report."""
    if not url.startswith(REDIS_SCHEMES):
        raise SettingsError(f"Redis URL {url[:80]!r} must start with {', '.join(REDIS_SCHEMES)}")
    try:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        with client:
            client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise SettingsError(f"cannot reach Redis at {url[:80]!r}: {exc}") from None


def first_keys(db: AcoustID) -> FirstKeys | None:
    """On a deployment with no application yet: an account and an application to start with."""
    if db.health.application_count() > 0:
        return None
    account = db.accounts.create_account("Owner")
    application = db.accounts.create_application("My first application", account_id=account.id, version="1")
    assert application.apikey is not None and account.apikey is not None  # create_* return them (once)
    return FirstKeys(application.apikey, account.apikey)


def serve(
    database: Settings,
    web: WebSettings,
    *,
    announce: Callable[[str], None],
    on_first_keys: Callable[[FirstKeys], None],
    nats_url: str | None = None,
) -> int:
    """Run the service until SIGINT/SIGTERM; ``announce`` hears where it listens. With
    ``nats_url``, submits announce their committed ids there (``worker --nats``)."""
    check_listen_address(web.host, web.port)
    if web.redis_url is not None:
        check_redis(web.redis_url)
    with AcoustID(database, min_size=1, max_size=2) as db:
        keys = first_keys(db)
    if keys is not None:
        on_first_keys(keys)
    private: RedisServer | None = None
    redis_url = web.redis_url
    if redis_url is None:
        private = embedded_redis().start()
        redis_url = private.url
    nats_note = f"; submissions announced on {nats_url}" if nats_url else ""
    try:
        return server.run(
            lambda: AcoustID(database, min_size=1, max_size=web.threads, nats=nats_url),
            web,
            redis_url,
            workers=web.workers,
            ready=lambda address: announce(f"{address}/v2 (Redis: {redis_url}{nats_note})"),
        )
    finally:
        if private is not None:
            private.stop()
