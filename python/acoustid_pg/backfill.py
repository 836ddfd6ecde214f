"""Resumable backfills: a job walks a table in id order, batch by batch, keeping its place in Redis.

State lives under the seed's keys ``backfill:{name}:last_id`` (the last id a committed batch
covered), ``backfill:{name}:batch_size`` and ``backfill:{name}:completed`` (``1`` once the
walk reached the end). A batch is committed first and its ``last_id`` written after, so a
backfill killed anywhere redoes at most the one batch between the two, and every job's batch
is idempotent (it skips what a previous run committed), so nothing is done twice.

Two runs of one backfill at once would race on ``last_id``: a run holds the lock
``backfill:{name}:lock`` (a token with an expiry it keeps extending), and a second run is
refused with BackfillRunning. A run killed without releasing it frees it on expiry.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import redis

from .errors import AcoustidError, InvalidArgumentError

DEFAULT_BATCH: Final = 10_000
MAX_BATCH: Final = 1_000_000
LOCK_SECONDS: Final = 60  # a killed run's lock frees itself after this long

log = logging.getLogger("acoustid_pg.backfill")

Progress = Callable[[int, int], None]  # (rows done so far, rows in all)

# Extend or release the lock only if it is still ours (its token).
_EXTEND: Final = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE: Final = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class BackfillError(AcoustidError):
    """A backfill could not run (Redis unreachable, its lock lost, a batch failing)."""


class BackfillRunning(BackfillError):
    """Another run of the same backfill holds its lock."""


class BackfillJob(Protocol):
    """What a backfill does: ``name`` keys its state; ``remaining(after)`` counts the rows left
    after id ``after`` (for progress); ``run_batch(after, limit)`` commits the next batch of at
    most ``limit`` rows after ``after`` and returns the last id it covered (None: nothing left)."""

    name: str

    def remaining(self, after: int) -> int: ...

    def run_batch(self, after: int, limit: int) -> tuple[int, int] | None:
        """(last id covered, rows written) of the committed batch, or None at the end."""
        ...


def key(name: str, state: str) -> str:
    return f"backfill:{name}:{state}"


@dataclass(frozen=True)
class BackfillState:
    last_id: int
    batch_size: int | None
    completed: bool


def read_state(client: redis.Redis, name: str) -> BackfillState:
    last_id, batch_size, completed = client.mget(
        [key(name, "last_id"), key(name, "batch_size"), key(name, "completed")]
    )
    return BackfillState(
        last_id=int(last_id or 0),
        batch_size=int(batch_size) if batch_size else None,
        completed=completed in (b"1", "1"),
    )


@dataclass(frozen=True)
class BackfillReport:
    name: str
    last_id: int
    rows: int  # written by this run
    batches: int
    seconds: float
    completed: bool


class Backfill:
    """Runs ``job`` to its end (or ``stop_after`` batches), resuming from its Redis state."""

    def __init__(self, job: BackfillJob, client: redis.Redis) -> None:
        self.job = job
        self.client = client
        self._token = uuid.uuid4().hex
        self._stopping = False

    def stop(self) -> None:
        """Stop after the batch in progress (from a signal handler)."""
        self._stopping = True

    def run(
        self,
        *,
        batch_size: int | None = None,
        restart: bool = False,
        progress: Progress | None = None,
    ) -> BackfillReport:
        """``batch_size`` overrides (and is kept as) the stored one; ``restart`` starts over."""
        if batch_size is not None and (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or not 1 <= batch_size <= MAX_BATCH
        ):
            raise InvalidArgumentError(
                "batch_size", f"must be an int between 1 and {MAX_BATCH}, got {batch_size!r}"
            )
        name = self.job.name
        self._acquire()
        try:
            if restart:
                self.client.delete(key(name, "last_id"), key(name, "completed"))
            state = read_state(self.client, name)
            size = batch_size or state.batch_size or DEFAULT_BATCH
            self.client.set(key(name, "batch_size"), size)
            started = time.monotonic()
            last_id, rows, batches = state.last_id, 0, 0
            if state.completed:
                return BackfillReport(name, last_id, 0, 0, 0.0, True)
            total = self.job.remaining(last_id)
            if progress:
                progress(0, total)
            while not self._stopping:
                done = self.job.run_batch(last_id, size)
                if done is None:
                    self.client.set(key(name, "completed"), 1)
                    return BackfillReport(name, last_id, rows, batches, time.monotonic() - started, True)
                last_id, written = done
                # After the commit: a kill between the two redoes this (idempotent) batch.
                self.client.set(key(name, "last_id"), last_id)
                self._extend()
                rows += written
                batches += 1
                if progress:
                    progress(rows, total)
            return BackfillReport(name, last_id, rows, batches, time.monotonic() - started, False)
        except redis.RedisError as exc:
            raise BackfillError(f"backfill {name}: Redis failed: {exc}") from exc
        finally:
            self._release()

    def _acquire(self) -> None:
        try:
            taken = self.client.set(key(self.job.name, "lock"), self._token, nx=True, ex=LOCK_SECONDS)
        except redis.RedisError as exc:
            raise BackfillError(f"backfill {self.job.name}: cannot reach Redis: {exc}") from exc
        if not taken:
            raise BackfillRunning(
                f"backfill {self.job.name} is already running (lock {key(self.job.name, 'lock')}; a killed "
                f"run's lock expires within {LOCK_SECONDS} s)"
            )

    def _extend(self) -> None:
        if not self.client.eval(_EXTEND, 1, key(self.job.name, "lock"), self._token, LOCK_SECONDS):
            raise BackfillError(
                f"backfill {self.job.name}: lost its lock (a batch took over {LOCK_SECONDS} s?)"
            )

    def _release(self) -> None:
        try:
            self.client.eval(_RELEASE, 1, key(self.job.name, "lock"), self._token)
        except redis.RedisError:
            log.warning("backfill %s: could not release its lock; it expires by itself", self.job.name)
