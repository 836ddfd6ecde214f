"""Faults on a server of the module's own: crashes (pg_ctl stop -m immediate) in the middle of an
import batch and of a lookup, statement timeouts during an import. Each leaves either a whole
import or none, and the driver and the worker carry on once the server is back."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator

import psycopg
import pytest

import acoustid_pg
from acoustid_pg.errors import ConnectionLost, StatementCancelled
from tests.support.driver import (
    REPO,
    Submitter,
    assert_exactly_once,
    new_submitter,
    run_worker,
    worker_command,
)
from tests.support.management import Deployment, scalar, server_conninfo
from tests.support.own_cluster import init_deployment, own_cluster, wait_until
from tests.support.reliability import assert_nothing_half_written, duration, pending, queue, recording

# Hangs the import of one chosen submission, but only until the server restarts: the chosen
# submission and the postmaster's start time at the moment it was chosen are in test_hang.
HANG_ONCE = """
CREATE TABLE IF NOT EXISTS test_hang (submission_id integer, started timestamptz, seconds float8);
CREATE OR REPLACE FUNCTION test_hang() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pause float8;
BEGIN
    SELECT h.seconds INTO pause FROM test_hang AS h
    WHERE h.submission_id = NEW.submission_id AND h.started = pg_postmaster_start_time();
    IF pause IS NOT NULL THEN
        PERFORM pg_sleep(pause);
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER test_hang AFTER INSERT ON fingerprint_source
FOR EACH ROW EXECUTE FUNCTION test_hang();
"""


@pytest.fixture(scope="module")
def crashable() -> Iterator[Deployment]:
    with own_cluster() as cluster:
        deployment = init_deployment(cluster)
        try:
            deployment.fp.execute(HANG_ONCE)
            yield deployment
        finally:
            deployment.close()


@pytest.fixture
def deployment(crashable: Deployment) -> Deployment:
    crashable.reset()
    return crashable


@pytest.fixture
def submitter(deployment: Deployment) -> Submitter:
    return new_submitter(deployment)


def hang_import_of(deployment: Deployment, submission_id: int, seconds: float) -> None:
    deployment.fp.execute(
        "INSERT INTO test_hang VALUES (%s, pg_postmaster_start_time(), %s)", [submission_id, seconds]
    )


def crash_and_restart(deployment: Deployment) -> None:
    """pg_ctl stop -m immediate (no shutdown checkpoint: the restart replays the WAL), then start."""
    for conn in deployment._connections.values():
        conn.close()
    deployment._connections.clear()
    log_size = deployment.cluster.log_file.stat().st_size
    deployment.cluster.restart("immediate")
    with deployment.cluster.log_file.open() as log:
        log.seek(log_size)
        restart_log = log.read()
    assert "was interrupted" in restart_log and "redo" in restart_log, restart_log  # crash recovery ran


def sources(deployment: Deployment) -> list[tuple[int, int]]:
    return deployment.fp.execute(
        "SELECT submission_id, fingerprint_id FROM fingerprint_source ORDER BY 1"
    ).fetchall()


def test_a_crash_in_the_middle_of_an_import_batch_loses_nothing_and_duplicates_nothing(
    deployment: Deployment, submitter: Submitter
) -> None:
    ids = sorted(queue(deployment, submitter, 1, 30))
    hung = ids[14]  # the 5th import of the second batch of 10
    hang_import_of(deployment, hung, 120)
    command = worker_command(deployment, "-m", "acoustid_pg", "worker", "--batch-size", "10", "--poll", "0.5")
    worker = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        hanging = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
        wait_until(lambda: scalar(deployment.fp, hanging) == 1, 60, "the worker to reach the hung import")
        # Mid-batch: the first batch recorded, four imports of the second committed but not
        # recorded, the fifth in progress.
        assert scalar(deployment.ingest, "SELECT count(*) FROM submission_result") == 10
        before_crash = sources(deployment)
        assert [s for s, _ in before_crash] == ids[:14]

        crash_and_restart(deployment)
        wait_until(lambda: pending(deployment) == 0, 90, "the same worker to finish after the restart")
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors  # it rode out the crash and stopped cleanly
    assert "retrying" in errors  # it saw the server go away
    assert_exactly_once(deployment, set(ids))
    assert_nothing_half_written(deployment)
    # The imports committed before the crash were kept, not redone.
    assert [row for row in sources(deployment) if row[0] in ids[:14]] == before_crash
    assert scalar(deployment.fp, "SELECT sum(submission_count) FROM fingerprint") == len(ids)


def test_a_lookup_cut_off_by_a_crash_is_typed_and_the_next_one_reconnects(
    deployment: Deployment, submitter: Submitter
) -> None:
    ids = queue(deployment, submitter, 100, 3)
    run_worker(deployment)
    client = deployment.client
    expected = client.lookup(recording(101), duration(101))
    assert expected and expected[0].mbids[0].mbid.int == 101

    # A lookup blocked behind a lock is running on the server when it goes down.
    locker = psycopg.connect(deployment.cluster.conninfo(deployment.names["fingerprint"]))
    locker.execute("LOCK TABLE fingerprint IN ACCESS EXCLUSIVE MODE")
    failure: list[BaseException] = []

    def blocked_lookup() -> None:
        try:
            client.lookup(recording(101), duration(101))
        except BaseException as exc:  # handed to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=blocked_lookup)
    thread.start()
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    wait_until(lambda: scalar(deployment.fp, waiting) == 1, 30, "the lookup to wait for the lock")
    crash_and_restart(deployment)
    thread.join(30)
    locker.close()
    assert not thread.is_alive()
    assert len(failure) == 1 and isinstance(failure[0], ConnectionLost), failure
    assert "acoustid_fingerprint" in str(failure[0])

    # The next lookups get fresh connections (the dead pooled ones are checked and replaced).
    for _ in range(3):
        assert client.lookup(recording(101), duration(101)) == expected
    assert len(ids) == 3


def test_a_statement_timeout_during_an_import_leaves_nothing_half_written(
    deployment: Deployment, submitter: Submitter
) -> None:
    ids = sorted(queue(deployment, submitter, 200, 8))
    hang_import_of(deployment, ids[3], 5)  # the 4th import of the batch outlasts the timeout
    timeout_client = acoustid_pg.connect(
        server_conninfo(deployment.cluster) + " options='-c statement_timeout=1000'", max_size=2
    )
    try:
        with pytest.raises(StatementCancelled, match="statement timeout"):
            timeout_client.process_submissions(8)
    finally:
        timeout_client.close()

    # The three imports before it committed (a retry will record them); the 4th left no trace.
    assert [s for s, _ in sources(deployment)] == ids[:3]
    assert pending(deployment) == 8
    assert scalar(deployment.ingest, "SELECT count(*) FROM submission_result") == 0
    assert_nothing_half_written(deployment)
    assert scalar(deployment.fp, "SELECT count(*) FROM meta WHERE track = 'Recording 203'") == 0

    deployment.fp.execute("DELETE FROM test_hang")
    results = deployment.client.process_submissions(8)
    assert [r.repeated for r in results] == [True] * 3 + [False] * 5
    assert_exactly_once(deployment, set(ids))
    assert_nothing_half_written(deployment)
