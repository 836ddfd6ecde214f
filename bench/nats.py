"""The message layer: submissions through NATS JetStream beside LISTEN/NOTIFY, the changelog
publisher's rate, and backfill rows/s, on the benchmark library (100,000 fingerprints;
``nats_small``: 10,000; ``nats_1m``: the publisher and the backfills only, on a million).

Imports run in worker processes (``acoustid-pg worker``, with ``--nats`` or on LISTEN), 1 or 2
of them; the figure is end to end: from the first submit (batches of 50, one message each)
until nothing is pending. A real nats-server and redis-server are started for the run.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from acoustid_pg.backfill import Backfill
from acoustid_pg.backfill_jobs import FingerprintDataJob, FpindexJob
from acoustid_pg.changelog_publisher import ChangelogPublisher
from acoustid_pg.cluster import Cluster
from acoustid_pg.fpindex import STREAM
from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.nats_server import NatsServer
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.submission import Submission

from . import library
from .ingest import submissions, submitter
from .report import print_table

SUBMISSIONS = 2000
SUBMIT_BATCH = 50
REPO = Path(__file__).resolve().parents[1]


def main(cluster: Cluster) -> None:
    run(cluster, 100_000)


def main_small(cluster: Cluster) -> None:
    run(cluster, 10_000)


def main_million(cluster: Cluster) -> None:
    run(cluster, 1_000_000, imports=False)


def run(cluster: Cluster, size: int, *, imports: bool = True) -> None:
    lib = library.build(cluster, size)
    rows: list[list[str]] = []
    with NatsServer.temporary() as nats, RedisServer.temporary() as redis_server:
        if imports:
            rows += import_rows(lib, nats.url)
        rows += stream_rows(lib, nats.url, redis_server)
    title = f"Message layer on {lib.size:,} fingerprints"
    if imports:
        title += f" ({SUBMISSIONS:,} submissions a run, batches of {SUBMIT_BATCH})"
    print_table(title, ["figure", "value", "detail"], rows)


def import_rows(lib: library.Library, nats_url: str) -> list[list[str]]:
    """Submit and import through NATS and LISTEN/NOTIFY, with one and two workers."""
    account_id, application_id = submitter(lib, "bench nats")
    rows: list[list[str]] = []
    for seed, (mode, workers) in enumerate(
        [("listen", 1), ("nats", 1), ("listen", 2), ("nats", 2)], start=21
    ):
        made = submissions(lib.size, account_id, application_id, seed=seed)[:SUBMISSIONS]
        seconds = import_through(lib, made, mode, workers, nats_url)
        how = "NATS JetStream" if mode == "nats" else "LISTEN/NOTIFY"
        rows.append(
            [f"submit + import, {how}, {workers} worker(s)", f"{len(made) / seconds:,.0f} submissions/s",
             f"{seconds:.1f} s for {len(made):,}"]
        )  # fmt: skip
    return rows


def stream_rows(lib: library.Library, nats_url: str, redis_server: RedisServer) -> list[list[str]]:
    """Publish the whole changelog, then backfill fingerprint_data and the fpindex stream."""
    rows: list[list[str]] = []
    client = redis_server.client()
    with lib.client(min_size=1, max_size=2) as db, JetStream.connect(nats_url) as js:
        newest = db.changelog.state().newest_id or 0
        publisher = ChangelogPublisher(db.pools, js, client, batch_size=1000)
        started = time.perf_counter()
        while publisher.publish_batch().published:
            pass
        seconds = time.perf_counter() - started
        rows.append(
            ["changelog publish to fpindex", f"{publisher.published / seconds:,.0f} changes/s",
             f"{publisher.published:,} changes (up to {newest:,}) in {seconds:.1f} s"]
        )  # fmt: skip
        with lib.connect() as conn:
            conn.execute("DELETE FROM fingerprint_data")
        report = Backfill(FingerprintDataJob(db.pools), client).run(batch_size=10_000)
        rows.append(
            ["backfill fingerprint-data", f"{report.rows / report.seconds:,.0f} rows/s",
             f"{report.rows:,} rows in {report.seconds:.1f} s, batches of 10,000"]
        )  # fmt: skip
        js.delete_stream(STREAM)
        client.delete("fpindex:publisher:cursor")
        report = Backfill(FpindexJob(db.pools, js, client), client).run(batch_size=10_000)
        rows.append(
            ["backfill fpindex (publish all)", f"{report.rows / report.seconds:,.0f} rows/s",
             f"{report.rows:,} rows in {report.seconds:.1f} s, batches of 10,000"]
        )  # fmt: skip
    return rows


def import_through(
    lib: library.Library, made: list[Submission], mode: str, workers: int, nats_url: str
) -> float:
    """Seconds from the first submit until every submission is imported, with ``workers`` processes."""
    host = lib.cluster.conninfo().replace(" dbname=postgres", "")
    names = lib.names
    command = [
        sys.executable, "-m", "acoustid_pg", "worker", "--dsn", host, "--app-db", names["app"],
        "--fingerprint-db", names["fingerprint"], "--ingest-db", names["ingest"], "--poll", "30",
        "--batch-size", "50",
    ]  # fmt: skip
    if mode == "nats":
        command += ["--nats", nats_url]
    processes = [
        subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    try:
        with lib.client(min_size=1, max_size=2, nats=nats_url if mode == "nats" else None) as client:
            time.sleep(2.0)  # the workers connected and waiting
            started = time.perf_counter()
            for first in range(0, len(made), SUBMIT_BATCH):
                client.submit_many(made[first : first + SUBMIT_BATCH])
            with lib.connect("ingest") as ingest:
                while True:
                    left = ingest.execute("SELECT count(*) FROM pending_submission").fetchone()
                    if left is not None and left[0] == 0:
                        break
                    time.sleep(0.01)
            return time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(60)
