"""Lookup latency, recall and false positives through the driver; the naive plans; bulk load;
storage per fingerprint. 1,000 queries (half of stored tracks, half unknown) per database size.

Known queries follow the spec: the stored track with its first 0-10 items dropped, each bit
flipped with probability 0.03, and a duration within ±2 s. The naive plans, one statement
each, run on a sample of the same queries (a sequential scan costs seconds a query).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from acoustid_pg.cluster import Cluster

from . import data, library
from .report import load_average, print_table

QUERIES = 1000
NAIVE_SAMPLE = 40
ONE_QUERY_SAMPLE = 200
CLIENTS = 4

# Sequential scan, compare2 on every row of the duration window. The thresholds are the schema's
# named constants (folded by the planner), so the comparison plans use the lookup's own values.
NAIVE_SCAN = """
SELECT f.track_id, acoustid_compare2(f.fingerprint, %(q)s::int4[], acoustid_track_max_offset()) AS score
FROM fingerprint AS f
WHERE f.length BETWEEN %(d)s - acoustid_fingerprint_max_length_diff()
        AND %(d)s + acoustid_fingerprint_max_length_diff()
    AND acoustid_compare2(f.fingerprint, %(q)s::int4[], acoustid_track_max_offset())
        > acoustid_lookup_min_score()
ORDER BY score DESC LIMIT 10
"""
# The spec's "plain one-query plan": index conditions for both, the planner picks.
ONE_QUERY = """
SELECT f.track_id, acoustid_compare2(f.fingerprint, %(q)s::int4[], acoustid_track_max_offset()) AS score
FROM fingerprint AS f
WHERE f.length BETWEEN %(d)s - acoustid_fingerprint_max_length_diff()
        AND %(d)s + acoustid_fingerprint_max_length_diff()
    AND acoustid_extract_query(f.fingerprint) && acoustid_extract_query(%(q)s::int4[])
    AND acoustid_compare2(f.fingerprint, %(q)s::int4[], acoustid_track_max_offset())
        > acoustid_lookup_min_score()
