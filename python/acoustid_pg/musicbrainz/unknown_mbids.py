"""The ``unknown_mbid:{mbid}`` cache in Redis: MBIDs the MusicBrainz mirror does not have.

A track's MBID that MusicBrainz does not know (a typo'd tag, a deleted recording) would
otherwise be looked for in the mirror on every lookup of that track. Once the mirror
has answered "no such recording", the MBID is remembered for an hour (``TTL_SECONDS``);
the key holds when it was first seen missing (UTC, ISO 8601). Redis is a cache here:
when it is down or slow, lookups ask the mirror as if nothing were cached.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Collection
from datetime import datetime, timezone
from typing import Final

import redis

log = logging.getLogger("acoustid_pg.musicbrainz")

KEY_PREFIX: Final = "unknown_mbid:"
TTL_SECONDS: Final = 3600
_LOG_INTERVAL: Final = 60.0  # seconds between two log lines about Redis being away


def key(mbid: uuid.UUID) -> str:
    return f"{KEY_PREFIX}{mbid}"


class UnknownMbidCache:
    """MBIDs known to be missing from the mirror; ``hits`` counts those answered from Redis."""

    def __init__(self, client: redis.Redis, ttl: int = TTL_SECONDS) -> None:
        self._client = client
        self.ttl = ttl
        self.hits = 0
        self._last_log = float("-inf")

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 0.25) -> UnknownMbidCache:
        """A cache on the Redis at ``url`` (redis://host:port/db or unix:///path.sock), short timeouts."""
        return cls(redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout))

    def missing(self, mbids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Which of ``mbids`` the mirror was found to lack within the last hour."""
        ordered = list(mbids)
        if not ordered:
            return set()
        try:
            values = self._client.mget([key(mbid) for mbid in ordered])
        except redis.RedisError as exc:
            self._failed(exc)
            return set()
        found = {mbid for mbid, value in zip(ordered, values) if value is not None}
        self.hits += len(found)
        return found

    def remember(self, mbids: Collection[uuid.UUID]) -> None:
        """Note that the mirror lacks ``mbids`` (the first sighting's time is kept)."""
        if not mbids:
            return
        seen = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for mbid in mbids:
                    pipe.set(key(mbid), seen, ex=self.ttl, nx=True)
                pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_log >= _LOG_INTERVAL:
            self._last_log = now
            log.warning("Redis unreachable for the unknown-MBID cache (%s): asking the mirror", exc)
