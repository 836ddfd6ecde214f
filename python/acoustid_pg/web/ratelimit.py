"""The rate limiter: request counters in Redis, one check-and-count per request, atomic.

Each scope (``global``, ``app``, ``ip``) counts requests in 5-second windows under
``rl:bucket:{scope}:{identifier}:{window}`` (25 s TTL). A request is allowed when, in
every scope that applies, the current window plus the three before it (20 s) hold fewer
than ``rate * 20`` requests; then it is counted in each of them. The check and the counts
happen in one Lua script, so two servers never both take the last slot (AcoustID's
INCR/GET/DECR sequence can), and a refused request counts nowhere.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .redis_health import RedisHealth

WINDOW: Final = 5  # seconds
WINDOWS: Final = 4  # the current window and the three before it
SPAN: Final = WINDOW * WINDOWS
TTL: Final = SPAN + WINDOW  # a window is read for 20 s after it starts; 25 s keeps it safely

# KEYS: WINDOWS keys per bucket, newest first. ARGV[1]: TTL; ARGV[1 + b]: bucket b's limit.
# Returns {0, 0} when allowed (and counted), else {b, k}: bucket b is full until its k
# oldest windows have left.
CHECK_AND_COUNT: Final = """
local windows = @WINDOWS@
local ttl = tonumber(ARGV[1])
local buckets = #ARGV - 1
for b = 1, buckets do
  local limit = tonumber(ARGV[b + 1])
  local counts = {}
  local total = 0
  for w = 1, windows do
    counts[w] = tonumber(redis.call('GET', KEYS[(b - 1) * windows + w]) or '0')
    total = total + counts[w]
  end
  if total + 1 > limit then
    local leaving = 0
    while leaving < windows and total + 1 > limit do
      total = total - counts[windows - leaving]
      leaving = leaving + 1
    end
    return {b, leaving}
  end
end
for b = 1, buckets do
  local key = KEYS[(b - 1) * windows + 1]
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ttl)
end
return {0, 0}
""".replace("@WINDOWS@", str(WINDOWS))


@dataclass(frozen=True)
class RateLimits:
    """Requests per second: defaults, and overrides by application (key or id) and by IP."""

    global_rate: float = 100.0
    application_rate: float = 10.0
    ip_rate: float = 4.0
    applications: Mapping[str, float] = field(default_factory=dict)
    ips: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rate: float = 0.0  # the rate of the bucket that refused
    scope: str = ""
    retry_after: int = 0  # whole seconds until a request can fit again
    checked: bool = True  # False when Redis was away and the request went through unchecked


def bucket_key(scope: str, identifier: str, window: int) -> str:
    return f"rl:bucket:{scope}:{identifier}:{window}"


class RateLimiter:
    def __init__(
        self,
        redis: Redis,
        limits: RateLimits,
        health: RedisHealth,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limits = limits
        self._health = health
        self._clock = clock
        self._script: Any = redis.register_script(CHECK_AND_COUNT)

    def buckets(self, app_key: str | None, app_id: int | None, ip: str) -> list[tuple[str, str, float]]:
        """(scope, identifier, rate) of every bucket a request counts against, in check order."""
        limits = self._limits
        chosen: list[tuple[str, str, float]] = []
        own_rate = None
        if app_key is not None:
            own_rate = limits.applications.get(app_key)
            if own_rate is None and app_id is not None:
                own_rate = limits.applications.get(str(app_id))
            chosen.append(("app", app_key, limits.application_rate if own_rate is None else own_rate))
        chosen.append(("global", "", limits.global_rate))
        if own_rate is None:  # an application with a rate of its own is not limited per IP
            chosen.append(("ip", ip, limits.ips.get(ip, limits.ip_rate)))
        return chosen

    async def check(self, *, app_key: str | None, app_id: int | None, ip: str) -> Decision:
        """Allow and count the request, or say which bucket is full and for how long."""
        if not self._health.available():
            return Decision(allowed=True, checked=False)
        now = self._clock()
        window = int(now // WINDOW)
        buckets = self.buckets(app_key, app_id, ip)
        keys = [
            bucket_key(scope, identifier, window - age)
            for scope, identifier, _ in buckets
            for age in range(WINDOWS)
        ]
        limits = [repr(float(rate * SPAN)) for _, _, rate in buckets]
        try:
            refused, leaving = await self._script(keys=keys, args=[TTL, *limits])
        except (RedisError, OSError) as exc:
            self._health.failed("rate limiter", exc)
            return Decision(allowed=True, checked=False)
        if not refused:
            return Decision(allowed=True)
        scope, _, rate = buckets[int(refused) - 1]
        free_at = (window + int(leaving)) * WINDOW
        return Decision(allowed=False, rate=rate, scope=scope, retry_after=max(1, math.ceil(free_at - now)))
