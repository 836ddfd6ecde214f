"""Bulk loading: a first load end to end (COPY, index builds, VACUUM ANALYZE), an append to the
live database with lookups running, GIN build speed against maintenance_work_mem, and where
the bytes of the whole fingerprint database go.

``bulk`` runs at 100,000 fingerprints, ``bulk_1m`` at 1,000,000 (the issue's sizes; long:
run it on its own). Generating the synthetic rows is timed apart and left out of every rate.
"""

from __future__ import annotations

import statistics
import threading
import time

from acoustid_pg.bulk import FingerprintRow
from acoustid_pg.cluster import Cluster

from . import library
from .lookup import ms, queries
from .report import load_average, print_table

APPEND_FRACTION = 10  # append a tenth of the database (100,000 to 1M)
GIN_MEMORY = ["16MB", "64MB", "256MB", "1GB"]
GIN_SAMPLE = 100_000  # rows the maintenance_work_mem comparison builds over


def main(cluster: Cluster) -> None:
    run(cluster, 100_000)


def main_million(cluster: Cluster) -> None:
    run(cluster, 1_000_000, gin_curve=False)


def run(cluster: Cluster, size: int, *, gin_curve: bool = True) -> None:
    before = load_average()
    lib = library.build(cluster, size)
    if not lib.copy_seconds:
        print(f"\nbulk {size:,}: the database came from an earlier run, no load figures")
        return
    total = lib.copy_seconds + sum(lib.index_wall.values()) + lib.vacuum_seconds
    keys = size * 120
    gin = lib.index_seconds.get("fingerprint_query_idx", float("nan"))
    rows = [
        ["COPY phase (tracks, fingerprint, fingerprint_data, changelog)",
         f"{size / lib.copy_seconds:,.0f} fingerprints/s", f"{lib.copy_seconds:.1f} s; target 20,000/s"],
        ["index builds, two connections (wall)", f"{sum(lib.index_wall.values()):.1f} s",
         ", ".join(f"{n.removeprefix('fingerprint_')} {s:.1f} s" for n, s in lib.index_seconds.items())],
        ["GIN of query terms", f"{keys / gin:,.0f} keys/s",
         f"{keys:,} keys, maintenance_work_mem {lib.gin_memory}"],
        ["VACUUM ANALYZE", f"{lib.vacuum_seconds:.1f} s", ""],
        ["first load end to end (empty to lookups answering)", f"{size / total:,.0f} fingerprints/s",
         f"{total:.0f} s; target 5,000/s at 1M; data generation {lib.generation_seconds:.0f} s left out"],
    ]  # fmt: skip
    rows += append_rows(lib, size)
    if gin_curve:
        rows += gin_memory_rows(lib, min(size, GIN_SAMPLE))
    print_table(
        f"Bulk load of {size:,} synthetic fingerprints"
        f" (load average {before} before, {load_average()} after)",
        ["figure", "value", "detail"],
        rows,
    )
    print_storage(lib)


def append_rows(
    lib: library.Library, size: int, *, count: int | None = None, start: int | None = None
) -> list[list[str]]:
    """Append ``count`` tracks from ``start`` on (a tenth of the database, from 10 x size on, unless
    told) to it while one client keeps looking up."""
    count = count or size // APPEND_FRACTION
    sample = queries(size)
    stop = threading.Event()
    latencies: list[float] = []
    with lib.client(min_size=1, max_size=3) as client:
        for items, duration, _ in sample[:100]:
            client.lookup(items, duration)  # warm

        def look_up() -> None:
            n = 0
            while not stop.is_set():
                items, duration, _ = sample[n % len(sample)]
                started = time.perf_counter()
                client.lookup(items, duration)
                latencies.append(time.perf_counter() - started)
                n += 1

        looker = threading.Thread(target=look_up)
        looker.start()
        rows = library.GenerationTimer(
            FingerprintRow(t.items, t.duration, t.gid)
            for t in library.tracks(count, start=10 * size if start is None else start)
        )
        started = time.perf_counter()
        try:
            client.bulk_load(rows)
        finally:
            stop.set()
            looker.join()
        seconds = time.perf_counter() - started - rows.seconds
    lib.size += count
    return [
        [f"append {count:,} to the live database, lookups running", f"{count / seconds:,.0f} fingerprints/s",
         f"{seconds:.1f} s; target 3,000/s"],
        ["lookups meanwhile (one client) p50 / p99", f"{ms(latencies, 0.5)} / {ms(latencies, 0.99)} ms",
         f"{len(latencies):,} lookups"],
    ]  # fmt: skip


def gin_memory_rows(lib: library.Library, rows: int) -> list[list[str]]:
    """Build the query-term GIN over the first ``rows`` fingerprints at several memory sizes."""
    out = []
    with lib.connect() as conn:
        conn.execute(
            f"CREATE TABLE gin_sample AS SELECT fingerprint FROM fingerprint ORDER BY id LIMIT {rows}"
        )
        for memory in GIN_MEMORY:
            conn.execute(f"SET maintenance_work_mem = '{memory}'")
            times = []
            for _ in range(2):
                started = time.perf_counter()
                conn.execute(
                    "CREATE INDEX gin_sample_idx ON gin_sample"
                    " USING gin (acoustid_extract_query(fingerprint) gin__int_ops) WITH (fastupdate = false)"
                )
                times.append(time.perf_counter() - started)
                conn.execute("DROP INDEX gin_sample_idx")
            seconds = statistics.median(times)
            out.append([f"GIN build, maintenance_work_mem {memory}", f"{rows * 120 / seconds:,.0f} keys/s",
                        f"{seconds:.1f} s for {rows:,} rows (median of 2)"])  # fmt: skip
        conn.execute("DROP TABLE gin_sample")
    return out


def print_storage(lib: library.Library) -> None:
    """Every relation of the fingerprint database, per fingerprint, largest first."""
    with lib.connect() as conn:
        conn.execute("VACUUM ANALYZE")
        relations = conn.execute(
            """SELECT CASE
                WHEN c.relkind = 't' THEN (SELECT o.relname FROM pg_class AS o WHERE o.reltoastrelid = c.oid)
                    || ' (TOAST)'
                WHEN n.nspname = 'pg_toast' THEN (
                    SELECT o.relname FROM pg_class AS o JOIN pg_index AS i ON i.indrelid = o.reltoastrelid
                    WHERE i.indexrelid = c.oid
                ) || ' (TOAST index)'
                ELSE c.relname END,
                pg_relation_size(c.oid)
            FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm')
            ORDER BY 2 DESC"""
        ).fetchall()
        database = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    size = lib.size
    whole = database[0] if database else 0
    rows = [["whole fingerprint database", f"{whole / size:,.0f}", f"{whole / 1e9:.2f} GB; target 8,000"]]
    for name, nbytes in relations:
        if nbytes / size >= 1:
            rows.append([name, f"{nbytes / size:,.1f}", f"{nbytes / 1e6:,.1f} MB"])
    print_table(f"Storage per fingerprint at {size:,} (bytes)", ["relation", "bytes/fp", "size"], rows)
