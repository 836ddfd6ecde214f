"""The changelog publisher: ``fingerprint_changelog``, in commit order, onto the ``fpindex`` stream.

Each change becomes one message on ``fpindex.changes.<fingerprint_id>`` (``acoustid_pg.fpindex``).
The cursor (the last changelog id the stream acknowledged) is kept in Redis under
``fpindex:publisher:cursor``, written after the stream's acknowledgements: a publisher killed
between the two publishes those changes again on restart (at least once), and their message ids
(``fpindex-change-<id>``) let the stream drop such repeats within its duplicate window (two
minutes by default). A publisher with no cursor starts where ``backfill fpindex`` began (its
``backfill:fpindex:changelog_cursor``), else at the start of the log.

Messages are sent in windows in which no fingerprint appears twice, each window acknowledged
before the next is sent: a failure inside a window can reorder only messages of different
fingerprints, so each fingerprint's messages reach the stream in changelog order, and the
cursor only passes the acknowledged prefix.

Entries pruned before the publisher saw them raise ChangelogGap (never skipped silently): the
stream then needs ``acoustid-pg backfill fpindex`` (after deleting the stream) to be whole again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import psycopg
import redis

from .backfill_jobs import CHANGELOG_CURSOR
from .changelog import DEFAULT_BATCH, Change, Changelog
from .errors import AcoustidError, ChangelogGap
from .fpindex import FingerprintMessage, ensure_stream, subject
from .nats_bridge import JetStream, MessagingError
from .pools import Pools

CURSOR_KEY: Final = "fpindex:publisher:cursor"
RETRY_SECONDS: Final = (0.5, 1.0, 2.0, 5.0, 10.0)

log = logging.getLogger("acoustid_pg.changelog_publisher")


class PublishFailed(MessagingError):
    """The stream did not acknowledge every message of a window; the cursor stays before it."""


@dataclass(frozen=True)
class PublishedBatch:
    published: int
    cursor: int


class ChangelogPublisher:
    """Publishes the changelog after the stored cursor, batch by batch (see the module doc)."""

    def __init__(
        self,
        pools: Pools,
        js: JetStream,
        client: redis.Redis,
        *,
        batch_size: int = DEFAULT_BATCH,
        before_cursor_write: Callable[[int], None] | None = None,
    ) -> None:
        self._pools = pools
        self._changelog = Changelog(pools)
        self._js = js
        self._redis = client
        self.batch_size = batch_size
        # Tests stop the publisher here: published and acknowledged, cursor not yet written.
        self._before_cursor_write = before_cursor_write
        self.published = 0
        self._stopping = threading.Event()
        self._stream_ready = False

    def cursor(self) -> int:
        stored = self._redis.get(CURSOR_KEY)
        if stored is None:
            stored = self._redis.get(CHANGELOG_CURSOR)
        return int(stored or 0)

    def publish_batch(self) -> PublishedBatch:
        """Publish up to ``batch_size`` changes after the cursor; ChangelogGap if some were pruned."""
        if not self._stream_ready:
            ensure_stream(self._js)
            self._stream_ready = True
        cursor = self.cursor()
        changes = self._changelog.changes(cursor, limit=self.batch_size)
        if not changes:
            return PublishedBatch(0, cursor)
        simhashes = self._simhashes({c.fingerprint_id for c in changes if c.op != "delete"})
        published = 0
        for window in _windows(changes):
            messages = [
                (
                    subject(change.fingerprint_id),
                    _message(change, simhashes.get(change.fingerprint_id)).encode(),
                    f"fpindex-change-{change.id}",
                    None,
                )
                for change in window
            ]
            results = self._js.publish_many(messages, timeout=10)
            acknowledged = 0
            for result in results:
                if isinstance(result, MessagingError):
                    break
                acknowledged += 1
            if acknowledged:
                self._advance(window[acknowledged - 1].id)
                published += acknowledged
                self.published += acknowledged
            if acknowledged < len(window):
                failed = results[acknowledged]
                raise PublishFailed(f"change {window[acknowledged].id} not acknowledged: {failed}")
        return PublishedBatch(published, changes[-1].id)

    def run(self, *, poll_seconds: float = 1.0) -> None:
        """Publish until ``stop()``: batches back to back while there are changes, then a poll.
        NATS, Redis or PostgreSQL failures are retried; ChangelogGap stops it (raised)."""
        failures = 0
        while not self._stopping.is_set():
            try:
                done = self.publish_batch()
                failures = 0
                if done.published == 0:
                    self._stopping.wait(poll_seconds)
            except ChangelogGap:
                raise
            except (AcoustidError, redis.RedisError, psycopg.OperationalError) as exc:
                failures += 1
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1]
                log.warning("publishing failed (%s); retrying in %s s", exc, delay)
                self._stopping.wait(delay)

    def stop(self) -> None:
        self._stopping.set()

    def _advance(self, cursor: int) -> None:
        if self._before_cursor_write is not None:
            self._before_cursor_write(cursor)
        self._redis.set(CURSOR_KEY, cursor)

    def _simhashes(self, fingerprint_ids: set[int]) -> dict[int, int]:
        if not fingerprint_ids:
            return {}
        with self._pools.connection("fingerprint", "changelog publisher", read_only=True) as conn:
            rows = conn.execute(
                "SELECT id, acoustid_simhash(fingerprint) FROM fingerprint WHERE id = ANY(%s::int4[])",
                [sorted(fingerprint_ids)],
            ).fetchall()
        return {int(fp_id): int(simhash) for fp_id, simhash in rows}


def _message(change: Change, simhash: int | None) -> FingerprintMessage:
    return FingerprintMessage(
        change.op, change.fingerprint_id, change.id, change.query, None if change.op == "delete" else simhash
    )


def _windows(changes: list[Change]) -> list[list[Change]]:
    """Consecutive runs of changes in which no fingerprint appears twice."""
    windows: list[list[Change]] = [[]]
    seen: set[int] = set()
    for change in changes:
        if change.fingerprint_id in seen:
            windows.append([])
            seen = set()
        windows[-1].append(change)
        seen.add(change.fingerprint_id)
    return windows
