"""A bounded load test over the unix socket: three processes look up while one worker imports.

Prints lookup throughput and latency and the import rate, then checks that the answers were
right and that every invariant holds afterwards: each submission handled exactly once,
counts equal provenance rows, no orphan row.
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.support.driver import REPO, assert_exactly_once, deploy, new_submitter, worker_command
from tests.support.management import Deployment, scalar
from tests.support.own_cluster import wait_until
from tests.support.reliability import assert_nothing_half_written, pending, queue, stored_rows

STORED = 5_000  # bulk-loaded recordings the lookups search
IMPORTED = (10_000, 600)  # first recording and count the worker imports under load
PROCESSES = 3
LOOKUPS = 400  # per process
SECONDS = 40  # per process, at most


@pytest.fixture
def loaded(cluster: object, database_templates: dict[str, str]) -> Iterator[Deployment]:
    deployed = deploy(cluster, database_templates)  # type: ignore[arg-type]
    try:
        assert deployed.client.bulk_load(stored_rows(STORED)) == STORED
        deployed.fp.execute("VACUUM ANALYZE fingerprint")
        yield deployed
    finally:
        deployed.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_lookups_from_three_processes_while_a_worker_imports(
    loaded: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    first, count = IMPORTED
    ids = queue(loaded, new_submitter(loaded), first, count)
    lookup = worker_command(loaded, "-m", "tests.support.load_lookups", "--count", str(LOOKUPS))
    lookup += ["--seconds", str(SECONDS), "--stored", str(STORED), "--importing", f"{first}:{first + count}"]
    started = time.monotonic()
    worker = subprocess.Popen(
        worker_command(loaded, "-m", "acoustid_pg", "worker", "--batch-size", "50", "--poll", "0.5"),
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    clients = [
        subprocess.Popen([*lookup, "--seed", str(n)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        for n in range(PROCESSES)
    ]
    try:
        outputs = [client.communicate(timeout=SECONDS + 30)[0] for client in clients]
        lookups_done = time.monotonic()
        wait_until(lambda: pending(loaded) == 0, 60, "the worker to import everything")
        imports_done = time.monotonic()
    finally:
        for client in clients:
            client.kill()
        worker.send_signal(signal.SIGTERM)
        _, worker_log = worker.communicate(timeout=30)
    assert worker.returncode == 0, worker_log
    assert all(client.returncode == 0 for client in clients)

    reports = [json.loads(output) for output in outputs]
    latencies = [t for report in reports for t in report["latencies"]]
    elapsed = lookups_done - started
    with capsys.disabled():
        print(
            f"\nload: {len(latencies)} lookups in {elapsed:.1f} s from {PROCESSES} processes over "
            f"{STORED:,} stored fingerprints = {len(latencies) / elapsed:.0f}/s; latency p50 "
            f"{statistics.median(latencies) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms,"
            f" p99 {percentile(latencies, 0.99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
            f"{count} submissions imported meanwhile in {imports_done - started:.1f} s "
            f"= {count / (imports_done - started):.0f}/s"
        )

    assert [r["errors"] for r in reports] == [[]] * PROCESSES
    assert [r["wrong"] for r in reports] == [[]] * PROCESSES
    assert len(latencies) >= PROCESSES * 50  # bounded by count or time, but not starved
    assert sum(r["found_importing"] for r in reports) > 0  # lookups saw imports land
    assert_exactly_once(loaded, ids)
    assert_nothing_half_written(loaded, bulk_loaded=STORED)
    assert scalar(loaded.fp, "SELECT count(*) FROM fingerprint") == STORED + count
    assert scalar(loaded.fp, "SELECT sum(submission_count) FROM track_mbid") == count
