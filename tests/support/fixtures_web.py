"""Fixtures for the web service: a real redis-server (one per session, emptied per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from acoustid_pg.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer.temporary().start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()