ORDER BY score DESC LIMIT 10
"""


def queries(size: int, seed: int = 7) -> list[tuple[list[int], int, str | None]]:
    """(items, duration, expected gid or None) for known and unknown tracks, shuffled."""
    rng = random.Random(seed)
    walks = library.walks()
    result: list[tuple[list[int], int, str | None]] = []
    for n in rng.sample(range(size), QUERIES // 2):
        track = walks.track(n)
        result.append(
            (data.noisy_query(rng, list(track.items)), track.duration + rng.randint(-2, 2), track.gid)
        )
    for n in range(QUERIES // 2):
        stranger = walks.track(size + n)  # never stored
        result.append((list(stranger.items), stranger.duration, None))
    rng.shuffle(result)
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1000:.2f}"


def timed_sql(
    conn: psycopg.Connection[Any], sql: str, sample: list[tuple[list[int], int, str | None]]
) -> list[float]:
    times = []
    for items, duration, _ in sample:
        started = time.perf_counter()
        conn.execute(sql, {"q": items, "d": duration}).fetchall()
        times.append(time.perf_counter() - started)
    return times


def run(cluster: Cluster, size: int) -> None:
    before = load_average()
    lib = library.build(cluster, size)
    sample = queries(size)
    with lib.client(min_size=1, max_size=2) as client:
        lookups = client.lookup
        as_loaded, found, false_positives = one_client(client, sample)
        with lib.connect() as conn:
            loaded, prewarm_seconds = library.prewarm(conn)
        times, found_warm, false_positives_warm = one_client(client, sample)
        assert (found_warm, false_positives_warm) == (found, false_positives), "answers changed"
        known = sum(1 for *_, gid in sample if gid is not None)
        concurrent = concurrent_latencies(lib, sample, CLIENTS)
        naive_sample = sample[:NAIVE_SAMPLE]
        ours_on_naive_sample = [lookups_time(lookups, q) for q in naive_sample]
    with lib.connect() as conn:
        conn.execute("SET jit = off")
        one_query = timed_sql(conn, ONE_QUERY, sample[:ONE_QUERY_SAMPLE])
        conn.execute("SET enable_indexscan = off")
        conn.execute("SET enable_bitmapscan = off")
        naive = timed_sql(conn, NAIVE_SCAN, naive_sample)
        sizes = storage(conn)
    speed_up = statistics.median(naive) / statistics.median(ours_on_naive_sample)
    rows = [
        ["fingerprints stored", f"{lib.size:,}", ""],
        ["lookup p50 / p99 (driver, 1,000 queries) as loaded",
         f"{ms(as_loaded, 0.5)} / {ms(as_loaded, 0.99)} ms",
         "right after the load: pages come into shared buffers as lookups touch them"],
        ["pg_prewarm of what lookups read", f"{loaded / 1e6:,.0f} MB", f"{prewarm_seconds:.1f} s"],
        ["lookup p50 / p99 (driver, 1,000 queries), prewarmed", f"{ms(times, 0.5)} / {ms(times, 0.99)} ms",
         f"mean {statistics.mean(times) * 1000:.2f} ms, max {max(times) * 1000:.1f} ms"],
        [f"lookup p50 / p99, {CLIENTS} concurrent clients, prewarmed",
         f"{ms(concurrent, 0.5)} / {ms(concurrent, 0.99)} ms",
         f"{len(concurrent):,} lookups; target p99 15 ms at 1M"],
        ["recall: known track first", f"{found / known:.1%}", f"{found} of {known}"],
        ["false positives: unknown tracks with a match", f"{false_positives}", f"of {QUERIES - known}"],
        [f"naive plan: seq scan + compare2 on the window ({NAIVE_SAMPLE} queries)",
         f"p50 {ms(naive, 0.5)} ms", f"p99 {ms(naive, 0.99)} ms"],
        ["speed-up over the naive plan (medians, same queries)", f"{speed_up:,.0f}x", ""],
        [f"one-query plan, planner's choice ({ONE_QUERY_SAMPLE} queries)",
         f"p50 {ms(one_query, 0.5)} ms", f"p99 {ms(one_query, 0.99)} ms"],
        ["storage per fingerprint (table + indexes)", f"{sizes['total'] / lib.size:,.0f} bytes",
         ", ".join(f"{name} {value / lib.size:,.0f}" for name, value in sizes.items() if name != "total")],
    ]  # fmt: skip
    print_table(
        f"Lookup, {lib.size:,} synthetic fingerprints (load average {before} before, {load_average()} after)",
        ["figure", "value", "detail"],
        rows,
    )


def one_client(client: Any, sample: list[tuple[list[int], int, str | None]]) -> tuple[list[float], int, int]:
    """Latencies of the sample's lookups after 100 to warm the caches; known tracks found first,
    unknown ones with a match."""
    for items, duration, _ in sample[:100]:
        client.lookup(items, duration)
    times, found, false_positives = [], 0, 0
    for items, duration, gid in sample:
        started = time.perf_counter()
        matches = client.lookup(items, duration)
        times.append(time.perf_counter() - started)
        if gid is None:
            false_positives += bool(matches)
        elif matches and str(matches[0].track_gid) == gid:
            found += 1
    return times, found, false_positives


def concurrent_latencies(
    lib: library.Library, sample: list[tuple[list[int], int, str | None]], clients: int
) -> list[float]:
    """Every client (a thread with its own connection) runs the whole sample, shifted."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client_run(offset: int) -> None:
        with lib.client(min_size=1, max_size=1) as client:
            mine = []
            for n in range(len(sample)):
                items, duration, _ = sample[(n + offset) % len(sample)]
                started = time.perf_counter()
                client.lookup(items, duration)
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [
        threading.Thread(target=client_run, args=(k * len(sample) // clients,)) for k in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def lookups_time(lookup: Callable[[list[int], int], Any], query: tuple[list[int], int, str | None]) -> float:
    started = time.perf_counter()
    lookup(query[0], query[1])
    return time.perf_counter() - started


def storage(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Bytes of the fingerprint table (heap, TOAST) and of each of its indexes."""
    heap, toast = conn.execute(
        "SELECT pg_relation_size(oid), coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0)"
        " FROM pg_class WHERE oid = 'fingerprint'::regclass"
    ).fetchone() or (0, 0)
    sizes = {"heap": heap, "toast": toast}
    for name, size in conn.execute(
        "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index"
        " WHERE indrelid = 'fingerprint'::regclass ORDER BY 2 DESC"
    ).fetchall():
        sizes[name.removeprefix("fingerprint_")] = size
    sizes["total"] = sum(sizes.values())
    return sizes


def main(cluster: Cluster) -> None:
    run(cluster, 100_000)


def main_million(cluster: Cluster) -> None:
    run(cluster, 1_000_000)
