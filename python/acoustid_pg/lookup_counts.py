"""Moving the web service's lookup counts from Redis into PostgreSQL (``stats_lookups``,
``stats_user_agents``): the maintenance job ``acoustid-pg maintenance`` runs it, and
``acoustid-pg serve`` too, every ``[web] flush_every`` seconds.

The service adds one to a Redis hash field per lookup (``acoustid_pg.web.lookup_stats``).
Hash fields are JSON arrays, so no separator can be smuggled in through a user agent:
``stats:lookups`` holds ``["2026-11-28T10", app_id, "hit"|"miss"]`` and
``stats:user_agents`` holds ``["2026-11-28", app_id, ip, user_agent]``.

A flush first RENAMEs each hash to a unique ``...:flushing:<id>`` key (atomic: counts
arriving meanwhile start a new hash), writes its sums in one transaction, and deletes the
renamed hash right after the commit. A flush killed before a commit leaves its renamed
hash for the next flush (nothing lost, nothing counted twice); only a kill between a
commit and the DEL that follows it would let that one hash be counted again.
Flushes are serialized by a lock key, so two flushers never take the same hash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

import redis

from .errors import ConnectError, SettingsError
from .stats_counts import LookupCount, StatsCounts, UserAgentCount

LOOKUPS: Final = "stats:lookups"
USER_AGENTS: Final = "stats:user_agents"
FLUSH_LOCK: Final = "stats:flush:lock"
FLUSH_LOCK_TTL: Final = 300  # seconds; a flusher that died frees the lock by then
REDIS_TIMEOUT: Final = 10.0
REDIS_SCHEMES: Final = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class FlushReport:
    """What a flush moved: rows written to each table, and the Redis hashes emptied."""

    lookup_rows: int = 0
    user_agent_rows: int = 0
    hashes: int = 0
    busy: bool = False  # another process held the flush lock: nothing was done

    def describe(self) -> str:
        if self.busy:
            return "skipped: another flush is running"
        return (
            f"{self.lookup_rows} stats_lookups rows and {self.user_agent_rows} stats_user_agents "
            f"rows written from {self.hashes} Redis hash(es)"
        )


def _claim(client: redis.Redis, key: str) -> list[str]:
    """Rename the live hash aside (if any) and return every hash waiting to be flushed
    (including those a flush that died left behind)."""
    with contextlib.suppress(redis.ResponseError):  # no such key: nothing counted since the last flush
        client.rename(key, f"{key}:flushing:{uuid.uuid4().hex}")
    return sorted(k.decode() if isinstance(k, bytes) else k for k in client.scan_iter(f"{key}:flushing:*"))


def _fields(client: redis.Redis, key: str) -> dict[Any, int]:
    raw: dict[Any, Any] = client.hgetall(key)
    return {tuple(json.loads(field)): int(value) for field, value in raw.items()}


def flush(client: redis.Redis, counts: StatsCounts) -> FlushReport:
    """Move the counted lookups and user agents into PostgreSQL (the caller holds the lock,
    or knows no one else flushes)."""
    lookup_rows = user_agent_rows = hashes = 0
    for key in (LOOKUPS, USER_AGENTS):
        for claimed in _claim(client, key):
            fields = _fields(client, claimed)
            if key == LOOKUPS:
                lookup_rows += counts.add_lookups(_lookup_counts(fields))
            else:
                user_agent_rows += counts.add_user_agents(
                    UserAgentCount(dt.date.fromisoformat(day), app, agent, ip, n)
                    for (day, app, ip, agent), n in fields.items()
                )
            client.delete(claimed)  # only after the commit above
            hashes += 1
    return FlushReport(lookup_rows, user_agent_rows, hashes)


def flush_locked(client: redis.Redis, counts: StatsCounts) -> FlushReport:
    """``flush`` unless another process is flushing now (then a report with ``busy``)."""
    token = uuid.uuid4().hex
    if not client.set(FLUSH_LOCK, token, nx=True, ex=FLUSH_LOCK_TTL):
        return FlushReport(busy=True)
    try:
        return flush(client, counts)
    finally:
        if client.get(FLUSH_LOCK) == token.encode():
            client.delete(FLUSH_LOCK)


def check_redis_url(redis_url: object) -> str:
    """``redis_url`` if it is a Redis URL (checked before anything is done with it)."""
    if not isinstance(redis_url, str) or not redis_url.startswith(REDIS_SCHEMES):
        raise SettingsError(f"lookup counts: a Redis URL starts with {', '.join(REDIS_SCHEMES)}")
    return redis_url


def flush_url(redis_url: str, counts: StatsCounts) -> FlushReport:
    """``flush_locked`` against the Redis at ``redis_url`` (a connection of its own)."""
    check_redis_url(redis_url)
    try:
        client = redis.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
    except ValueError as exc:
        raise SettingsError(f"lookup counts: bad Redis URL {redis_url[:80]!r}: {exc}") from None
    try:
        return flush_locked(client, counts)
    except redis.RedisError as exc:
        raise ConnectError(f"lookup counts: Redis at {redis_url[:80]!r} failed: {exc}") from exc
    finally:
        client.close()


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
