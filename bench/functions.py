"""SQL calls per second of the fingerprint functions, one backend, 20,000 pairs.

compare2 is also measured against the spec-literal dense implementation (the
reference algorithm: a 64 KiB table cleared per call and a 16,383-slot walk),
built as a benchmark-only module and run in the same backend, same data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from acoustid_pg import fingerprint
from acoustid_pg.cluster import Cluster

from . import data
from .report import median_seconds, print_table

ROOT = Path(__file__).resolve().parents[1]
PAIRS = 20_000


def build_reference_module() -> Path:
    """Compile bench/reference into a directory the server user can read."""
    build = Path(tempfile.mkdtemp(prefix="acoustid-bench-"))
    os.chmod(build, 0o755)
    for name in ("Makefile", "dense_module.c"):
        shutil.copy(ROOT / "bench" / "reference" / name, build / name)
    subprocess.run(
        ["make", "-s", "-C", str(build), f"CORE_TEST_DIR={ROOT / 'ext' / 'test' / 'core'}", "with_llvm=no"],
        check=True,
        capture_output=True,
    )
    return build / "acoustid_dense_reference.so"


def load_pairs(conn: psycopg.Connection, pairs: list[tuple[list[int], list[int]]]) -> None:
    """Pairs stored inline and uncompressed (STORAGE PLAIN), as a lookup-tuned
    fingerprint table would, so that the figures measure the functions rather
    than TOAST fetches; the compressed strings live in a table of their own."""
    conn.execute("CREATE TABLE pairs (id int PRIMARY KEY, a int4[] NOT NULL, b int4[] NOT NULL)")
    conn.execute("ALTER TABLE pairs ALTER a SET STORAGE PLAIN, ALTER b SET STORAGE PLAIN")
    conn.execute("CREATE TABLE strings (id int PRIMARY KEY, c text NOT NULL)")
    with conn.cursor().copy("COPY pairs (id, a, b) FROM STDIN") as copy:
        for n, (a, b) in enumerate(pairs):
            copy.write_row((n, a, b))
    with conn.cursor().copy("COPY strings (id, c) FROM STDIN") as copy:
        for n, (_, b) in enumerate(pairs):
            copy.write_row((n, fingerprint.encode_fingerprint(b)))
    conn.execute("VACUUM ANALYZE pairs")
    conn.execute("VACUUM ANALYZE strings")


def run(cluster: Cluster) -> list[list[str]]:
    module = build_reference_module()
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_functions")
        conn.execute("CREATE DATABASE bench_functions")
    with psycopg.connect(cluster.conninfo("bench_functions"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION acoustid")  # requires nothing
        conn.execute("SET max_parallel_workers_per_gather = 0")
        conn.execute("SET jit = off")
        conn.execute(
            f"CREATE FUNCTION dense_compare2(int4[], int4[], int4) RETURNS float4"
            f" AS '{module}', 'dense_compare2_sql' LANGUAGE c IMMUTABLE STRICT"
        )
        load_pairs(conn, data.pairs(PAIRS))
        differing = conn.execute(
            "SELECT count(*) FILTER (WHERE acoustid_compare2(a, b, 80) <> dense_compare2(a, b, 80)),"
            " count(*) FILTER (WHERE acoustid_compare2(a, b) <> dense_compare2(a, b, 0)) FROM pairs"
        ).fetchone()
        assert differing == (0, 0), f"compare2 differs from the reference on {differing} pairs"

        def timed(expression: str, table: str = "pairs") -> float:
            sql = f"SELECT sum({expression}) FROM {table}"
            return median_seconds(lambda: conn.execute(sql).fetchone())

        scan = timed("cardinality(a) + cardinality(b)")
        string_scan = timed("length(c)", "strings")
        figures = {
            "acoustid_compare2(a, b, 80)": (timed("acoustid_compare2(a, b, 80)"), scan),
            "reference compare2 (dense)": (timed("dense_compare2(a, b, 80)"), scan),
            "acoustid_compare(a, b)": (timed("acoustid_compare(a, b)"), scan),
            "acoustid_extract_query(a)": (timed("cardinality(acoustid_extract_query(a))"), scan),
            "acoustid_decode_fingerprint(c)": (
                timed("cardinality(acoustid_decode_fingerprint(c))", "strings"),
                string_scan,
            ),
        }
    shutil.rmtree(module.parent, ignore_errors=True)
    rows = []
    for name, (seconds, baseline) in figures.items():
        net = max(seconds - baseline, 1e-9)
        rows.append([name, f"{PAIRS / seconds:,.0f}", f"{PAIRS / net:,.0f}", f"{net / PAIRS * 1e6:.2f}"])
    ours, _ = figures["acoustid_compare2(a, b, 80)"]
    reference, _ = figures["reference compare2 (dense)"]
    rows.append(
        [
            "compare2 speed-up over reference",
            f"{reference / ours:.2f}x",
            f"{(reference - scan) / (ours - scan):.2f}x",
            "",
        ]
    )
    return rows


def run_cffi() -> list[list[str]]:
    from array import array

    pairs = [(array("i", a), array("i", b)) for a, b in data.pairs(PAIRS)]

    def loop() -> None:
        for a, b in pairs:
            fingerprint.compare2(a, b, 80)

    seconds = median_seconds(loop)
    return [["fingerprint.compare2 via cffi", f"{PAIRS / seconds:,.0f}", f"{PAIRS / seconds:,.0f}",
             f"{seconds / PAIRS * 1e6:.2f}"]]  # fmt: skip


def main(cluster: Cluster) -> None:
    rows = run(cluster) + run_cffi()
    print_table(
        f"Fingerprint functions: {PAIRS:,} pairs of 950-item fingerprints, one backend, median of 5",
        ["function", "calls/s", "calls/s net of scan", "µs/call net"],
        rows,
    )
