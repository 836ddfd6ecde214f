"""A deployment holding N synthetic fingerprints for the lookup and import benchmarks.

Fingerprints follow the spec's random walk (bench/data.py): each item flips 0 to 6
random bits of the one before. Drawing a million of them item by item in Python
takes half an hour, so a walk here xors its way through a random window of one
long, seeded sequence of such flips (itertools.accumulate does it in C); walks
that start from different items and windows do not resemble each other.
Durations are uniform in 60..600 s (so a ±7 s window holds ~2.6% of the rows, as
in the spec's measurement); fpcalc covers the first 120 s: 950 items at most.
"""

from __future__ import annotations

import functools
import random
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from operator import xor
from typing import Any, Protocol

import psycopg

import acoustid_pg
from acoustid_pg import indexes, migrate, synthetic
from acoustid_pg.api import AcoustID
from acoustid_pg.bulk import FingerprintRow
from acoustid_pg.cluster import Cluster
from acoustid_pg.settings import EXTENSIONS

from . import data

FLIPS = 1 << 22
ITEMS_PER_SECOND = data.TRACK_ITEMS / 120


@dataclass
class Track:
    gid: str
    items: array[int]
    duration: int


class Walks:
    """Seeded random-walk fingerprints, fast; ``track(n)`` is the same whenever it is asked for."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        rng = random.Random(seed)
        flips = []
        for _ in range(FLIPS):
            mask = 0
            for _ in range(rng.randrange(7)):
                mask ^= 1 << rng.randrange(32)
            flips.append(mask)
        self.flips = flips

    def walk(self, rng: random.Random, length: int) -> array[int]:
        start = rng.randrange(FLIPS - length)
        unsigned = array(
            "I", accumulate(self.flips[start : start + length], xor, initial=rng.getrandbits(32))
        )
        return array("i", unsigned[1:].tobytes())  # the same bits as signed int4

    def track(self, n: int) -> Track:
        rng = random.Random(self.seed * 10_000_019 + n)
        duration = rng.randint(60, 600)
        items = self.walk(rng, round(min(duration, 120) * ITEMS_PER_SECOND))
        return Track(f"00000000-0000-4000-8000-{n:012x}", items, duration)


class Generator(Protocol):
    def track(self, n: int) -> Track: ...


# Which generator the libraries hold: "walk" (the spec's random walk, above) or "calibrated"
# (acoustid_pg.synthetic's model fitted to fpcalc output, see bench/calibration.py).
GENERATORS = ("walk", "calibrated")
_generator = "walk"


def use_generator(name: str) -> None:
    """Make every library and query that follows come from generator ``name``."""
    global _generator
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}; choose one of {', '.join(GENERATORS)}")
    _generator = name


class CalibratedWalks:
    """The calibrated generator with this module's durations and gids."""

    def __init__(self, seed: int) -> None:
        self.model = synthetic.CalibratedModel(seed)
        self.seed = seed

    def track(self, n: int) -> Track:
        rng = random.Random(self.seed * 10_000_019 + n)
        duration = rng.randint(60, 600)
        items = self.model.fingerprint(rng, round(min(duration, 120) * ITEMS_PER_SECOND))
        return Track(f"00000000-0000-4000-8000-{n:012x}", items, duration)


@functools.lru_cache(maxsize=4)
def _walks(seed: int, generator: str) -> Generator:
    return CalibratedWalks(seed) if generator == "calibrated" else Walks(seed)


def walks(seed: int = 1) -> Generator:
    return _walks(seed, _generator)


def tracks(count: int, seed: int = 1, start: int = 0) -> Iterator[Track]:
    generator = walks(seed)
    for n in range(start, start + count):
        yield generator.track(n)


@dataclass
class Library:
    """A migrated deployment holding ``size`` fingerprints (track n has gid ...-n)."""

    cluster: Cluster
    prefix: str
    size: int
    copy_seconds: float = 0.0
    generation_seconds: float = 0.0
    index_seconds: dict[str, float] = field(default_factory=dict)  # each index's build
    index_wall: dict[str, float] = field(default_factory=dict)  # {"all": wall time of the builds}
    vacuum_seconds: float = 0.0
    gin_memory: str = ""

    @property
    def names(self) -> dict[str, str]:
        return {database: f"{self.prefix}_{database}" for database in migrate.DATABASES}

    def client(self, **options: Any) -> AcoustID:
        host = self.cluster.conninfo().replace(" dbname=postgres", "")
        return acoustid_pg.connect(host, **self.names, **options)

    def connect(self, database: str = "fingerprint") -> psycopg.Connection[Any]:
        return psycopg.connect(self.cluster.conninfo(self.names[database]), autocommit=True)


