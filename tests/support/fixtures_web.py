"""Fixtures for the web service: a real redis-server (one per session, emptied per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

import acoustid_pg
from acoustid_pg.cluster import Cluster
from acoustid_pg.redis_server import RedisServer
from tests.support.fixtures_cluster import new_database
from tests.support.management import DATABASES, Deployment, server_conninfo


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


@pytest.fixture(scope="module")
def web_deployment(
    cluster: Cluster, database_templates: dict[str, str], sample_mirror_template: str
) -> Iterator[Deployment]:
    """The databases the web service reads: app, fingerprint, ingest, and a MusicBrainz mirror
    holding the sample dump (kept across the module's tests; the other three are emptied)."""
    names = {db: new_database(cluster, prefix=db, template=database_templates[db]) for db in DATABASES}
    names["musicbrainz"] = new_database(cluster, prefix="musicbrainz", template=sample_mirror_template)
    deployed = Deployment(cluster, names, acoustid_pg.connect(server_conninfo(cluster), **names, max_size=12))
    yield deployed
    deployed.close()


@pytest.fixture
def web_db(web_deployment: Deployment) -> Deployment:
    web_deployment.reset()
    return web_deployment


@pytest.fixture(params=["summaries", "fallback"])
def mirror_read_path(request: pytest.FixtureRequest, web_deployment: Deployment) -> Iterator[str]:
    """Runs a test once per way of reading the mirror: our recording summaries, and the
    statement over MusicBrainz's own tables that a real MusicBrainz database gets."""
    musicbrainz = web_deployment.client.musicbrainz
    musicbrainz.summaries = request.param == "summaries"
    yield request.param
    assert musicbrainz.summaries is (request.param == "summaries")  # nothing switched it meanwhile
    musicbrainz.summaries = None
