"""The rate limiter against a real redis-server: keys, exactness, windows, Retry-After,
atomicity under concurrency, overrides, and serving on when Redis is away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
import redis
from redis.asyncio import Redis

from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import Decision, RateLimiter, RateLimits, bucket_key
from acoustid_pg.web.redis_health import RedisHealth, connect_redis

T = TypeVar("T")
START = 1_000_000_000.0  # a window boundary (divisible by 5)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(server: RedisServer, body: Callable[[Redis], Awaitable[T]]) -> T:
    async def main() -> T:
        client = connect_redis(server.url, timeout=30)  # a loaded machine must not make it fail open
        try:
            return await body(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


async def many(
    limiter: RateLimiter, n: int, *, ip: str = "192.0.2.1", app: str | None = None
) -> list[Decision]:
    return [await limiter.check(app_key=app, app_id=None, ip=ip) for _ in range(n)]


def test_keys_ttl_and_counts(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    clock = Clock(START + 1)

    async def body(client: Redis) -> None:
        limiter = RateLimiter(client, RateLimits(), RedisHealth(), clock)
        assert (await limiter.check(app_key="appKEY", app_id=3, ip="192.0.2.1")).allowed

    run(redis_server, body)
    window = int(START // 5)
    expected = {
        bucket_key("app", "appKEY", window),
        bucket_key("global", "", window),
        bucket_key("ip", "192.0.2.1", window),
    }
    assert {k.decode() for k in redis_client.keys("*")} == expected
    assert f"rl:bucket:global::{window}" in expected
    for key in expected:
        assert redis_client.get(key) == b"1"
        assert 20 < redis_client.ttl(key) <= 25


def test_refusal_begins_exactly_at_the_limit_and_counts_nothing(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    clock = Clock(START + 1)

    async def body(client: Redis) -> list[Decision]:
        limiter = RateLimiter(client, RateLimits(ip_rate=4), RedisHealth(), clock)
        return await many(limiter, 85)

    decisions = run(redis_server, body)
    assert [d.allowed for d in decisions] == [True] * 80 + [False] * 5  # 4/s over 20 s
    refused = decisions[80]
    assert (refused.scope, refused.rate) == ("ip", 4.0)
    assert refused.retry_after == 19  # every request sits in the newest window: 4 windows must pass
    assert redis_client.get(bucket_key("ip", "192.0.2.1", int(START // 5))) == b"80"
    assert redis_client.get(bucket_key("global", "", int(START // 5))) == b"80"


def test_windows_slide_and_retry_after_points_at_the_first_free_slot(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    clock = Clock(START)

    async def body(client: Redis) -> None:
        limiter = RateLimiter(client, RateLimits(ip_rate=1), RedisHealth(), clock)  # 20 per 20 s
        for second in range(0, 20, 5):  # 5 requests in each of four windows
            clock.now = START + second
            assert all(d.allowed for d in await many(limiter, 5))
        clock.now = START + 17
        refused = await limiter.check(app_key=None, app_id=None, ip="192.0.2.1")
        assert not refused.allowed and refused.retry_after == 3  # the first window leaves at +20
        clock.now = START + 20
        assert all(d.allowed for d in await many(limiter, 5))  # the oldest five are gone
        assert not (await limiter.check(app_key=None, app_id=None, ip="192.0.2.1")).allowed
        assert (await limiter.check(app_key=None, app_id=None, ip="192.0.2.2")).allowed  # another bucket

    run(redis_server, body)


def test_application_buckets_and_own_rates(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    clock = Clock(START + 1)
    limits = RateLimits(application_rate=1, ip_rate=100, applications={"fast": 3, "7": 2})

    async def body(client: Redis) -> None:
        limiter = RateLimiter(client, limits, RedisHealth(), clock)
        plain = await many(limiter, 21, app="slow")
        assert [d.allowed for d in plain] == [True] * 20 + [False]
        assert plain[-1].scope == "app"
        fast = await many(limiter, 61, app="fast", ip="192.0.2.9")
        assert [d.allowed for d in fast] == [True] * 60 + [False]
        by_id = [await limiter.check(app_key="other", app_id=7, ip="192.0.2.8") for _ in range(41)]
        assert [d.allowed for d in by_id] == [True] * 40 + [False]

    run(redis_server, body)
    window = int(START // 5)
    # An application with a rate of its own is not counted per IP.
    assert redis_client.get(bucket_key("ip", "192.0.2.9", window)) is None
    assert redis_client.get(bucket_key("ip", "192.0.2.1", window)) == b"20"


def test_ip_overrides_and_the_global_bucket(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    clock = Clock(START + 1)
    limits = RateLimits(global_rate=2, ip_rate=100, ips={"192.0.2.5": 0.5})

    async def body(client: Redis) -> None:
        limiter = RateLimiter(client, limits, RedisHealth(), clock)
        assert [d.allowed for d in await many(limiter, 11, ip="192.0.2.5")] == [True] * 10 + [False]
        others = [await limiter.check(app_key=None, app_id=None, ip=f"198.51.100.{i}") for i in range(31)]
        assert [d.allowed for d in others] == [True] * 30 + [False]
        assert others[-1].scope == "global"

    run(redis_server, body)


def test_concurrent_checks_from_two_servers_never_overshoot(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    clock = Clock(START + 1)

    async def body(client: Redis) -> list[Decision]:
        second = connect_redis(redis_server.url)
        try:
            limiters = [RateLimiter(c, RateLimits(ip_rate=4), RedisHealth(), clock) for c in (client, second)]
            checks = [limiters[i % 2].check(app_key=None, app_id=None, ip="192.0.2.1") for i in range(300)]
            return await asyncio.gather(*checks)
        finally:
            await second.aclose()

    decisions = run(redis_server, body)
    assert sum(d.allowed for d in decisions) == 80


def test_redis_away_serves_unchecked_and_logs_once(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture, tmp_path: object
) -> None:
    health = RedisHealth(clock=Clock(0.0))

    async def main() -> list[Decision]:
        client = connect_redis("unix:///nonexistent/redis.sock")
        limiter = RateLimiter(client, RateLimits(), health, Clock(START))
        try:
            decisions = [await limiter.check(app_key=None, app_id=None, ip="192.0.2.1")]
            health._retry_at = float("-inf")  # as if the back-off second had passed
            decisions.append(await limiter.check(app_key=None, app_id=None, ip="192.0.2.1"))
            decisions.append(await limiter.check(app_key=None, app_id=None, ip="192.0.2.1"))  # backing off
            return decisions
        finally:
            await client.aclose()

    with caplog.at_level(logging.WARNING, logger="acoustid_pg.web"):
        decisions = asyncio.run(main())
    assert all(d.allowed and not d.checked for d in decisions)
    assert health.details()["failures"] == 2 and health.details()["skipped"] == 1
    assert len([r for r in caplog.records if "Redis unreachable" in r.getMessage()]) == 1