class GenerationTimer:
    """Wraps an iterator and adds up the time spent making its items (to leave it out)."""

    def __init__(self, items: Iterator[FingerprintRow]) -> None:
        self.items = items
        self.seconds = 0.0

    def __iter__(self) -> GenerationTimer:
        return self

    def __next__(self) -> FingerprintRow:
        started = time.perf_counter()
        try:
            return next(self.items)
        finally:
            self.seconds += time.perf_counter() - started


_BUILT: dict[tuple[str, str], Library] = {}  # within one run of the benchmarks


def build(cluster: Cluster, size: int, *, seed: int = 1, prefix: str = "bench") -> Library:
    """Create (or reuse, within one benchmark run) the deployment and load it as an operator would.

    What ``bulk_load(rows, rebuild_indexes=True)`` does, one phase at a time so each can be
    timed (see ``grow``). A library of the calibrated generator has its own databases.
    """
    prefix = f"{prefix}{size}" + ("cal" if _generator == "calibrated" else "")
    key = (str(cluster.base_dir), prefix)
    if key in _BUILT:
        return _BUILT[key]
    library = _BUILT[key] = Library(cluster, prefix, 0)
    with psycopg.connect(cluster.conninfo(), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [library.names["fingerprint"]])
        if exists.fetchone():  # a persistent cluster's earlier run: no load figures then
            library.size = size
            return library
        for database, name in library.names.items():
            admin.execute(f"CREATE DATABASE {name}")
            with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
                for extension in EXTENSIONS[database]:  # what init creates
                    conn.execute(f"CREATE EXTENSION {extension}")
                migrate.upgrade(conn, database)
    grow(library, size, seed=seed)
    return library


def grow(library: Library, count: int, *, seed: int = 1) -> None:
    """Load tracks library.size .. library.size + count - 1 as an operator would, timing each phase:
    drop the lookup indexes, COPY, build them (two connections), then VACUUM ANALYZE."""
    with library.connect() as conn:
        indexes.drop_lookup_indexes(conn)
        library.gin_memory = str(conn.execute("SHOW maintenance_work_mem").fetchone()[0])  # type: ignore[index]
    rows = GenerationTimer(
        FingerprintRow(t.items, t.duration, t.gid) for t in tracks(count, seed, start=library.size)
    )
    with library.client(min_size=1, max_size=2) as client:
        started = time.perf_counter()
        client.bulk_load(rows)
        library.generation_seconds = rows.seconds
        library.copy_seconds = time.perf_counter() - started - rows.seconds
        started = time.perf_counter()
        library.index_seconds = client.indexes.restore()
        library.index_wall["all"] = time.perf_counter() - started
    started = time.perf_counter()
    with library.connect() as conn:
        conn.execute("VACUUM ANALYZE fingerprint")
        conn.execute("VACUUM ANALYZE fingerprint_data")
        conn.execute("VACUUM ANALYZE track")
    library.vacuum_seconds = time.perf_counter() - started
    library.size += count


# What a lookup reads, in the order pg_prewarm loads it (the last loaded stays if they do not
# all fit): the fingerprint table's own pages and indexes, then the tracks and their MBIDs.
# Not the items' TOAST (4 GB at a million): a lookup reads only its few candidates' items.
_LOOKUP_RELATIONS = """
SELECT c.oid FROM pg_class AS c
WHERE c.oid IN ('fingerprint'::regclass, 'track'::regclass, 'track_mbid'::regclass)
    OR c.oid IN (SELECT indexrelid FROM pg_index
        WHERE indrelid IN ('fingerprint'::regclass, 'track'::regclass, 'track_mbid'::regclass))
ORDER BY c.relkind = 'r' DESC, pg_relation_size(c.oid) DESC
"""


def prewarm(conn: psycopg.Connection[Any]) -> tuple[int, float]:
    """Load what lookups read into shared buffers (pg_prewarm), as a server that has been
    answering lookups for a while holds it: the bytes loaded and the seconds it took."""
    started = time.perf_counter()
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    loaded = 0
    for (oid,) in conn.execute(_LOOKUP_RELATIONS).fetchall():
        row = conn.execute(
            "SELECT pg_prewarm(%s::regclass) * current_setting('block_size')::bigint", [oid]
        ).fetchone()
        loaded += row[0] if row else 0
    return loaded, time.perf_counter() - started
