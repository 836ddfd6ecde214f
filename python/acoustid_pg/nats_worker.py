"""The import worker fed by NATS JetStream (``acoustid-pg worker --nats URL``).

It takes messages of the ``submissions`` stream's shared durable consumer (see
``acoustid_pg.submission_feed``), imports the ids they name exactly once (the same import as
every worker: PostgreSQL decides what is pending), and acknowledges a message only after the
import committed. Every ``poll_seconds`` it also sweeps ``pending_submission``, so submissions
whose message was never published, or was lost, are imported all the same.

A worker killed after its commit and before its acknowledgement leaves the message to be
delivered again (after the consumer's ack wait): the next worker finds its submissions
handled, acknowledges it and drops it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

import psycopg

from .api import AcoustID
from .errors import AcoustidError
from .ingest import ImportResult
from .nats_bridge import Delivery
from .submission_feed import DEFAULT_ACK_WAIT, SubmissionFeed, decode_ids
from .worker import DEFAULT_BATCH, DEFAULT_POLL_SECONDS, Worker

log = logging.getLogger("acoustid_pg.worker")

# How long one fetch waits for messages: a stop is noticed within this.
FETCH_SECONDS: Final = 1.0
# A message whose submissions another worker is importing comes back after this long.
BUSY_RETRY_SECONDS: Final = 1.0


class NatsWorker(Worker):
    """Imports what the stream announces and, every ``poll_seconds``, whatever is pending."""

    def __init__(
        self,
        client: AcoustID,
        nats_url: str,
        *,
        batch_size: int = DEFAULT_BATCH,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        ack_wait: float = DEFAULT_ACK_WAIT,
        on_batch: Callable[[list[ImportResult]], None] | None = None,
    ) -> None:
        super().__init__(client, batch_size=batch_size, poll_seconds=poll_seconds, on_batch=on_batch)
        self.nats_url = nats_url
        self.ack_wait = ack_wait
        self.acknowledged = 0
        self.dropped = 0  # messages whose submissions were all handled already

    def run(self) -> None:
        failures = 0
        feed: SubmissionFeed | None = None
        # The first sweep after one interval: at start the stream still holds every message a
        # stopped worker left, so sweeping first would only make them all redundant.
        next_sweep = time.monotonic() + self.poll_seconds
        try:
            while not self.stopping:
                try:
                    # The sweep first: with NATS unreachable, the worker still imports.
                    if time.monotonic() >= next_sweep:
                        self.drain()
                        next_sweep = time.monotonic() + self.poll_seconds
                    if feed is None:
                        feed = SubmissionFeed(self.nats_url, ack_wait=self.ack_wait)
                        log.info("consuming %s", self.nats_url)
                    wait = min(FETCH_SECONDS, max(0.05, next_sweep - time.monotonic()))
                    deliveries = feed.fetch(self.batch_size, wait)
                    if deliveries:
                        self.handle(deliveries)
                    failures = 0
                except (AcoustidError, psycopg.OperationalError) as exc:  # retry, do not die
                    failures += 1
                    delay = min(self.retry_delay(failures), max(0.05, next_sweep - time.monotonic()))
                    log.warning("worker step failed (%s); retrying in %.1f s", exc, delay)
                    self.sleep(delay)
        finally:
            if feed is not None:
                feed.close()

    def handle(self, deliveries: list[Delivery]) -> None:
        """Import what the messages name, then acknowledge each message whose ids are all
        handled; those naming submissions another worker holds come back later."""
        named: list[tuple[Delivery, list[int]]] = []
        for delivery in deliveries:
            try:
                named.append((delivery, decode_ids(delivery.data)))
            except ValueError as exc:
                log.error("dropping an unreadable message on %s: %s", delivery.subject, exc)
                delivery.term()
        wanted = sorted({i for _, ids in named for i in ids})
        busy: set[int] = set()
        for start in range(0, len(wanted), self.batch_size):
            outcome = self.client.process_submission_ids(wanted[start : start + self.batch_size])
            busy |= outcome.busy
            self.report(outcome.results)
        self.acknowledge(named, busy)

    def acknowledge(self, named: list[tuple[Delivery, list[int]]], busy: set[int]) -> None:
        """After the imports committed (a test stops the worker here to kill it)."""
        for delivery, ids in named:
            if busy.intersection(ids):
                delivery.nak(BUSY_RETRY_SECONDS)
            else:
                delivery.ack()
                self.acknowledged += 1
