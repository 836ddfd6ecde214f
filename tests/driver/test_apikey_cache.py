"""The API key cache (cachetools' TTLCache behind a lock and a generation counter), with a clock the
tests move."""

from __future__ import annotations

import threading

from acoustid_pg.apikeys import ApiKeyCache
from tests.support.management import FakeClock


def _cache(clock: FakeClock, maxsize: int = 10) -> ApiKeyCache[int]:
    return ApiKeyCache(ttl=60, maxsize=maxsize, clock=clock)


def test_entries_expire_after_ttl() -> None:
    clock = FakeClock()
    cache = _cache(clock)
    cache.put("a", 1, cache.generation())
    clock.now += 59.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    assert len(cache) == 0


def test_put_restarts_the_ttl() -> None:
    clock = FakeClock()
    cache = _cache(clock)
    cache.put("a", 1, cache.generation())
    clock.now += 50
    cache.put("a", 2, cache.generation())
    clock.now += 50
    assert cache.get("a") == 2


def test_full_cache_drops_expired_then_oldest() -> None:
    clock = FakeClock()
    cache = _cache(clock, maxsize=3)
    cache.put("old", 0, cache.generation())
    clock.now += 30
    cache.put("b", 1, cache.generation())
    cache.put("c", 2, cache.generation())
    clock.now += 31  # "old" has expired, b and c have not
    cache.put("d", 3, cache.generation())
    assert [cache.get(k) for k in ("old", "b", "c", "d")] == [None, 1, 2, 3]
    cache.put("e", 4, cache.generation())  # nothing expired: the least recently used (b) goes
    assert [cache.get(k) for k in ("b", "c", "d", "e")] == [None, 2, 3, 4]


def test_threads_never_overfill_or_corrupt_it() -> None:
    cache: ApiKeyCache[int] = ApiKeyCache(ttl=60, maxsize=50)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                key = (offset * 7 + i) % 200
                cache.put(f"key-{key}", key, cache.generation())
                value = cache.get(f"key-{key}")
                assert value is None or value == key
                if i % 10 == 0:
                    cache.invalidate(f"key-{key}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 50


def test_api_key_cache_matches_the_whole_key() -> None:
    cache: ApiKeyCache[str] = ApiKeyCache(clock=FakeClock())
    cache.put("key-one", "app 1", cache.generation())
    assert cache.get("key-one") == "app 1"
    assert cache.get("key-on") is None
    assert cache.get("key-one ") is None


def test_api_key_cache_drops_a_value_read_before_an_invalidation() -> None:
    cache: ApiKeyCache[str] = ApiKeyCache(clock=FakeClock())
    generation = cache.generation()  # a validation starts reading the database ...
    cache.invalidate("key")  # ... the key is deactivated meanwhile ...
    cache.put("key", "stale", generation)  # ... and the stale answer must not be cached
    assert cache.get("key") is None
    cache.put("key", "fresh", cache.generation())
    assert cache.get("key") == "fresh"


def test_api_key_cache_expires_after_sixty_seconds() -> None:
    clock = FakeClock()
    cache: ApiKeyCache[str] = ApiKeyCache(clock=clock)
    cache.put("key", "app", cache.generation())
    clock.now += 59
    assert cache.get("key") == "app"
    clock.now += 1
    assert cache.get("key") is None
