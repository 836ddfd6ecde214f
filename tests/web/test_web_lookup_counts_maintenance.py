"""Lookups through HTTP are counted in Redis; ``acoustid-pg maintenance --redis URL`` moves
exactly those counts into stats_lookups and stats_user_agents, and a flush killed half way
loses and doubles nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis
import requests

from acoustid_pg.lookup_counts import FLUSH_LOCK, LOOKUPS, USER_AGENTS
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.support.management import Deployment, server_conninfo
from tests.support.web import RunningApp
from tests.support.web_fixtures import FP, LENGTH, add_fingerprint, load_fixture

SETTINGS = WebSettings(limits=RateLimits(1e6, 1e6, 1e6))


@pytest.fixture(scope="module")
def server(web_deployment: Deployment, redis_server: RedisServer) -> Iterator[RunningApp]:
    with RunningApp(
        lambda: build(web_deployment.client, SETTINGS, redis_server.url, flush_every=0)
    ) as running:
        yield running


def maintenance(deployment: Deployment, redis_url: str, *extra: str) -> list[str]:
    names = deployment.names
    return [
        sys.executable, "-m", "acoustid_pg.cli", "maintenance", "--dsn", server_conninfo(deployment.cluster),
        "--app-db", names["app"], "--fingerprint-db", names["fingerprint"], "--ingest-db", names["ingest"],
        "--redis", redis_url, *extra,
    ]  # fmt: skip


def make_lookups(server: RunningApp, web_db: Deployment, counts: redis.Redis) -> None:
    """Three hits by app1 (user agent picard), two misses by app2 (beets), counted in Redis."""
    ids = load_fixture(web_db)
    add_fingerprint(web_db, ids["track1"])
    for _ in range(3):
        reply = requests.post(
            server.url + "/v2/lookup",
            data={"client": "app1key", "fingerprint": FP, "duration": str(LENGTH)},
            headers={"User-Agent": "picard"},
            timeout=30,
        ).json()
        assert reply["results"], reply
    for _ in range(2):
        reply = requests.get(
            server.url + "/v2/lookup",
            params={"client": "app2key", "trackid": str(uuid.uuid4())},
            headers={"User-Agent": "beets"},
            timeout=30,
        ).json()
        assert reply == {"results": [], "status": "ok"}
    deadline = time.monotonic() + 10  # the counts are written after the answers
    while sum(int(v) for v in counts.hvals(USER_AGENTS)) < 5:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def stored(web_db: Deployment) -> tuple[list[tuple[str, int, int]], list[tuple[str, str, int]]]:
    lookups = web_db.app.execute(
        "SELECT a.name, l.count_hits, l.count_misses FROM stats_lookups AS l"
        " JOIN application AS a ON a.id = l.application_id ORDER BY a.name"
    ).fetchall()
    agents = web_db.app.execute(
        "SELECT a.name, s.user_agent, s.count FROM stats_user_agents AS s"
        " JOIN application AS a ON a.id = s.application_id ORDER BY a.name, s.user_agent"
    ).fetchall()
    return lookups, agents


EXPECTED = ([("App 1", 3, 0), ("App 2", 0, 2)], [("App 1", "picard", 3), ("App 2", "beets", 2)])


def test_maintenance_moves_exactly_the_counted_lookups(
    server: RunningApp, web_db: Deployment, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    make_lookups(server, web_db, redis_client)
    assert stored(web_db) == ([], [])  # serve itself did not flush (flush_every=0)
    done = subprocess.run(maintenance(web_db, redis_server.url), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "lookup counts: 2 stats_lookups rows and 2 stats_user_agents rows" in done.stdout, done.stdout
    assert stored(web_db) == EXPECTED
    assert redis_client.keys("stats:*") == []
    again = subprocess.run(maintenance(web_db, redis_server.url), capture_output=True, text=True, timeout=120)
    assert "lookup counts: 0 stats_lookups rows and 0 stats_user_agents rows" in again.stdout, again.stdout
    assert stored(web_db) == EXPECTED


def test_a_flush_killed_half_way_loses_and_doubles_nothing(
    server: RunningApp, web_db: Deployment, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    make_lookups(server, web_db, redis_client)
    # Hold stats_user_agents so the flush stops inside its second transaction (the lookups
    # committed, the user agents not), then kill it there.
    with psycopg.connect(web_db.cluster.conninfo(web_db.names["app"])) as blocker:
        blocker.execute("LOCK TABLE stats_user_agents IN EXCLUSIVE MODE")
        flusher = subprocess.Popen(
            maintenance(web_db, redis_server.url, "--job", "lookup-counts"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            waiting = (
                "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%%INSERT INTO stats_user_agents%%')"
            )
            while web_db.app.execute(waiting).fetchone() != (True,):
                assert flusher.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
            flusher.send_signal(signal.SIGKILL)
            flusher.wait(30)
        finally:
            if flusher.poll() is None:
                flusher.kill()
        blocker.rollback()
    assert stored(web_db)[0] == EXPECTED[0]  # the lookups were committed before the kill
    assert redis_client.keys(f"{USER_AGENTS}:flushing:*") != []  # the user agents wait aside
    assert redis_client.exists(LOOKUPS) == 0
    # The dead flusher's lock stops others until it expires (300 s); expire it early here.
    skipped = subprocess.run(
        maintenance(web_db, redis_server.url, "--job", "lookup-counts"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "skipped: another flush is running" in skipped.stdout, skipped.stdout
    redis_client.delete(FLUSH_LOCK)
    deadline = time.monotonic() + 30  # the killed session's transaction is rolled back
    while web_db.app.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    ).fetchone() != (0,):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    done = subprocess.run(
        maintenance(web_db, redis_server.url, "--job", "lookup-counts"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "0 stats_lookups rows and 2 stats_user_agents rows" in done.stdout, done.stdout
    assert stored(web_db) == EXPECTED
    assert redis_client.keys("stats:*") == []


def test_serve_flushes_its_counts_when_it_stops(
    web_deployment: Deployment, web_db: Deployment, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    with RunningApp(
        lambda: build(web_deployment.client, SETTINGS, redis_server.url, flush_every=3600)
    ) as running:
        make_lookups(running, web_db, redis_client)
        # one more whose count is still in the worker's memory when it stops
        requests.get(
            running.url + "/v2/lookup",
            params={"client": "app2key", "trackid": str(uuid.uuid4())},
            headers={"User-Agent": "last"},
            timeout=30,
        )
        assert stored(web_db) == ([], [])
    assert stored(web_db) == (
        [("App 1", 3, 0), ("App 2", 0, 3)],
        [("App 1", "picard", 3), ("App 2", "beets", 2), ("App 2", "last", 1)],
    )
    assert redis_client.keys("stats:*") == []
