"""API keys: how they are made, the digest the database stores instead of them, and the
in-process cache of valid ones (keyed on that digest too).

The driver makes each key (``secrets``) and hashes it (SHA-256) itself, so a key never reaches
the server: no table, statement log, ``pg_stat_activity`` row or server error holds one. Keys
are 240 random bits, so a plain (unkeyed, unsalted) SHA-256 cannot be reversed by guessing,
and an index lookup of the digest finds a key without comparing it character by character.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from typing import Final, Generic, TypeVar

from cachetools import TTLCache

# The seed's TTLCache(maxsize=1000, ttl=60): a deactivated key may work for up to a minute
# in another process; in this one, deactivation invalidates its entry at once.
API_KEY_CACHE_TTL: Final = 60.0
API_KEY_CACHE_SIZE: Final = 1000
MAX_APIKEY_LENGTH: Final = 40  # what keys were when the column held them (varchar(40))
APIKEY_BYTES: Final = 30  # 30 random bytes are exactly 40 URL-safe base64 characters (240 bits)
DIGEST_SIZE: Final = 32  # SHA-256; the apikey_hash columns CHECK it

T = TypeVar("T")


def new_apikey() -> str:
    """A fresh key: 40 characters of ``A-Za-z0-9-_`` (keys travel in URLs)."""
    return secrets.token_urlsafe(APIKEY_BYTES)


def apikey_hash(apikey: str) -> bytes:
    """What the ``apikey_hash`` columns hold for ``apikey``: SHA-256 of its UTF-8 bytes (the
    same as ``sha256(convert_to(apikey, 'UTF8'))``, which migration app/0004 stored)."""
    return hashlib.sha256(apikey.encode()).digest()


class ApiKeyCache(Generic[T]):
    """Valid keys of one kind, by digest, and what they resolved to (an Application or an Account).

    Only digests are stored, never keys. Only valid keys are stored. ``invalidate`` bumps a
    generation number, and ``put`` drops a value read before the latest invalidation, so a
    validation racing with a deactivation cannot cache the deactivated key again.
    """

    def __init__(
        self,
        *,
        ttl: float = API_KEY_CACHE_TTL,
        maxsize: int = API_KEY_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # cachetools' TTLCache is not thread-safe: every access below holds the lock.
        self._entries: TTLCache[bytes, T] = TTLCache(maxsize=maxsize, ttl=ttl, timer=clock)
        self._lock = threading.Lock()
        self._generation = 0

    def generation(self) -> int:
        """Take this before reading the database; give it back to ``put``."""
        with self._lock:
            return self._generation

    def get(self, digest: bytes) -> T | None:
        with self._lock:
            return self._entries.get(digest)

    def get_or_load(self, digest: bytes, load: Callable[[bytes], T]) -> T:
        """The cached value, or what ``load(digest)`` returns (it raises for a key that is not
        valid), cached unless an invalidation came while it was loading."""
        cached = self.get(digest)
        if cached is not None:
            return cached
        generation = self.generation()
        value = load(digest)
        self.put(digest, value, generation)
        return value

    def put(self, digest: bytes, value: T, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self._entries[digest] = value

    def invalidate(self, digest: bytes) -> None:
        with self._lock:
            self._generation += 1
            self._entries.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def digests(self) -> list[bytes]:
        """What the cache is keyed on (for tests and diagnostics: digests only, never keys)."""
        with self._lock:
            self._entries.expire()
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)
