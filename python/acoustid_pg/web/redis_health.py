"""Serving on without Redis: failures are counted, logged at most once a minute, and
Redis is left alone for a moment after each one so requests do not queue on timeouts."""

from __future__ import annotations

import logging
import time
from typing import Any, Final

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

log = logging.getLogger("acoustid_pg.web")

LOG_INTERVAL: Final = 60.0  # seconds between two log lines about Redis being away
RETRY_AFTER: Final = 1.0  # seconds without trying Redis after a failure


class RedisHealth:
    """How often Redis failed us, shared by the rate limiter and the lookup statistics."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self.failures = 0
        self.skipped = 0
        self.last_error: str | None = None
        self._last_log = float("-inf")
        self._retry_at = float("-inf")

    def available(self) -> bool:
        """False for a short while after a failure (each such skip is counted too)."""
        if self._clock() < self._retry_at:
            self.skipped += 1
            return False
        return True

    def failed(self, what: str, exc: BaseException) -> None:
        now = self._clock()
        self.failures += 1
        self.last_error = f"{what}: {type(exc).__name__}: {exc}"
        self._retry_at = now + RETRY_AFTER
        if now - self._last_log >= LOG_INTERVAL:
            self._last_log = now
            log.warning(
                "Redis unreachable (%s); serving without rate limits and lookup statistics "
                "(%d failures so far; next log line in a minute at the earliest)",
                self.last_error,
                self.failures,
            )

    def details(self) -> dict[str, Any]:
        return {"failures": self.failures, "skipped": self.skipped, "last_error": self.last_error}


def connect_redis(url: str, *, max_connections: int = 64, timeout: float = 0.5) -> Redis:
    """An asyncio Redis client whose pool waits for a free connection (a burst of requests
    must queue for the pool, not fail as "too many connections") with short timeouts, so
    a Redis that hangs costs a request at most ``timeout`` seconds before it is served anyway."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # redis-py's default retries would hold a request for seconds
    )
    return Redis(connection_pool=pool)
