"""Lookup statistics through Redis: each lookup adds one to a hash field (no database
write on the request's path). Moving the sums into PostgreSQL is the library's
``acoustid_pg.lookup_counts`` (run by ``acoustid-pg maintenance``, and by ``serve`` every
``flush_every`` seconds); the hash names and field shapes are described there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..lookup_counts import LOOKUPS, USER_AGENTS
from .redis_health import RedisHealth

MAX_BUFFERED: Final = 10_000  # distinct fields held between two writes; beyond this a count is dropped
MAX_USER_AGENT: Final = 1000
WRITE_EVERY: Final = 1.0  # seconds: the counts of that long go to Redis in one pipeline


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class LookupCounter:
    """Counts lookups in memory and adds the sums to Redis once a second, in one pipeline:
    a lookup costs no Redis round trip of its own (the rate limiter's is the only one), and
    a worker that dies loses at most its last second of counts."""

    def __init__(
        self,
        client: Redis,
        health: RedisHealth,
        clock: Callable[[], dt.datetime] = _utcnow,
        *,
        every: float = WRITE_EVERY,
    ) -> None:
        self._redis = client
        self._health = health
        self._clock = clock
        self._every = every
        self._lookups: Counter[str] = Counter()
        self._agents: Counter[str] = Counter()
        self._timer: asyncio.TimerHandle | None = None
        self._writing: set[asyncio.Task[None]] = set()
        self.dropped = 0

    def count(self, application_id: int, *, hit: bool, user_agent: str, ip: str) -> None:
        """Add the lookup to the counts; the caller does not wait for Redis."""
        if not self._health.available() or len(self._agents) >= MAX_BUFFERED:
            self.dropped += 1
            return
        now = self._clock()
        self._lookups[
            json.dumps([now.strftime("%Y-%m-%dT%H"), application_id, "hit" if hit else "miss"])
        ] += 1
        self._agents[
            json.dumps([now.strftime("%Y-%m-%d"), application_id, ip, user_agent[:MAX_USER_AGENT]])
        ] += 1
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._every, self._write_soon)

    def _write_soon(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self._write())
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _write(self) -> None:
        lookups, agents = self._lookups, self._agents
        self._lookups, self._agents = Counter(), Counter()
        if not lookups and not agents:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for field, n in lookups.items():
                    pipe.hincrby(LOOKUPS, field, n)
                for field, n in agents.items():
                    pipe.hincrby(USER_AGENTS, field, n)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self.dropped += sum(lookups.values())
            self._health.failed("lookup statistics", exc)

    async def drain(self) -> None:
        """Write the counts held now and wait for writes in flight (at shutdown, and in tests)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self._write()
        if self._writing:
            await asyncio.gather(*self._writing, return_exceptions=True)
