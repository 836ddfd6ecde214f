"""Import throughput: one worker, then two, importing submissions into the 100,000-fingerprint
database (``ingest``) or the 1,000,000 one (``ingest_1m``).

Half of the submissions are noisy copies of stored tracks (they join them), half are new
recordings (a new track each); each carries an MBID and metadata. Submitting is timed on
its own (submit_many, one transaction per 500).
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import threading
import time
import uuid
from pathlib import Path

from acoustid_pg.api import AcoustID
from acoustid_pg.cluster import Cluster
from acoustid_pg.submission import Submission
from acoustid_pg.worker import Worker

from . import data, library
from .report import load_average, print_table

SUBMISSIONS = 4000
SUBMIT_BATCH = 500
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROUNDS = 3  # runs of SUBMISSIONS for each number of workers; the median is reported


def submissions(
    size: int, account: int, application: int, seed: int = 11, fresh: int | None = None
) -> list[Submission]:
    """Half noisy copies of stored tracks, half new recordings: tracks from ``fresh`` on (2 x size
    unless told) that nothing stored comes from."""
    rng = random.Random(seed)
    walks = library.walks()
    fresh = 2 * size if fresh is None else fresh
    made = []
    for n in range(SUBMISSIONS):
        track = walks.track(rng.randrange(size) if n % 2 == 0 else fresh + seed * SUBMISSIONS + n)
        items = data.noisy_query(rng, list(track.items)) if n % 2 == 0 else list(track.items)
        made.append(
            Submission.create(
                items, track.duration + rng.randint(-2, 2), mbids=[uuid.UUID(int=rng.getrandbits(128))],
                meta={"track": f"title {n}", "artist": f"artist {n % 97}"},
                account_id=account, application_id=application, format="mp3", bitrate=192,
            )
        )  # fmt: skip
    return made


def main(cluster: Cluster) -> None:
    run(cluster, 100_000)


def main_million(cluster: Cluster) -> None:
    run(cluster, 1_000_000)


def run(cluster: Cluster, size: int) -> None:
    before = load_average()
    lib = library.build(cluster, size)
    rows = import_rows(lib)
    print_table(
        f"Import into {size:,} fingerprints: {ROUNDS} runs of {SUBMISSIONS:,} submissions for each number of"
        f" workers, half join a track"
        f" (load average {before} before, {load_average()} after)",
        ["figure", "value", "detail"],
        rows,
    )


def submitter(lib: library.Library, application_name: str = "bench") -> tuple[int, int]:
    """A new account and application (random key hashes) to submit as: their ids."""
    with lib.connect("app") as app:
        account = app.execute(
            "INSERT INTO account (name, apikey_hash)"
            " VALUES ('bench', sha256(random()::text::bytea)) RETURNING id"
        )
        account_id = account.fetchone()[0]  # type: ignore[index]
        application = app.execute(
            "INSERT INTO application (name, apikey_hash)"
            " VALUES (%s, sha256(random()::text::bytea)) RETURNING id",
            [application_name],
        )
        application_id = application.fetchone()[0]  # type: ignore[index]
    return account_id, application_id


def import_rows(lib: library.Library, fresh: int | None = None) -> list[list[str]]:
    """Submit and import SUBMISSIONS with one worker, ROUNDS times, then as many with two: the
    medians, with the slowest and fastest run."""
    account_id, application_id = submitter(lib)
    rows = []
    with lib.client(min_size=2, max_size=6) as client:
        for workers in (1, 2):
            submit_rates, import_rates, cpu_per_import = [], [], []
            for round_ in range(ROUNDS):
                seed = 11 + 2 * round_ + workers - 1  # 11, 13, 15 and 12, 14, 16: disjoint new tracks
                made = submissions(lib.size, account_id, application_id, seed, fresh)
                started = time.perf_counter()
                for first in range(0, len(made), SUBMIT_BATCH):
                    client.submit_many(made[first : first + SUBMIT_BATCH])
                submit_rates.append(len(made) / (time.perf_counter() - started))
                rate, cpu = drain(lib, client, workers)
                import_rates.append(rate)
                cpu_per_import.append(cpu)
            target = "target 500/s" if workers == 1 else "target 900/s"
            plural = "s" if workers > 1 else ""
            rows.append([f"submit (validated, queued, NOTIFY), before {workers} worker{plural}",
                         f"{statistics.median(submit_rates):,.0f} submissions/s",
                         spread(submit_rates)])  # fmt: skip
            rows.append([f"import, {workers} worker{plural}, batches of 100",
                         f"{statistics.median(import_rates):,.0f} submissions/s",
                         f"{spread(import_rates)}; {target}"])  # fmt: skip
            rows.append([f"  fingerprint-database backend CPU an import, {workers} worker{plural}",
                         f"{statistics.median(cpu_per_import) * 1000:.2f} ms",
                         "median; what the machine's load does not inflate"])  # fmt: skip
    with lib.connect("ingest") as ingest:
        actions = ingest.execute(
            "SELECT count(*) FILTER (WHERE skip_reason IS NULL), count(*) FROM submission_result"
        ).fetchone()
    rows.append(["submissions imported / handled", f"{actions[0]:,} / {actions[1]:,}" if actions else "", ""])
    return rows


def drain(lib: library.Library, client: AcoustID, workers: int) -> tuple[float, float]:
    """Import everything pending with ``workers`` workers (threads): submissions/s, and the CPU
    seconds the fingerprint database's backends spent on each (which the machine's load does
    not inflate the way it does wall time)."""
    pool = [Worker(client, batch_size=100) for _ in range(workers)]
    threads = [threading.Thread(target=worker.drain) for worker in pool]
    cpu_before = backend_cpu(lib)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    cpu_after = backend_cpu(lib)
    for worker in pool:
        worker.close()
    imported = sum(worker.imported for worker in pool)
    cpu = sum(used - cpu_before.get(pid, 0.0) for pid, used in cpu_after.items())
    return imported / seconds, cpu / max(imported, 1)


def backend_cpu(lib: library.Library) -> dict[int, float]:
    """CPU seconds so far of each client backend connected to the fingerprint database, by pid
    (read from /proc: the bench and its cluster share the machine)."""
    with lib.connect() as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'"
            " AND pid <> pg_backend_pid()", [lib.names["fingerprint"]],
        )]  # fmt: skip
    used = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # gone since
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return used


def spread(rates: list[float]) -> str:
    return f"median of {len(rates)} runs of {SUBMISSIONS:,}: {min(rates):,.0f} to {max(rates):,.0f}"
