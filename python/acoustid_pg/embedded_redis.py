"""The embedded Redis: a private redis-server beside the embedded PostgreSQL, in
``<data directory>/redis``, for ``acoustid-pg serve`` when no Redis is configured."""

from __future__ import annotations

from .embedded import data_directory
from .redis_server import RedisServer


def embedded_redis() -> RedisServer:
    return RedisServer(base_dir=data_directory() / "redis", persistent=True)


def ensure_running() -> RedisServer:
    return embedded_redis().start()
