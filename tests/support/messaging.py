"""Helpers for the message-layer tests: workers run in a thread until a condition holds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from acoustid_pg.api import AcoustID
from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.nats_worker import NatsWorker
from acoustid_pg.submission_feed import DURABLE, STREAM, SUBJECT


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def nats_worker_thread(client: AcoustID, url: str, **options: float) -> Iterator[NatsWorker]:
    """A NatsWorker running in a thread for the ``with`` block, then stopped and joined."""
    worker = NatsWorker(client, url, **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(30)
        worker.close()
    assert not thread.is_alive()


def consumer_backlog(url: str) -> tuple[int, int]:
    """(messages not yet delivered, delivered and not acknowledged) of the workers' consumer."""
    with JetStream.connect(url) as js:
        return js.pull_consumer(STREAM, SUBJECT, durable=DURABLE).pending()


def stream_messages(url: str) -> int:
    with JetStream.connect(url) as js:
        return int(js.stream_state(STREAM)["state"]["messages"])
