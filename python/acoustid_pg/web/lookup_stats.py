"""Lookup statistics through Redis: each lookup adds one to a hash field (no database
write on the request's path); ``flush`` later moves the sums into PostgreSQL.

Hash fields are JSON arrays, so no separator can be smuggled in through a user agent:
``stats:lookups`` holds ``["2026-11-28T10", app_id, "hit"|"miss"]`` and
``stats:user_agents`` holds ``["2026-11-28", app_id, ip, user_agent]``.

A flush first RENAMEs each hash to a unique ``...:flushing:<id>`` key (atomic: counts
arriving meanwhile start a new hash), writes the sums in one transaction per table, and
deletes the renamed hash only after the commit; a flush that dies half way leaves its
hash to be picked up by the next one (at worst counting a batch twice, never losing it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

import redis
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..stats_counts import LookupCount, StatsCounts, UserAgentCount
from .redis_health import RedisHealth

LOOKUPS: Final = "stats:lookups"
USER_AGENTS: Final = "stats:user_agents"
MAX_PENDING: Final = 1000  # counting tasks in flight; beyond this a count is dropped
MAX_USER_AGENT: Final = 1000


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class LookupCounter:
    """Counts lookups in Redis in the background of the request that made them."""

    def __init__(
        self, client: Redis, health: RedisHealth, clock: Callable[[], dt.datetime] = _utcnow
    ) -> None:
        self._redis = client
        self._health = health
        self._clock = clock
        self._pending: set[asyncio.Task[None]] = set()
        self.dropped = 0

    def count(self, application_id: int, *, hit: bool, user_agent: str, ip: str) -> None:
        """Schedule the counts; the caller does not wait for Redis."""
        if len(self._pending) >= MAX_PENDING or not self._health.available():
            self.dropped += 1
            return
        task = asyncio.ensure_future(self._count(application_id, hit, user_agent, ip))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _count(self, application_id: int, hit: bool, user_agent: str, ip: str) -> None:
        now = self._clock()
        lookup = json.dumps([now.strftime("%Y-%m-%dT%H"), application_id, "hit" if hit else "miss"])
        agent = json.dumps([now.strftime("%Y-%m-%d"), application_id, ip, user_agent[:MAX_USER_AGENT]])
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hincrby(LOOKUPS, lookup, 1)
                pipe.hincrby(USER_AGENTS, agent, 1)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._health.failed("lookup statistics", exc)

    async def drain(self) -> None:
        """Wait for the counts in flight (at shutdown, and in tests)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)


def _claim(client: redis.Redis, key: str) -> list[str]:
    """Rename the live hash aside (if any) and return every hash waiting to be flushed."""
    with contextlib.suppress(redis.ResponseError):  # no such key: nothing counted since the last flush
        client.rename(key, f"{key}:flushing:{uuid.uuid4().hex}")
    return sorted(k.decode() if isinstance(k, bytes) else k for k in client.scan_iter(f"{key}:flushing:*"))


def _fields(client: redis.Redis, key: str) -> dict[Any, int]:
    raw: dict[Any, Any] = client.hgetall(key)
    return {tuple(json.loads(field)): int(value) for field, value in raw.items()}


def flush(client: redis.Redis, counts: StatsCounts) -> tuple[int, int]:
    """Move the counted lookups and user agents into PostgreSQL; returns the rows written."""
    written = [0, 0]
    for key in (LOOKUPS, USER_AGENTS):
        for claimed in _claim(client, key):
            fields = _fields(client, claimed)
            if key == LOOKUPS:
                written[0] += counts.add_lookups(_lookup_counts(fields))
            else:
                written[1] += counts.add_user_agents(
                    UserAgentCount(dt.date.fromisoformat(day), app, agent, ip, n)
                    for (day, app, ip, agent), n in fields.items()
                )
            client.delete(claimed)  # only after the commit above
    return written[0], written[1]


def _lookup_counts(fields: dict[Any, int]) -> list[LookupCount]:
    hits: Counter[tuple[str, int]] = Counter()
    misses: Counter[tuple[str, int]] = Counter()
    for (hour, app, kind), n in fields.items():
        (hits if kind == "hit" else misses)[(hour, app)] += n
    return [
        LookupCount(
            dt.datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=dt.timezone.utc),
            app,
            hits[(hour, app)],
            misses[(hour, app)],
        )
        for hour, app in sorted(set(hits) | set(misses))
    ]
