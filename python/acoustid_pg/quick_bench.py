"""A quick performance check of an installation (``acoustid-pg bench``).

On the given server it makes scratch databases, measures the SQL functions and the
in-process core on synthetic pairs, bulk-loads synthetic tracks and times lookups of
noisy copies and of unknown prints, then drops the scratch databases. The repository's
``make bench`` measures more.
"""

from __future__ import annotations

import random
import statistics
import time
from array import array
from collections.abc import Callable

from . import deploy, fingerprint, synthetic
from .api import AcoustID
from .bulk import FingerprintRow
from .settings import ALL_DATABASES, Settings

SCRATCH = {database: f"acoustid_bench_{database}" for database in ALL_DATABASES}
Report = Callable[[str], None]


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s"


def _functions(client: AcoustID, pairs: list[tuple[list[int], list[int]]], report: Report) -> None:
    with client.pools.connection("fingerprint", "bench") as conn:
        conn.execute("CREATE TEMP TABLE bench_pairs (a int4[], b int4[])")
        with conn.cursor().copy("COPY bench_pairs (a, b) FROM STDIN") as copy:
            for a, b in pairs:
                copy.write_row((a, b))
        for label, expression in (
            ("acoustid_compare2 (SQL)", "acoustid_compare2(a, b, 80)"),
            ("acoustid_extract_query (SQL)", "cardinality(acoustid_extract_query(a))"),
        ):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                conn.execute(f"SELECT sum({expression}) FROM bench_pairs").fetchone()
                times.append(time.perf_counter() - started)
            report(f"{label:<32}{_rate(len(pairs), statistics.median(times))}")
        conn.execute("DROP TABLE bench_pairs")
    arrays = [(array("i", a), array("i", b)) for a, b in pairs]
    started = time.perf_counter()
    for stored, query in arrays:
        fingerprint.compare2(stored, query, 80)
    report(f"{'compare2 in Python (cffi)':<32}{_rate(len(arrays), time.perf_counter() - started)}")


def _lookups(client: AcoustID, tracks: int, lookups: int, rng: random.Random, report: Report) -> None:
    stored = [synthetic.walk(rng) for _ in range(tracks)]
    started = time.perf_counter()
    client.bulk_load(FingerprintRow(items, 120) for items in stored)
    report(f"{'bulk load (COPY)':<32}{_rate(tracks, time.perf_counter() - started)}")
    with client.pools.connection("fingerprint", "bench") as conn:
        conn.execute("ANALYZE fingerprint")
    latencies, found, false_hits = [], 0, 0
    for n in range(lookups):
        known = n % 2 == 0
        target = stored[rng.randrange(tracks)]
        query = synthetic.noisy_query(rng, target) if known else synthetic.walk(rng)
        started = time.perf_counter()
        matches = client.lookup(query, 120)
        latencies.append(time.perf_counter() - started)
        if known:
            found += bool(matches) and matches[0].score > 0.5
        else:
            false_hits += bool(matches)
    cuts = statistics.quantiles(latencies, n=100)
    report(f"{'lookup latency p50 / p99':<32}{cuts[49] * 1000:>9.2f} / {cuts[98] * 1000:.2f} ms")
    report(f"{'known tracks found':<32}{found:>12} of {(lookups + 1) // 2}")
    report(f"{'unknown prints matched':<32}{false_hits:>12} of {lookups // 2}")


def run(settings: Settings, *, pairs: int, tracks: int, lookups: int, report: Report = print) -> None:
    """Measure on scratch databases (``settings`` names them: see ``SCRATCH``), dropped afterwards."""
    rng = random.Random(2026)
    deploy.drop_databases(settings)
    deploy.initialize(settings, report=lambda line: None)
    try:
        report(f"acoustid-pg bench: {pairs:,} pairs, {tracks:,} tracks, {lookups:,} lookups")
        with AcoustID(settings, min_size=1, max_size=2) as client:
            _functions(client, synthetic.pairs(pairs), report)
            _lookups(client, tracks, lookups, rng, report)
    finally:
        deploy.drop_databases(settings)
