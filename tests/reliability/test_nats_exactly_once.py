"""Exactly once through NATS JetStream, with real worker processes and a real nats-server:
redelivery to the next worker after one SIGKILLed before its acknowledgement, two workers
consuming together, and nats-server killed and restarted mid-stream."""

from __future__ import annotations

import random
import re
import signal
import subprocess
from collections.abc import Iterator

import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.cluster import Cluster
from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.nats_server import NatsServer
from acoustid_pg.submission import Submission
from acoustid_pg.submission_feed import DURABLE, STREAM, SUBJECT
from tests.support.driver import (
    REPO,
    Submitter,
    assert_exactly_once,
    deploy,
    flip,
    new_submitter,
    walk,
    worker_command,
)
from tests.support.management import Deployment, scalar
from tests.support.messaging import consumer_backlog, wait_for

FLIPS = (0.0, 0.02, 0.05)


def submit_groups(
    client: AcoustID, submitter: Submitter, groups: range, *, copies: int = 3, seed: int = 1
) -> dict[int, int]:
    """One submit per group (one message each): ``copies`` versions of the group's recording."""
    group_of: dict[int, int] = {}
    for group in groups:
        rng = random.Random(seed * 1000 + group)
        base = walk(rng)
        batch = [
            Submission.create(
                flip(rng, base, FLIPS[n % len(FLIPS)]), 100 + 3 * group,
                mbids=[f"00000000-0000-0000-0000-{group:012d}"],
                account_id=submitter.account_id, application_id=submitter.application_id,
            )
            for n in range(copies)
        ]  # fmt: skip
        for submission_id in client.submit_many(batch):
            group_of[submission_id] = group
    return group_of


def assert_one_track_per_group(deployment: Deployment, group_of: dict[int, int]) -> None:
    tracks: dict[int, set[int]] = {}
    for submission_id, track_id in deployment.ingest.execute(
        "SELECT submission_id, track_id FROM submission_result"
    ).fetchall():
        tracks.setdefault(group_of[submission_id], set()).add(track_id)
    assert all(len(found) == 1 for found in tracks.values()), tracks
    assert scalar(deployment.fp, "SELECT count(*) FROM track") == len(tracks)


def pending(deployment: Deployment) -> int:
    return scalar(deployment.ingest, "SELECT count(*) FROM pending_submission")


def start_worker(deployment: Deployment, url: str, *options: str) -> subprocess.Popen[str]:
    command = worker_command(deployment, "-m", "acoustid_pg", "worker", "--nats", url, *options)
    return subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)


def stop_worker(process: subprocess.Popen[str]) -> int:
    """SIGTERM, a clean exit, and how many submissions it imported."""
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    found = re.search(r"stopped after (\d+) submissions", errors)
    assert found is not None, errors
    return int(found.group(1))


@pytest.mark.parametrize(
    ("point", "after"), [("claimed", 1), ("imported", 3), ("recorded", 1), ("committed", 1), ("committed", 2)]
)
def test_a_nats_worker_killed_anywhere_leaves_the_next_one_to_finish_exactly_once(
    deployment: Deployment, nats_client: AcoustID, nats_server: NatsServer, submitter: Submitter,
    point: str, after: int,
) -> None:  # fmt: skip
    group_of = submit_groups(nats_client, submitter, range(6))
    command = worker_command(
        deployment, "-m", "tests.support.pausing_worker", "--pause-at", point, "--after", str(after),
        "--batch-size", "2", "--nats", nats_server.url, "--ack-wait", "1",
    )  # fmt: skip
    paused = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert paused.stdout is not None
    lines = [paused.stdout.readline().strip(), paused.stdout.readline().strip()]
    if lines != ["STARTED", f"PAUSED {point}"]:
        paused.kill()
        raise AssertionError(f"worker did not pause at {point}: {lines} {paused.communicate()[1]}")
    paused.send_signal(signal.SIGKILL)
    paused.communicate(timeout=10)
    committed_before = scalar(deployment.ingest, "SELECT count(*) FROM submission_result")
    if point == "committed":
        assert committed_before > 0  # imported and recorded, never acknowledged

    # The next worker never sweeps: everything reaches it through (re)delivered messages.
    worker = start_worker(deployment, nats_server.url, "--poll", "3600", "--batch-size", "2")
    try:
        wait_for(lambda: pending(deployment) == 0, what="the import")
        wait_for(lambda: consumer_backlog(nats_server.url) == (0, 0), what="every message acknowledged")
    finally:
        imported = stop_worker(worker)
    assert imported == len(group_of) - committed_before
    assert_exactly_once(deployment, set(group_of))
    assert_one_track_per_group(deployment, group_of)


@pytest.fixture
def racing(cluster: Cluster, database_templates: dict[str, str]) -> Iterator[Deployment]:
    """Own databases with a 20 ms fingerprint insert, which widens the moment where imports race."""
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


def test_two_worker_processes_consuming_together_import_each_submission_once(
    racing: Deployment, nats_server: NatsServer
) -> None:
    client = AcoustID(racing.client.settings, max_size=2, nats=nats_server.url)
    workers = [start_worker(racing, nats_server.url, "--poll", "3600", "--batch-size", "1") for _ in range(2)]
    try:
        with JetStream.connect(nats_server.url) as js:
            js.ensure_stream(STREAM, [f"{STREAM}.>"], work_queue=True)
            consumer = js.pull_consumer(STREAM, SUBJECT, durable=DURABLE)
            wait_for(lambda: consumer.waiting() >= 2, what="both workers fetching")
        submitter = new_submitter(racing)
        group_of = submit_groups(client, submitter, range(12), copies=4, seed=2)
        wait_for(lambda: pending(racing) == 0, what="the import")
        wait_for(lambda: consumer_backlog(nats_server.url) == (0, 0), what="every message acknowledged")
    finally:
        imported = [stop_worker(worker) for worker in workers]
        client.close()
    assert sum(imported) == len(group_of)
    assert all(count > 0 for count in imported), imported  # both took a share
    assert_exactly_once(racing, set(group_of))
    assert_one_track_per_group(racing, group_of)


@pytest.mark.parametrize("how", ["kill", "stop"])
def test_nats_server_restarted_mid_stream_loses_no_submission(
    deployment: Deployment, nats_client: AcoustID, nats_server: NatsServer, submitter: Submitter, how: str
) -> None:
    worker = start_worker(deployment, nats_server.url, "--poll", "1", "--batch-size", "3")
    try:
        group_of = submit_groups(nats_client, submitter, range(4))
        if how == "kill":
            nats_server.kill()
        else:
            nats_server.halt()
        group_of |= submit_groups(nats_client, submitter, range(4, 7))  # announced to no one
        nats_server.start()
        wait_for(lambda: nats_client.announcer is not None and nats_client.announcer.connected(), 20)
        group_of |= submit_groups(nats_client, submitter, range(7, 11))
        wait_for(lambda: pending(deployment) == 0, what="the import")
        wait_for(lambda: consumer_backlog(nats_server.url) == (0, 0), what="every message acknowledged")
    finally:
        imported = stop_worker(worker)
    assert imported == len(group_of)
    assert nats_client.announcer is not None and nats_client.announcer.failures >= 1
    assert_exactly_once(deployment, set(group_of))
    assert_one_track_per_group(deployment, group_of)
