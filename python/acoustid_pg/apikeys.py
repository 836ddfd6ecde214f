"""API keys: how they are made (pgcrypto random bytes) and the in-process cache of valid ones."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from typing import Final, Generic, TypeVar

from cachetools import TTLCache

# The seed's TTLCache(maxsize=1000, ttl=60): a deactivated key may work for up to a minute
# in another process; in this one, deactivation invalidates its entry at once.
API_KEY_CACHE_TTL: Final = 60.0
API_KEY_CACHE_SIZE: Final = 1000
MAX_APIKEY_LENGTH: Final = 40  # the apikey columns are varchar(40)

# 30 random bytes are exactly 40 base64 characters (240 bits); '+' and '/' become '-' and '_'
# because keys travel in URLs.
NEW_APIKEY_SQL: Final = "translate(encode(gen_random_bytes(30), 'base64'), '+/', '-_')"

T = TypeVar("T")


def _digest(apikey: str) -> bytes:
    # The cache is keyed by a digest, so a dict lookup never compares secrets character by character.
    return hashlib.sha256(apikey.encode()).digest()


class ApiKeyCache(Generic[T]):
    """Valid keys of one kind and what they resolved to (an Application or an Account).

    Only valid keys are stored. ``invalidate`` bumps a generation number, and
    ``put`` drops a value read before the latest invalidation, so a validation
    racing with a deactivation cannot cache the deactivated key again.
    """

    def __init__(
        self,
        *,
        ttl: float = API_KEY_CACHE_TTL,
        maxsize: int = API_KEY_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # cachetools' TTLCache is not thread-safe: every access below holds the lock.
        self._entries: TTLCache[bytes, tuple[str, T]] = TTLCache(maxsize=maxsize, ttl=ttl, timer=clock)
        self._lock = threading.Lock()
        self._generation = 0

    def generation(self) -> int:
        """Take this before reading the database; give it back to ``put``."""
        with self._lock:
            return self._generation

    def get(self, apikey: str) -> T | None:
        with self._lock:
            entry = self._entries.get(_digest(apikey))
        if entry is None:
            return None
        stored, value = entry
        return value if hmac.compare_digest(stored.encode(), apikey.encode()) else None

    def get_or_load(self, apikey: str, load: Callable[[str], T]) -> T:
        """The cached value, or what ``load(apikey)`` returns (it raises for a key that is not
        valid), cached unless an invalidation came while it was loading."""
        cached = self.get(apikey)
        if cached is not None:
            return cached
        generation = self.generation()
        value = load(apikey)
        self.put(apikey, value, generation)
        return value

    def put(self, apikey: str, value: T, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self._entries[_digest(apikey)] = (apikey, value)

    def invalidate(self, apikey: str) -> None:
        with self._lock:
            self._generation += 1
            self._entries.pop(_digest(apikey), None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)
