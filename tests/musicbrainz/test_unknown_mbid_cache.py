"""The ``unknown_mbid:{mbid}`` cache against a real redis-server, and lookups without Redis."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from acoustid_pg.lookup import Match, Mbid
from acoustid_pg.musicbrainz.unknown_mbids import TTL_SECONDS, UnknownMbidCache
from tests.support import musicbrainz_sample as mb
from tests.support.management import Deployment

MOON = {"id": mb.MOON, "title": "Moon", "duration": 367.0}


class RedisServer:
    """A private redis-server on a unix socket (no TCP port), stopped by ``stop``."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="acoustid-redis-"))
        self.socket = self.directory / "redis.sock"
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(self.socket), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)
        self.url = f"unix://{self.socket}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


def result(*mbids: str) -> Match:
    return Match(uuid.uuid4(), 1.0, 0, 0, mbids=tuple(Mbid(uuid.UUID(m), 1) for m in mbids))


def test_second_lookup_of_an_unknown_mbid_hits_the_cache(
    mb_deployment: Deployment, redis_server: RedisServer
) -> None:
    service = mb_deployment.client.musicbrainz
    cache = service.unknown_mbids = UnknownMbidCache.from_url(redis_server.url)
    try:
        unknown = [result(mb.MISSING_MBID)]
        reads = service.reads
        assert service.metadata(unknown, "recordings") == [{"recordings": [{"id": mb.MISSING_MBID}]}]
        assert service.reads == reads + 1
        direct = redis.Redis.from_url(redis_server.url)
        assert 0 < direct.ttl(f"unknown_mbid:{mb.MISSING_MBID}") <= TTL_SECONDS
        # The second time the mirror is not asked at all.
        assert service.metadata(unknown, "recordings") == [{"recordings": [{"id": mb.MISSING_MBID}]}]
        assert (service.reads, cache.hits) == (reads + 1, 1)
        # Known MBIDs are still read (and never cached as unknown).
        both = [result(mb.MOON, mb.MISSING_MBID)]
        (described,) = service.metadata(both, "recordings")
        assert [r["id"] for r in described["recordings"]] == [mb.MOON, mb.MISSING_MBID]
        assert service.reads == reads + 2
        assert direct.exists(f"unknown_mbid:{mb.MOON}") == 0
    finally:
        service.unknown_mbids = None


def test_lookups_work_while_redis_is_down(mb_deployment: Deployment, redis_server: RedisServer) -> None:
    service = mb_deployment.client.musicbrainz
    service.unknown_mbids = UnknownMbidCache.from_url(redis_server.url)
    try:
        redis_server.stop()
        reads = service.reads
        for _ in range(2):
            (described,) = service.metadata([result(mb.MOON, mb.MISSING_MBID)], "recordings")
            assert described["recordings"][0].items() >= MOON.items()
            assert described["recordings"][1] == {"id": mb.MISSING_MBID}
        assert service.reads == reads + 2  # nothing cached: the mirror answers each time
    finally:
        service.unknown_mbids = None
