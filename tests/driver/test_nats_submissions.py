"""Submissions announced on NATS JetStream and imported by a NatsWorker, with a real nats-server."""

from __future__ import annotations

import gc
import logging
import random

import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.nats_bridge import JetStream, MessagingError
from acoustid_pg.nats_server import NatsServer
from acoustid_pg.submission import Submission
from acoustid_pg.submission_feed import STREAM, SUBJECT, decode_ids, encode_ids
from tests.support.driver import Submitter, assert_exactly_once, walk
from tests.support.management import Deployment, scalar
from tests.support.messaging import consumer_backlog, nats_worker_thread, stream_messages, wait_for


def submissions(submitter: Submitter, count: int, seed: int = 1) -> list[Submission]:
    rng = random.Random(seed)
    return [
        Submission.create(
            walk(rng),
            120 + n,
            meta={"track": f"song {seed}.{n}"},
            account_id=submitter.account_id,
            application_id=submitter.application_id,
        )
        for n in range(count)
    ]


def pending(deployment: Deployment) -> int:
    return scalar(deployment.ingest, "SELECT count(*) FROM pending_submission")


def test_a_submit_announces_its_committed_ids_on_the_stream(
    nats_client: AcoustID, nats_server: NatsServer, submitter: Submitter
) -> None:
    first = nats_client.submit_many(submissions(submitter, 3))
    second = nats_client.submit_many(submissions(submitter, 2, seed=2))
    with JetStream.connect(nats_server.url) as js:
        state = js.stream_state(STREAM)
        stored = js.last_message(STREAM, SUBJECT)
    assert state["config"]["retention"] == "workqueue"
    assert state["state"]["messages"] == 2
    assert stored is not None and decode_ids(stored.data) == second
    assert len(first) == 3 and max(first) < min(second)


def test_a_nats_worker_imports_what_is_announced_and_acknowledges_it(
    nats_client: AcoustID, nats_server: NatsServer, deployment: Deployment, submitter: Submitter
) -> None:
    ids = nats_client.submit_many(submissions(submitter, 12))
    # A long sweep interval: only the messages can bring these in.
    with nats_worker_thread(nats_client, nats_server.url, poll_seconds=3600, batch_size=5) as worker:
        wait_for(lambda: pending(deployment) == 0, what="the import")
        more = nats_client.submit_many(submissions(submitter, 4, seed=3))
        wait_for(lambda: pending(deployment) == 0 and worker.acknowledged == 2, what="the second import")
    assert_exactly_once(deployment, set(ids + more))
    assert consumer_backlog(nats_server.url) == (0, 0)
    assert stream_messages(nats_server.url) == 0  # work queue: acknowledged messages are gone


def test_a_message_for_handled_submissions_is_acknowledged_and_dropped(
    nats_client: AcoustID, nats_server: NatsServer, deployment: Deployment, submitter: Submitter
) -> None:
    ids = nats_client.submit_many(submissions(submitter, 4))
    assert len(nats_client.process_submissions(10)) == 4  # imported without the stream
    with JetStream.connect(nats_server.url) as js:
        js.publish(SUBJECT, encode_ids(ids))  # and announced once more, for good measure
    with nats_worker_thread(nats_client, nats_server.url, poll_seconds=3600) as worker:
        wait_for(lambda: worker.acknowledged == 2, what="both messages acknowledged")
    assert worker.imported == 0
    assert_exactly_once(deployment, set(ids))
    assert consumer_backlog(nats_server.url) == (0, 0)


def test_an_unreadable_message_is_dropped_and_the_worker_goes_on(
    nats_client: AcoustID, nats_server: NatsServer, deployment: Deployment, submitter: Submitter
) -> None:
    with JetStream.connect(nats_server.url) as js:
        js.ensure_stream(STREAM, [f"{STREAM}.>"], work_queue=True)
        js.publish(SUBJECT, b"not json")
        js.publish(SUBJECT, b'{"ids": [1]}')
    ids = nats_client.submit_many(submissions(submitter, 2))
    with nats_worker_thread(nats_client, nats_server.url, poll_seconds=3600):
        wait_for(lambda: pending(deployment) == 0, what="the import")
        wait_for(lambda: consumer_backlog(nats_server.url) == (0, 0), what="an empty consumer")
    assert_exactly_once(deployment, set(ids))


def test_submits_succeed_with_nats_down_and_the_sweep_imports_them(
    nats_client: AcoustID, nats_server: NatsServer, deployment: Deployment, submitter: Submitter
) -> None:
    nats_server.stop()
    assert nats_client.announcer is not None
    ids = nats_client.submit_many(submissions(submitter, 3))
    assert nats_client.announcer.failures == 1 and pending(deployment) == 3
    # The worker cannot reach NATS either: it sweeps pending_submission on its timer.
    with nats_worker_thread(nats_client, nats_server.url, poll_seconds=0.3) as worker:
        wait_for(lambda: pending(deployment) == 0, what="the sweep")
    assert worker.imported == 3
    assert_exactly_once(deployment, set(ids))


def test_a_nats_outage_is_logged_once_not_per_submit(
    nats_client: AcoustID, nats_server: NatsServer, submitter: Submitter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="acoustid_pg.submission_feed")
    announcer = nats_client.announcer
    assert announcer is not None
    nats_client.submit_many(submissions(submitter, 1, seed=5))  # connected, announced
    nats_server.halt()
    for seed in range(6, 10):
        nats_client.submit_many(submissions(submitter, 1, seed=seed))
    assert announcer.failures == 4
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "not announced" in warnings[0], warnings
    nats_server.start()
    wait_for(announcer.connected, 30, "the announcer to reconnect")
    nats_client.submit_many(submissions(submitter, 1, seed=10))
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings[1:] == ["announcing on NATS again after 4 submits that were not"]


def test_submits_without_nats_announce_nothing(client: AcoustID, submitter: Submitter) -> None:
    assert client.announcer is None
    assert len(client.submit_many(submissions(submitter, 1))) == 1


def test_a_connect_that_times_out_leaves_no_task_behind(
    nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    nats_server.halt()  # nothing answers: the client retries until our deadline cancels it
    caplog.set_level(logging.ERROR, logger="asyncio")
    with pytest.raises(MessagingError, match="did not complete in time"):
        JetStream.connect(nats_server.url, timeout=0.5)
    gc.collect()  # a task destroyed while pending is reported when it is collected
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
    nats_server.start()
