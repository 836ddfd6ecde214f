"""``acoustid-pg bench``: a quick performance check of this installation.

On the configured (or embedded) server it makes scratch databases, measures
the SQL functions and the in-process core on synthetic pairs, bulk-loads
synthetic tracks and times lookups of noisy copies and of unknown prints, then
drops the scratch databases. The repository's ``make bench`` measures more.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from array import array
from typing import Any

from .. import fingerprint, synthetic
from ..api import AcoustID
from ..bulk import FingerprintRow
from ..settings import DATABASES
from . import connection_options, settings_from_args
from .schema import drop_databases, initialize

SCRATCH = {database: f"acoustid_bench_{database}" for database in DATABASES}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        parents=[connection_options()],
        help="measure this installation: function calls/s, bulk load, lookup latency",
        description=__doc__,
    )
    parser.add_argument("--pairs", type=int, default=5000, help="fingerprint pairs for the function figures")
    parser.add_argument("--tracks", type=int, default=2000, help="synthetic tracks to load")
    parser.add_argument("--lookups", type=int, default=200, help="lookups to time")
    parser.set_defaults(run=run_bench)


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s"


def _functions(client: AcoustID, pairs: list[tuple[list[int], list[int]]]) -> None:
    with client.connection("fingerprint") as conn:
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
            print(f"{label:<32}{_rate(len(pairs), statistics.median(times))}")
        conn.execute("DROP TABLE bench_pairs")
    arrays = [(array("i", a), array("i", b)) for a, b in pairs]
    started = time.perf_counter()
    for stored, query in arrays:
        fingerprint.compare2(stored, query, 80)
    print(f"{'compare2 in Python (cffi)':<32}{_rate(len(arrays), time.perf_counter() - started)}")


def _lookups(client: AcoustID, tracks: int, lookups: int, rng: random.Random) -> None:
    stored = [synthetic.walk(rng) for _ in range(tracks)]
    started = time.perf_counter()
    client.bulk_load(FingerprintRow(items, 120) for items in stored)
    print(f"{'bulk load (COPY)':<32}{_rate(tracks, time.perf_counter() - started)}")
    with client.connection("fingerprint") as conn:
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
    print(f"{'lookup latency p50 / p99':<32}{cuts[49] * 1000:>9.2f} / {cuts[98] * 1000:.2f} ms")
    print(f"{'known tracks found':<32}{found:>12} of {(lookups + 1) // 2}")
    print(f"{'unknown prints matched':<32}{false_hits:>12} of {lookups // 2}")


def run_bench(args: argparse.Namespace) -> int:
    for database in DATABASES:
        setattr(args, f"{database}_db", SCRATCH[database])
    args.dbname = None
    settings = settings_from_args(args)
    rng = random.Random(2026)
    drop_databases(settings)
    initialize(settings, report=lambda line: None)
    try:
        print(f"acoustid-pg bench: {args.pairs:,} pairs, {args.tracks:,} tracks, {args.lookups:,} lookups")
        with AcoustID(settings, min_size=1, max_size=2) as client:
            _functions(client, synthetic.pairs(args.pairs))
            _lookups(client, args.tracks, args.lookups, rng)
    finally:
        drop_databases(settings)
    return 0
