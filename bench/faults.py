"""The whole system under faults, longer and heavier than its test
(tests/reliability/test_whole_system_faults.py): the same real processes -- PostgreSQL on a
cluster of its own, redis-server, nats-server, two ``worker --nats``, ``serve --workers 2``
-- under lookup and submit load over HTTP, each fault three times, PostgreSQL's outages
1.5 s (waited out), 15 s and 30 s (answered 503 code 13).

Prints, per fault, the errors the clients saw by kind, the seconds from the restart to the
first ok lookup and submit, and the slowest answer; then the requests/s held over the run,
and checks that every accepted submission was imported exactly once.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from tests.support.fault_load import OK, RATE_LIMITED
from tests.support.own_cluster import connect_deployment
from tests.support.whole_system import (
    TABLE_HEADER,
    Fault,
    Plan,
    assert_imported_once,
    drained,
    fault_table,
    limit_in_window,
    run_faults,
    running_system,
    summary,
)

from acoustid_pg.cluster import Cluster

from .report import load_average, print_table

PLAN = Plan(
    rounds=3,
    down=3.0,
    settle=3.0,
    postgres_down=(1.5, 15.0, 30.0),
    stored=2_000,
    lookups=6,
    submitters=3,
)


def progress(fault: Fault) -> None:
    print(f"  {fault.name} #{fault.round + 1} done", flush=True)


def main(cluster: Cluster) -> None:
    """``cluster`` is not used: this bench stops and starts a server of its own."""
    started = time.monotonic()
    load_before = load_average()
    folder = Path(tempfile.mkdtemp(prefix="acoustid-faults-"))
    with running_system(folder / "system", PLAN) as system:
        run = run_faults(system, PLAN, on_fault=progress)
        drained(system, timeout=600)
        deployment = connect_deployment(system.cluster, max_size=1)
        try:
            unanswered = assert_imported_once(deployment, run.accepted_ids(), PLAN.stored)
        finally:
            deployment.close()
    shutil.rmtree(folder, ignore_errors=True)
    title = (
        f"Whole system under faults ({PLAN.lookups} lookup + {PLAN.submitters} submit clients, "
        f"{PLAN.stored:,} stored recordings; load average {load_before} before, {load_average()} after; "
        f"{time.monotonic() - started:.0f} s)"
    )
    print_table(title, TABLE_HEADER, fault_table(run))
    print(summary(run))
    for fault in (f for f in run.faults if f.probes):
        down, back = fault.probes["redis down"], fault.probes["redis back"]
        print(
            f"rate limiter, {fault.name} #{fault.round + 1}: a burst of {len(down)} over a limit of "
            f"{limit_in_window()} let through {down.count(OK)} while Redis was down, refused "
            f"{back.count(RATE_LIMITED)} of {len(back)} after it was back"
        )
    print(
        "every accepted submission imported exactly once: checked; "
        f"{unanswered} more committed whose answer never reached the client (503 or dropped)"
    )
