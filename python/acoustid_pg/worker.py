"""The import worker: imports pending submissions until told to stop.

It sleeps on LISTEN (``submit`` NOTIFYs), with a poll interval as a fallback
for lost notifications, and stops cleanly on SIGTERM or SIGINT: the batch in
progress finishes and commits first. A killed worker loses nothing (see
``acoustid_pg.ingest``). Run it as ``acoustid-pg worker`` (or ``python -m acoustid_pg worker``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, Final

import psycopg
from psycopg import sql

from .api import AcoustID
from .dberrors import first_line
from .errors import AcoustidError, ConnectError
from .ingest import NOTIFY_CHANNEL, ImportResult

log = logging.getLogger("acoustid_pg.worker")

DEFAULT_BATCH: Final = 100
DEFAULT_POLL_SECONDS: Final = 10.0
RETRY_SECONDS: Final = (0.5, 1.0, 2.0, 5.0, 10.0)  # after failures in a row


class Worker:
    """Imports batches of pending submissions through ``client`` until ``stop()``.

    ``on_batch`` (if given) sees every non-empty batch's results.
    """

    def __init__(
        self,
        client: AcoustID,
        *,
        batch_size: int = DEFAULT_BATCH,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        on_batch: Callable[[list[ImportResult]], None] | None = None,
    ) -> None:
        self.client = client
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.on_batch = on_batch
        self.imported = 0
        self._stopping = threading.Event()
        # stop() writes here, so a stop wakes the wait at once, from a signal handler or a thread.
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)

    def stop(self) -> None:
        self._stopping.set()
        # Already woken (a full pipe) or closed: the flag is what counts.
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def drain(self) -> int:
        """Import batches until nothing is pending (or a stop); returns how many were handled."""
        handled = 0
        while not self.stopping:
            results = self.client.process_submissions(self.batch_size)
            if not results:
                break
            handled += len(results)
            self.report(results)
        return handled

    def report(self, results: list[ImportResult]) -> None:
        """Count, log the skipped ones, and show ``on_batch`` a batch's results."""
        if not results:
            return
        self.imported += len(results)
        for result in results:
            if result.action == "skipped":
                log.info("submission %d skipped: %s", result.submission_id, result.skip_reason)
        if self.on_batch is not None:
            self.on_batch(results)

    def run(self) -> None:
        """Drain, then sleep until a NOTIFY, the poll interval or a stop; repeat until stopped."""
        failures = 0
        listener: psycopg.Connection[Any] | None = None
        try:
            while not self.stopping:
                try:
                    if listener is None or listener.closed:
                        listener = self._listen()
                    self.drain()
                    failures = 0
                    self._wait(listener)
                except (AcoustidError, psycopg.OperationalError) as exc:  # retry, do not die
                    failures += 1
                    delay = self.retry_delay(failures)
                    log.warning("import failed (%s); retrying in %s s", exc, delay)
                    if listener is not None:
                        listener.close()
                    self.sleep(delay)
        finally:
            if listener is not None:
                listener.close()

    def close(self) -> None:
        """Release the wake-up pipe (after ``run`` has returned)."""
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _listen(self) -> psycopg.Connection[Any]:
        settings = self.client.settings
        try:
            conn = psycopg.connect(settings.dsn(settings.dbname("ingest")), autocommit=True)
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(NOTIFY_CHANNEL)))
        except psycopg.OperationalError as exc:
            raise ConnectError(f"worker cannot listen for submissions: {first_line(exc)}") from exc
        return conn

    def _wait(self, listener: psycopg.Connection[Any]) -> None:
        """Until a notification, a stop or the poll interval; then consume what arrived."""
        ready, _, _ = select.select([listener.fileno(), self._wake_read], [], [], self.poll_seconds)
        if listener.fileno() in ready:
            try:
                for _ in listener.notifies(timeout=0):
                    pass
            except psycopg.OperationalError as exc:
                listener.close()
                raise ConnectError(f"worker lost its LISTEN connection: {first_line(exc)}") from exc

    def retry_delay(self, failures: int) -> float:
        return RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1]

    def sleep(self, seconds: float) -> None:
        """Up to ``seconds``, or until a stop."""
        select.select([self._wake_read], [], [], seconds)


def run_worker(worker: Worker, drain_only: bool) -> None:
    """Run with SIGTERM and SIGINT mapped to a clean stop (``acoustid-pg worker``)."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    started = time.monotonic()
    if drain_only:
        worker.drain()
    else:
        worker.run()
    log.info("stopped after %d submissions in %.1f s", worker.imported, time.monotonic() - started)
