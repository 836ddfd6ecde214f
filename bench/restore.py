"""Point-in-time recovery of a loaded deployment with pgBackRest (``python -m bench restore``,
``restore_1m`` for the million): how long a full backup takes and stores, and how long a restore
to a moment before a mistake takes, the server stopped to the server open for writes."""

from __future__ import annotations

import time

import psycopg

from acoustid_pg import backup
from acoustid_pg.cluster import Cluster

from . import library
from .report import print_table


def run(cluster: Cluster, size: int) -> None:
    lib = library.build(cluster, size)
    backup.configure(cluster, report=lambda _: None)
    started = time.perf_counter()
    full = backup.run_backup(cluster, "full")
    backup_seconds = time.perf_counter() - started
    with lib.connect() as conn:
        while conn.execute("SELECT clock_timestamp()").fetchone()[0] < backup.inventory(cluster).earliest:  # type: ignore[index]
            time.sleep(0.1)
        noted = conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
        time.sleep(0.5)
        conn.execute("DELETE FROM fingerprint WHERE id % 10 = 0")  # the mistake: a tenth of the rows
    result = backup.restore(cluster, noted, report=lambda _: None)
    with psycopg.connect(cluster.conninfo(lib.names["fingerprint"])) as conn:
        count = conn.execute("SELECT count(*) FROM fingerprint").fetchone()[0]  # type: ignore[index]
    assert count == size, f"restored {count} fingerprints, expected {size}"
    print_table(
        f"Point-in-time recovery, {size:,} fingerprints (pgBackRest, lz4, 2 processes)",
        ["figure", "value"],
        [
            ["cluster size", f"{full.size / 1e9:.2f} GB"],
            ["full backup", f"{backup_seconds:.1f} s, {full.stored / 1e9:.2f} GB stored"],
            ["restore to a time (delta), stop to open", f"{result.seconds:.1f} s"],
        ],
    )


def main(cluster: Cluster) -> None:
    run(cluster, 100_000)


def main_million(cluster: Cluster) -> None:
    run(cluster, 1_000_000)
