"""A real streaming replica (pg_basebackup -R of a running primary, hot standby, both on this
machine) serves the driver's lookups while the primary ingests; writes still go to the primary,
and a lookup on the replica sees a new track once the replica has replayed it."""

from __future__ import annotations

import signal
import subprocess
import uuid
from collections.abc import Iterator

import psycopg
import pytest

import acoustid_pg
from acoustid_pg.api import AcoustID
from acoustid_pg.cluster import Cluster
from acoustid_pg.errors import ReplicaLagTimeout, SettingsError
from tests.support.driver import REPO, new_submitter, worker_command
from tests.support.management import Deployment, scalar, server_conninfo
from tests.support.own_cluster import own_deployment, wait_until
from tests.support.reliability import duration, pending, queue, recording


@pytest.fixture(scope="module")
def primary() -> Iterator[Deployment]:
    with own_deployment() as deployment:
        queue(deployment, new_submitter(deployment), 1, 20)
        while deployment.client.process_submissions(50):
            pass
        yield deployment


@pytest.fixture(scope="module")
def standby(primary: Deployment) -> Iterator[Cluster]:
    replica = Cluster.standby_of(primary.cluster)
    try:
        yield replica.start()
    finally:
        replica.stop("immediate")


@pytest.fixture(scope="module")
def routed(primary: Deployment, standby: Cluster) -> Iterator[AcoustID]:
    """A client whose lookups go to the standby."""
    with acoustid_pg.connect(server_conninfo(primary.cluster), replicas=[server_conninfo(standby)]) as client:
        yield client


def on_standby(standby: Cluster, query: str) -> object:
    with psycopg.connect(standby.conninfo("acoustid_fingerprint")) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def found_mbid(client: AcoustID, n: int) -> int | None:
    matches = client.lookup(recording(n), duration(n))
    return matches[0].mbids[0].mbid.int if matches else None


def test_the_standby_is_a_real_streaming_replica(primary: Deployment, standby: Cluster) -> None:
    assert on_standby(standby, "SELECT pg_is_in_recovery()") is True
    wait_until(
        lambda: scalar(primary.fp, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 1,
        30,
        "the standby to stream",
    )
    with (
        psycopg.connect(standby.conninfo("acoustid_fingerprint")) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("INSERT INTO track DEFAULT VALUES")


def test_lookups_go_to_the_replica_and_see_a_new_track_after_replay(
    primary: Deployment, standby: Cluster, routed: AcoustID
) -> None:
    routed.wait_for_replicas(timeout=30)
    assert found_mbid(routed, 3) == 3
    with psycopg.connect(standby.conninfo("acoustid_fingerprint"), autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            routed.submit(
                recording(77),
                duration(77),
                mbids=[uuid.UUID(int=77)],
                account_id=1,
                application_id=1,
            )  # fmt: skip  (writes go to the primary even with a replica configured)
            assert [r.action for r in routed.process_submissions(10)] == ["new_track"]
            assert found_mbid(primary.client, 77) == 77  # the primary has it ...
            assert found_mbid(routed, 77) is None  # ... the paused replica does not: lookups go there
            with pytest.raises(ReplicaLagTimeout):
                routed.wait_for_replicas(timeout=0.5)
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
    routed.wait_for_replicas(timeout=30)
    primary_lsn = scalar(primary.fp, "SELECT pg_current_wal_lsn()")
    assert on_standby(standby, f"SELECT pg_last_wal_replay_lsn() >= '{primary_lsn}'::pg_lsn") is True
    assert found_mbid(routed, 77) == 77


def test_the_replica_serves_lookups_while_the_primary_ingests(
    primary: Deployment, standby: Cluster, routed: AcoustID
) -> None:
    new = queue(primary, new_submitter(primary), 1_000, 300)
    worker = subprocess.Popen(
        worker_command(primary, "-m", "acoustid_pg", "worker", "--batch-size", "10", "--poll", "0.5"),
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers = []
    try:
        # Lookups of the stored recordings and of the ones being imported, for as long as it takes.
        while pending(primary) and len(answers) < 2_000:
            n = len(answers)
            answers.append((n % 20 + 1, found_mbid(routed, n % 20 + 1)))
            found_mbid(routed, 1_000 + n % 300)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, log = worker.communicate(timeout=30)
    assert worker.returncode == 0, log
    assert pending(primary) == 0 and len(new) == 300
    assert len(answers) >= 5 and all(wanted == got for wanted, got in answers)
    routed.wait_for_replicas(timeout=30)
    assert [found_mbid(routed, n) for n in range(1_000, 1_300)] == list(range(1_000, 1_300))


def test_lookups_take_turns_over_several_replicas(primary: Deployment, standby: Cluster) -> None:
    second = Cluster.standby_of(primary.cluster)
    try:
        second.start()
        replicas = [server_conninfo(standby), server_conninfo(second)]
        with acoustid_pg.connect(server_conninfo(primary.cluster), replicas=replicas) as client:
            client.wait_for_replicas(timeout=30)
            with psycopg.connect(second.conninfo("acoustid_fingerprint"), autocommit=True) as paused:
                paused.execute("SELECT pg_wal_replay_pause()")
                client.submit(
                    recording(88), duration(88), mbids=[uuid.UUID(int=88)], account_id=1, application_id=1
                )
                client.process_submissions(10)
                wait_until(lambda: found_mbid(client, 88) == 88, 30, "the first replica to replay")
                # The next lookups alternate: the paused replica, the first one, the paused one...
                assert [found_mbid(client, 88) for _ in range(4)] == [None, 88, None, 88]
                paused.execute("SELECT pg_wal_replay_resume()")
            client.wait_for_replicas(timeout=30)
            assert [found_mbid(client, 88) for _ in range(4)] == [88] * 4
    finally:
        second.stop("immediate")


def test_a_replica_is_a_connection_string_without_a_database(primary: Deployment) -> None:
    with pytest.raises(SettingsError, match="must not name a database"):
        acoustid_pg.connect(
            server_conninfo(primary.cluster), replicas="host=/tmp dbname=acoustid_fingerprint"
        )
