"""Exactly once with real processes: workers SIGKILLed mid-import, and workers racing each other."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from acoustid_pg.cluster import Cluster
from acoustid_pg.submission import Submission
from tests.support.driver import (
    REPO,
    Submitter,
    assert_exactly_once,
    deploy,
    flip,
    new_submitter,
    run_worker,
    walk,
    worker_command,
)
from tests.support.management import Deployment, scalar

GROUPS = 4
COPIES = 3  # the same audio: an exact copy and two re-encodings


FLIPS = (0.0, 0.0, 0.02, 0.03, 0.05, 0.05)  # copies of one recording: every pair scores above 0.75


def queue_groups(
    deployment: Deployment,
    submitter: Submitter,
    groups: int,
    copies: int,
    *,
    seed: int = 1,
    meta: bool = True,
) -> dict[int, int]:
    """Submit ``copies`` versions of each of ``groups`` recordings, copies adjacent in the queue;
    returns each submission id's group. Neighbouring groups share duration locks."""
    rng = random.Random(seed)
    submissions, group_of = [], []
    for group in range(groups):
        base, length = walk(rng), 100 + 3 * group
        for n in range(copies):
            submissions.append(
                Submission.create(
                    flip(rng, base, FLIPS[n]), length + n % 3 - 1,
                    mbids=[f"00000000-0000-0000-0000-{group:012d}"],
                    meta={"track": f"group {group}"} if meta else None,
                    account_id=submitter.account_id, application_id=submitter.application_id,
                )
            )  # fmt: skip
            group_of.append(group)
    ids = deployment.client.submit_many(submissions)
    return dict(zip(ids, group_of))


def assert_one_track_per_group(deployment: Deployment, group_of: dict[int, int]) -> None:
    tracks: dict[int, set[int]] = {}
    for submission_id, track_id in deployment.ingest.execute(
        "SELECT submission_id, track_id FROM submission_result"
    ).fetchall():
        tracks.setdefault(group_of[submission_id], set()).add(track_id)
    assert all(len(found) == 1 for found in tracks.values()), tracks
    assert len({next(iter(found)) for found in tracks.values()}) == len(tracks)
    assert scalar(deployment.fp, "SELECT count(*) FROM track") == len(tracks)


def start_pausing_worker(deployment: Deployment, point: str, after: int) -> subprocess.Popen[str]:
    command = worker_command(
        deployment,
        "-m",
        "tests.support.pausing_worker",
        "--pause-at",
        point,
        "--after",
        str(after),
        "--batch-size",
        "5",
    )
    worker = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    line = worker.stdout.readline()  # blocks until the worker reaches the point (or dies)
    if line.strip() != f"PAUSED {point}":
        worker.kill()
        raise AssertionError(f"worker did not pause at {point}: {line!r} {worker.communicate()[1]}")
    return worker


@pytest.mark.parametrize(
    ("point", "after"),
    [
        ("claimed", 1),
        ("import-uncommitted", 3),
        ("imported", 3),
        ("imported", 7),
        ("recorded", 1),
        ("recorded", 2),
    ],
)
def test_a_worker_killed_anywhere_is_finished_exactly_once_by_the_next(
    deployment: Deployment, submitter: Submitter, point: str, after: int
) -> None:
    group_of = queue_groups(deployment, submitter, GROUPS, COPIES)
    worker = start_pausing_worker(deployment, point, after)
    committed = deployment.fp.execute(
        "SELECT submission_id, fingerprint_id FROM fingerprint_source"
    ).fetchall()
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    expected_committed = {
        "claimed": 0,
        "import-uncommitted": after - 1,
        "imported": after,
        "recorded": 5 * after,
    }
    assert len(committed) == expected_committed[point]
    recorded = scalar(deployment.ingest, "SELECT count(*) FROM submission_result")
    assert recorded == 5 * (after - 1 if point == "recorded" else (after - 1) // 5)  # only committed batches

    run_worker(deployment)

    assert_exactly_once(deployment, set(group_of))
    assert_one_track_per_group(deployment, group_of)
    # What the killed worker had committed in the fingerprint database was kept, not redone.
    kept = deployment.fp.execute(
        "SELECT submission_id, fingerprint_id FROM fingerprint_source WHERE submission_id = ANY(%s)",
        [[row[0] for row in committed]],
    ).fetchall()
    assert sorted(kept) == sorted(committed)
    assert scalar(deployment.fp, "SELECT sum(submission_count) FROM fingerprint") == len(group_of)


@pytest.fixture
def racing(cluster: Cluster, database_templates: dict[str, str]) -> Iterator[Deployment]:
    """Own databases (these tests change functions and triggers), with a 20 ms fingerprint insert:
    it widens the moment between an import's search and its commit, where races happen."""
    deployed = deploy(cluster, database_templates)
    deployed.fp.execute(
        """CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END $$"""
    )
    deployed.fp.execute(
        "CREATE TRIGGER test_slow_insert AFTER INSERT ON fingerprint"
        " FOR EACH ROW EXECUTE FUNCTION test_slow_insert()"
    )
    yield deployed
    deployed.close()


def race(deployment: Deployment, workers: int, groups: int = 10, copies: int = 6) -> dict[int, int]:
    """Start listening workers, queue everything in one transaction (one NOTIFY wakes them all
    at once), wait for an empty queue, then stop them with SIGTERM."""
    command = worker_command(deployment, "-m", "acoustid_pg", "worker", "--batch-size", "1", "--poll", "0.5")
    processes = [
        subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True) for _ in range(workers)
    ]
    try:
        listening = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%'"
        deadline = time.monotonic() + 60
        while scalar(deployment.ingest, listening) < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        # No new metadata and an existing source: creating those would make imports wait
        # for each other (on the row's lock), which hides the race the control must show.
        submitter = new_submitter(deployment)
        deployment.fp.execute(
            "SELECT acoustid_find_or_create_source(%s, %s, NULL)",
            [submitter.application_id, submitter.account_id],
        )
        group_of = queue_groups(deployment, submitter, groups, copies, seed=workers, meta=False)
        while (
            scalar(deployment.ingest, "SELECT count(*) FROM pending_submission")
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        _, errors = process.communicate(timeout=30)
        assert process.returncode == 0, errors  # a clean stop
        assert "stopped after" in errors
    return group_of


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_workers_create_no_duplicate_track_and_lose_nothing(
    racing: Deployment, workers: int
) -> None:
    group_of = race(racing, workers)
    assert_exactly_once(racing, set(group_of))
    assert_one_track_per_group(racing, group_of)
    busy = racing.ingest.execute("SELECT count(DISTINCT handled_at) FROM submission").fetchone()
    assert busy is not None and busy[0] > 1


def test_without_the_duration_lock_concurrent_workers_do_duplicate(racing: Deployment) -> None:
    """The control: the same race with the lock made a no-op creates extra tracks."""
    racing.fp.execute(
        "CREATE OR REPLACE FUNCTION acoustid_lock_duration_window(duration integer) RETURNS void"
        " LANGUAGE plpgsql AS $$ BEGIN END $$"
    )
    group_of = race(racing, 4)
    assert_exactly_once(racing, set(group_of))  # nothing is lost or repeated even so
    tracks = scalar(racing.fp, "SELECT count(*) FROM track")
    assert tracks > len(set(group_of.values()))
