"""The Worker loop: woken by NOTIFY, stopped at once, riding out a lost database."""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.ingest import ImportResult
from acoustid_pg.worker import Worker
from tests.support.driver import REPO, Submitter, assert_exactly_once, walk, worker_command
from tests.support.management import Deployment, scalar


@pytest.fixture
def running(client: AcoustID) -> Iterator[tuple[Worker, list[ImportResult]]]:
    """A worker in a thread that would poll only once a minute: anything faster is NOTIFY."""
    seen: list[ImportResult] = []
    worker = Worker(client, poll_seconds=60, on_batch=seen.extend)
    thread = threading.Thread(target=worker.run)
    thread.start()
    yield worker, seen
    worker.stop()
    thread.join(10)
    worker.close()
    assert not thread.is_alive()


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_submission_wakes_the_sleeping_worker(
    deployment: Deployment, client: AcoustID, submitter: Submitter, running: tuple[Worker, list[ImportResult]]
) -> None:
    worker, seen = running
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    time.sleep(0.3)  # let it drain the empty queue and go to sleep
    started = time.monotonic()
    ids = client.submit(walk(random.Random(1)), 60, mbids=["00000000-0000-0000-0000-000000000001"], **who)
    ids += client.submit([1, 2, 3] * 40, 60, mbids=["00000000-0000-0000-0000-000000000001"], **who)
    assert wait_for(lambda: len(seen) == 2)
    assert time.monotonic() - started < 5  # far less than the 60 s poll
    assert [r.action for r in seen] == ["new_track", "skipped"]  # an unusable one does not stop it
    assert worker.imported == 2
    assert_exactly_once(deployment, set(ids))


def test_stop_wakes_a_sleeping_worker_at_once(running: tuple[Worker, list[ImportResult]]) -> None:
    worker, _ = running
    time.sleep(0.3)
    started = time.monotonic()
    worker.stop()
    assert wait_for(lambda: worker.stopping)
    # The fixture joins the thread; here we only check the stop was immediate.
    assert time.monotonic() - started < 1


def test_the_worker_process_stops_cleanly_on_sigterm_and_sigint(
    deployment: Deployment, submitter: Submitter
) -> None:
    listening = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%'"
    command = worker_command(deployment, "-m", "acoustid_pg", "worker", "--poll", "30")
    for stop in (signal.SIGTERM, signal.SIGINT):
        process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
        assert wait_for(lambda: scalar(deployment.ingest, listening) == 1, 30)
        started = time.monotonic()
        process.send_signal(stop)
        # generous bounds: a loaded 2-core CI machine once took over 10 s to start and stop it
        _, errors = process.communicate(timeout=60)
        assert process.returncode == 0, errors
        assert time.monotonic() - started < 20
        assert "stopped after 0 submissions" in errors
        # The next process's LISTEN must not be mistaken for this one's, still closing.
        assert wait_for(lambda: scalar(deployment.ingest, listening) == 0, 30)


def test_the_worker_rides_out_a_lost_database(
    deployment: Deployment, client: AcoustID, submitter: Submitter, running: tuple[Worker, list[ImportResult]]
) -> None:
    """Connections killed under it: it logs, waits, reconnects and carries on."""
    _, seen = running
    time.sleep(0.3)
    for database in ("ingest", "fingerprint"):
        deployment.db(database).execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    ids = client.submit(walk(random.Random(2)), 60, mbids=["00000000-0000-0000-0000-000000000002"], **who)
    # The LISTEN connection died too: the retry path reconnects it, or the poll finds the row.
    assert wait_for(lambda: len(seen) == 1, 20)
    assert_exactly_once(deployment, set(ids))
