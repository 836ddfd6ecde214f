"""Lookup statistics: counted in Redis per request, flushed into stats_lookups and
stats_user_agents by the maintenance job, never lost or counted twice by a flush."""

from __future__ import annotations

import asyncio
import datetime as dt

import redis

from acoustid_pg.lookup_counts import LOOKUPS, FlushReport, flush
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.lookup_stats import LookupCounter
from acoustid_pg.web.redis_health import RedisHealth, connect_redis
from tests.support.management import Deployment

HOUR = dt.datetime(2026, 11, 28, 10, 17, tzinfo=dt.timezone.utc)


def count(server: RedisServer, lookups: list[tuple[int, bool, str, str]], at: dt.datetime = HOUR) -> int:
    async def main() -> int:
        client = connect_redis(server.url)
        counter = LookupCounter(client, RedisHealth(), lambda: at)
        for app, hit, agent, ip in lookups:
            counter.count(app, hit=hit, user_agent=agent, ip=ip)
        await counter.drain()
        await client.aclose()
        return counter.dropped

    return asyncio.run(main())


def test_counts_reach_postgresql(
    redis_server: RedisServer, redis_client: redis.Redis, deployment: Deployment
) -> None:
    db = deployment.client
    account = db.accounts.create_account(name="a")
    app = db.accounts.create_application(account_id=account.id, name="app", version="1").id
    other = db.accounts.create_application(account_id=account.id, name="other", version="1").id
    agent = 'picard/3.0 | weird,agent\t"quoted"'
    dropped = count(
        redis_server,
        [(app, True, agent, "192.0.2.1")] * 3
        + [
            (app, False, agent, "192.0.2.1"),
            (other, False, "beets", "2001:db8::1"),
            (999, True, "x", "192.0.2.2"),
        ],
    )
    assert dropped == 0
    assert flush(redis_client, db.stats_counts) == FlushReport(
        2, 2, 2
    )  # the unknown application 999 is dropped
    lookups = deployment.app.execute(
        "SELECT hour, application_id, count_hits, count_misses FROM stats_lookups ORDER BY application_id"
    ).fetchall()
    assert lookups == [(HOUR.replace(minute=0), app, 3, 1), (HOUR.replace(minute=0), other, 0, 1)]
    agents = deployment.app.execute(
        "SELECT date, application_id, user_agent, host(ip), count FROM stats_user_agents"
        " ORDER BY application_id"
    ).fetchall()
    assert agents == [
        (HOUR.date(), app, agent, "192.0.2.1", 4),
        (HOUR.date(), other, "beets", "2001:db8::1", 1),
    ]
    assert redis_client.keys("stats:*") == []  # flushed hashes are deleted
    # A second round adds to the same rows.
    count(redis_server, [(app, True, agent, "192.0.2.1")])
    flush(redis_client, db.stats_counts)
    assert deployment.app.execute(
        "SELECT count_hits FROM stats_lookups WHERE application_id = %s", [app]
    ).fetchone() == (4,)


def test_a_flush_that_failed_leaves_its_counts_for_the_next(
    redis_server: RedisServer, redis_client: redis.Redis, deployment: Deployment
) -> None:
    db = deployment.client
    account = db.accounts.create_account(name="a")
    app = db.accounts.create_application(account_id=account.id, name="app", version="1").id
    count(redis_server, [(app, True, "ua", "192.0.2.1")])
    # A flush died after claiming its hash: the claimed copy waits under ...:flushing:*.
    redis_client.rename(LOOKUPS, f"{LOOKUPS}:flushing:crashed")
    count(redis_server, [(app, False, "ua", "192.0.2.1")])
    flush(redis_client, db.stats_counts)
    assert deployment.app.execute("SELECT count_hits, count_misses FROM stats_lookups").fetchall() == [(1, 1)]
    assert flush(redis_client, db.stats_counts) == FlushReport(0, 0, 0)


def test_maintenance_run_flushes_with_a_redis_url(
    redis_server: RedisServer, redis_client: redis.Redis, deployment: Deployment
) -> None:
    db = deployment.client
    account = db.accounts.create_account(name="a")
    app = db.accounts.create_application(account_id=account.id, name="app", version="1").id
    count(redis_server, [(app, True, "ua", "192.0.2.1"), (app, False, "ua", "192.0.2.1")])
    assert db.maintenance.run().lookup_counts is None  # no Redis named: the counts stay there
    assert redis_client.exists(LOOKUPS) == 1
    report = db.maintenance.run(redis_url=redis_server.url)
    assert report.lookup_counts == FlushReport(1, 1, 2)
    assert deployment.app.execute("SELECT count_hits, count_misses FROM stats_lookups").fetchall() == [(1, 1)]
