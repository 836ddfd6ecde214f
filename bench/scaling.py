"""The scaling curve: one database grown step by step (100k, 300k, 1M, 3M fingerprints unless
told: ``python -m bench scaling 100k 300k``), measured at every size.

Each step loads the tracks up to the next size as an operator would (bench/library.py's
``grow``: drop the lookup indexes, COPY, build them, VACUUM ANALYZE), then measures lookups
(bench/lookup.py), an append of APPEND fingerprints to the live database with lookups
running (bench/bulk.py), imports with one and two workers (bench/ingest.py), storage, and
the memory a lookup needs hot. The appended and imported recordings come from track numbers
far beyond every step, so no later step loads them twice.
"""

from __future__ import annotations

import re
import statistics
from typing import Any

import psycopg

from acoustid_pg.cluster import Cluster

from . import bulk, ingest, library, lookup
from .report import load_average, print_table

SIZES = [100_000, 300_000, 1_000_000, 3_000_000]
APPEND = 10_000
FRESH = 1_000_000_000  # track numbers of appended and imported recordings, per step beyond this
BUFFER_SAMPLE = 100  # lookups whose pages are counted


def parse_sizes(words: list[str]) -> list[int]:
    """``100k``, ``1M``, ``300000`` -> numbers of fingerprints, ascending."""
    sizes = []
    for word in words:
        match = re.fullmatch(r"(\d+)([kKmM]?)", word.replace(",", "").replace("_", ""))
        if not match:
            raise ValueError(f"not a number of fingerprints: {word!r} (e.g. 100k, 1M, 300000)")
        sizes.append(int(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()])
    if sizes != sorted(set(sizes)) or not all(sizes):
        raise ValueError(f"sizes must grow: {', '.join(words)}")
    return sizes


def main(cluster: Cluster, sizes: list[int] | None = None) -> None:
    sizes = sizes or SIZES
    lib: library.Library | None = None
    for step, size in enumerate(sizes):
        before = load_average()
        if lib is None:
            lib = library.build(cluster, size, prefix="scale")
        else:
            library.grow(lib, size - lib.size)
        rows = load_rows(lib, size if step == 0 else size - sizes[step - 1])
        rows += lookup_rows(lib)
        fresh = FRESH + step * 10_000_000
        rows += bulk.append_rows(lib, size, count=APPEND, start=fresh + 5_000_000)
        lib.size -= APPEND  # queries pick stored tracks below lib.size: the appended ones are beyond
        rows += ingest.import_rows(lib, fresh=fresh)
        rows += storage_rows(lib)
        print_table(
            f"Scaling: {size:,} fingerprints loaded (load average {before} before, {load_average()} after)",
            ["figure", "value", "detail"],
            rows,
        )


def load_rows(lib: library.Library, loaded: int) -> list[list[str]]:
    indexes = sum(lib.index_wall.values())
    total = lib.copy_seconds + indexes + lib.vacuum_seconds
    gin = lib.index_seconds.get("fingerprint_query_idx", float("nan"))
    return [
        [f"bulk load of {loaded:,} (COPY, index builds, VACUUM)", f"{loaded / total:,.0f} fingerprints/s",
         f"{total:.0f} s; COPY {loaded / lib.copy_seconds:,.0f}/s"],
        ["index builds over the whole table (wall)", f"{indexes:.1f} s",
         ", ".join(f"{n.removeprefix('fingerprint_')} {s:.1f} s" for n, s in lib.index_seconds.items())],
        ["query-term GIN build", f"{lib.size * 120 / gin:,.0f} keys/s",
         f"maintenance_work_mem {lib.gin_memory}"],
    ]  # fmt: skip


def lookup_rows(lib: library.Library) -> list[list[str]]:
    sample = lookup.queries(lib.size)
    with lib.client(min_size=1, max_size=2) as client:
        times, found, false_positives = lookup.one_client(client, sample)
    concurrent = lookup.concurrent_latencies(lib, sample, lookup.CLIENTS)
    known = sum(1 for *_, gid in sample if gid is not None)
    with lib.connect() as conn:
        pages = lookup_pages(conn, sample[:BUFFER_SAMPLE])
    return [
        ["lookup p50 / p99, one client", f"{lookup.ms(times, 0.5)} / {lookup.ms(times, 0.99)} ms",
         f"{len(times):,} lookups"],
        [f"lookup p50 / p99, {lookup.CLIENTS} clients",
         f"{lookup.ms(concurrent, 0.5)} / {lookup.ms(concurrent, 0.99)} ms", f"{len(concurrent):,} lookups"],
        ["recall / false positives", f"{found / known:.1%} / {false_positives}",
         f"of {known} / {len(sample) - known}"],
        ["buffer pages a lookup touches (median)", f"{statistics.median(pages):,.0f}",
         f"max {max(pages):,} (a page touched twice counts twice)"],
    ]  # fmt: skip


def lookup_pages(conn: psycopg.Connection[Any], sample: list[tuple[list[int], int, str | None]]) -> list[int]:
    """Shared buffers (hit or read) each lookup's statements touch, the function's own included."""
    pages = []
    for items, duration, _ in sample:
        plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM acoustid_lookup(%s::int4[], %s)",
            [items, duration],
        ).fetchone()
        top = plan[0][0]["Plan"] if plan else {}
        pages.append(int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0)))
    return pages


def storage_rows(lib: library.Library) -> list[list[str]]:
    with lib.connect() as conn:
        conn.execute("VACUUM ANALYZE fingerprint")
        rows = conn.execute("SELECT count(*) FROM fingerprint").fetchone()
        count = rows[0] if rows else 1
        sizes = lookup.storage(conn)
        whole = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    gin = sizes.get("query_idx", 0)
    hot = gin + sizes["heap"]
    return [
        ["whole fingerprint database", f"{(whole[0] if whole else 0) / count:,.0f} bytes/fp",
         f"{(whole[0] if whole else 0) / 1e9:.2f} GB for {count:,} rows"],
        ["table plus its indexes", f"{sizes['total'] / count:,.0f} bytes/fp",
         ", ".join(f"{n} {v / count:,.0f}" for n, v in sizes.items() if n != "total")],
        ["memory to keep lookups hot: GIN + heap", f"{hot / 1e6:,.0f} MB",
         f"GIN {gin / 1e6:,.0f} MB; + items (TOAST) {sizes['toast'] / 1e6:,.0f} MB for candidates"],
    ]  # fmt: skip
