"""Submissions on NATS JetStream: ``submit`` announces the ids it committed, workers on any host
consume them.

The stream ``submissions`` (subject ``submissions.new``, work-queue retention: a message goes
once acknowledged) carries one message per committed ``submit``/``submit_many``: the JSON list
of its submission ids. Workers share the durable pull consumer ``import-workers``; each message
goes to one of them, which acknowledges it only once the import of its ids committed.

PostgreSQL stays the source of truth: ``pending_submission`` is the queue, a message only says
"look at these now". A message for submissions already handled is acknowledged and dropped; a
publish that never happened (NATS down, the process killed between commit and publish) is
made up for by the workers' periodic sweep of ``pending_submission``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Final

from .nats_bridge import Delivery, JetStream, MessagingError

STREAM: Final = "submissions"
SUBJECT: Final = "submissions.new"
DURABLE: Final = "import-workers"
# A worker that took a message and died: the message goes to another worker after this long.
DEFAULT_ACK_WAIT: Final = 30.0
# After a failed connection, submits publish nothing (and do not wait) for this long.
RECONNECT_PAUSE: Final = 5.0

log = logging.getLogger("acoustid_pg.submission_feed")


def encode_ids(ids: Sequence[int]) -> bytes:
    return json.dumps(list(ids)).encode()


def decode_ids(data: bytes) -> list[int]:
    """The ids of a message; ValueError if it is not a JSON list of positive ints."""
    ids = json.loads(data)
    if not isinstance(ids, list) or not all(type(i) is int and i > 0 for i in ids):
        raise ValueError(f"not a list of submission ids: {data[:80]!r}")
    return ids


def ensure_stream(js: JetStream) -> None:
    js.ensure_stream(STREAM, [f"{STREAM}.>"], work_queue=True)


class SubmissionAnnouncer:
    """Publishes the ids of committed submissions to ``submissions.new``. It never fails a
    submit: with NATS unreachable it logs and returns (the workers' sweep imports them)."""

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        self.url = url
        self._timeout = timeout
        self._js: JetStream | None = None
        self._paused_until = 0.0
        self._lock = threading.Lock()  # one connection for every thread of the client
        self.failures = 0
        self._missed = 0  # failed announcements since the last one that went through

    def announce(self, ids: Sequence[int]) -> bool:
        """Whether the stream stored the message."""
        if not ids:
            return True
        try:
            js = self._connection()
            if js is None or not js.connected:
                raise MessagingError("not connected to NATS")
            js.publish(SUBJECT, encode_ids(ids), timeout=self._timeout)
        except MessagingError as exc:
            self.failures += 1
            self._missed += 1
            # One warning per outage, not one per submit: a busy service would flood its log.
            level = logging.WARNING if self._missed == 1 else logging.DEBUG
            log.log(
                level, "submissions %d..%d not announced on NATS (%s); the sweep imports them "
                "(further failures are logged when NATS is back)", ids[0], ids[-1], exc,
            )  # fmt: skip
            return False
        if self._missed:
            log.warning("announcing on NATS again after %d submits that were not", self._missed)
            self._missed = 0
        return True

    def connected(self) -> bool:
        """Whether the announcer holds a live connection now."""
        with self._lock:
            return self._js is not None and self._js.connected

    def _connection(self) -> JetStream | None:
        with self._lock:
            if self._js is None and time.monotonic() >= self._paused_until:
                try:
                    js = JetStream.connect(self.url, name="acoustid-pg submit", timeout=self._timeout)
                except MessagingError:
                    self._paused_until = time.monotonic() + RECONNECT_PAUSE
                    raise
                try:
                    ensure_stream(js)
                except MessagingError:
                    js.close()
                    self._paused_until = time.monotonic() + RECONNECT_PAUSE
                    raise
                self._js = js
            return self._js

    def close(self) -> None:
        with self._lock:
            if self._js is not None:
                self._js.close()
                self._js = None


class SubmissionFeed:
    """A worker's end of the stream: messages of the shared durable consumer."""

    def __init__(self, url: str, *, ack_wait: float = DEFAULT_ACK_WAIT, durable: str = DURABLE) -> None:
        # ack_wait counts when this call creates the consumer; an existing one keeps its own.
        self.url = url
        self._js = JetStream.connect(url, name="acoustid-pg worker")
        try:
            ensure_stream(self._js)
            self._consumer = self._js.pull_consumer(STREAM, SUBJECT, durable=durable, ack_wait=ack_wait)
        except BaseException:
            self._js.close()
            raise

    def fetch(self, batch: int, timeout: float) -> list[Delivery]:
        return self._consumer.fetch(batch, timeout)

    def pending(self) -> tuple[int, int]:
        """(messages waiting, messages delivered and not yet acknowledged)."""
        return self._consumer.pending()

    def close(self) -> None:
        self._js.close()
