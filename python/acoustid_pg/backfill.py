"""Resumable backfills: a job walks a table in id order, batch by batch, keeping its place in Redis.

State lives under the seed's keys ``backfill:{name}:last_id`` (the last id a committed batch
covered), ``backfill:{name}:batch_size`` and ``backfill:{name}:completed`` (``1`` once the
walk reached the end). A batch is committed first and its ``last_id`` written after, so a
backfill killed anywhere redoes at most the one batch between the two, and every job's batch
is idempotent (it skips what a previous run committed), so nothing is done twice.

Two runs of one backfill at once would race on ``last_id``: a run holds the lock
``backfill:{name}:lock`` (``host:pid:token``, with an expiry a heartbeat thread keeps
extending), and a second run is refused with BackfillRunning. A run killed without releasing
the lock frees it on expiry; on the same host, a new run sees that the holder's process is
gone and takes the lock over at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import redis

from .errors import AcoustidError, InvalidArgumentError

DEFAULT_BATCH: Final = 10_000
MAX_BATCH: Final = 1_000_000
LOCK_SECONDS: Final = 30  # a killed run's lock frees itself after this long

log = logging.getLogger("acoustid_pg.backfill")

Progress = Callable[[int, int], None]  # (rows done so far, rows in all)

# Extend or release the lock only if it is still ours (its token).
_EXTEND: Final = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end
return 0
"""
# Take over a lock still holding the value we judged stale.
_TAKE_OVER: Final = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return false
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


@contextlib.contextmanager
def redis_errors(what: str) -> Iterator[None]:
    """Redis failures as BackfillError (one line for the command line, not a traceback)."""
    try:
        yield
    except redis.RedisError as exc:
        raise BackfillError(f"{what}: Redis failed: {exc}") from exc


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
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self._stopping = False
        self._lock_lost = threading.Event()
        self._released = threading.Event()

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
        heartbeat = threading.Thread(target=self._heartbeat, name=f"backfill {name} lock", daemon=True)
        heartbeat.start()
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
                if self._lock_lost.is_set():
                    raise BackfillError(
                        f"backfill {name}: lost its lock (Redis restarted, or another run took it)"
                    )
                rows += written
                batches += 1
                if progress:
                    progress(rows, total)
            return BackfillReport(name, last_id, rows, batches, time.monotonic() - started, False)
        except redis.RedisError as exc:
            raise BackfillError(f"backfill {name}: Redis failed: {exc}") from exc
        finally:
            self._released.set()
            heartbeat.join()
            self._release()

    def _acquire(self) -> None:
        lock = key(self.job.name, "lock")
        try:
            if self.client.set(lock, self._token, nx=True, ex=LOCK_SECONDS):
                return
            found = self.client.get(lock)
            holder = found.decode() if isinstance(found, bytes) else found
            if (
                holder is not None
                and _holder_gone(holder)
                and self.client.eval(_TAKE_OVER, 1, lock, holder, self._token, LOCK_SECONDS)
            ):
                log.info("backfill %s: took over the lock of a run that is gone (%s)", self.job.name, holder)
                return
        except redis.RedisError as exc:
            raise BackfillError(f"backfill {self.job.name}: cannot reach Redis: {exc}") from exc
        shown = holder.rsplit(":", 1)[0] if holder else "?"
        raise BackfillRunning(
            f"backfill {self.job.name} is already running (lock {lock}, held by {shown}; the lock of a run "
            f"killed on another host expires within {LOCK_SECONDS} s)"
        )

    def _heartbeat(self) -> None:
        """Keep the lock from expiring while batches run, however long one takes."""
        while not self._released.wait(LOCK_SECONDS / 3):
            try:
                if not self.client.eval(_EXTEND, 1, key(self.job.name, "lock"), self._token, LOCK_SECONDS):
                    self._lock_lost.set()
            except redis.RedisError:
                self._lock_lost.set()

    def _release(self) -> None:
        try:
            self.client.eval(_RELEASE, 1, key(self.job.name, "lock"), self._token)
        except redis.RedisError:
            log.warning("backfill %s: could not release its lock; it expires by itself", self.job.name)


def _holder_gone(holder: str) -> bool:
    """Whether the lock's holder ran on this host and its process no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    with contextlib.suppress(OSError):
        # A zombie (killed, not yet reaped) is gone too.
        return Path(f"/proc/{pid_text}/stat").read_text().split(") ", 1)[1].startswith("Z")
    return False
