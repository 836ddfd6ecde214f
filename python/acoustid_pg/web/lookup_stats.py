"""Lookup statistics through Redis: each lookup adds one to a hash field (no database
write on the request's path). Moving the sums into PostgreSQL is the library's
``acoustid_pg.lookup_counts`` (run by ``acoustid-pg maintenance``, and by ``serve`` every
``flush_every`` seconds); the hash names and field shapes are described there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..lookup_counts import LOOKUPS, USER_AGENTS
from .redis_health import RedisHealth

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
