"""Connection pools for the app, fingerprint and ingest databases, and for their replicas.

The MusicBrainz database's pool opens on first use (only lookups with metadata need it);
when it is an existing MusicBrainz database (``Settings.musicbrainz_dsn``), its sessions
are read only and it is never looked for on the replicas.

``Pools.connection`` is the one place the driver gets a connection, and so the one place
psycopg's errors become acoustid_pg's (``acoustid_pg.dberrors``). Read-only work (lookups)
may go to streaming replicas: ``connection(db, read_only=True)`` takes turns over the
replicas' pools, made on first use, or uses the primary if there are none.

A replica is a hot standby of the whole primary cluster (``pg_basebackup -R``), so it holds
all three databases under the same names.

``connection(db, statement_timeout=seconds)`` hands out a session that already runs with that
``statement_timeout``, from pools of its own made on first use (one set per distinct timeout, up
to ``MAX_TIMEOUT_POOLS``; past that, the session is set and reset around the work). A lookup is
then one statement: scoping the timeout with ``SET LOCAL`` took a transaction and three more
round trips, a quarter of a lookup's time at a million fingerprints.
"""

from __future__ import annotations

import itertools
import select
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool, PoolTimeout

from .checks import check_seconds
from .dberrors import translated
from .errors import ConnectError, ReplicaLagTimeout
from .settings import DATABASES, MUSICBRAINZ, Settings

POOL_TIMEOUT_SECONDS: Final = 10.0
# psycopg_pool retries a failed connection after 1, 2, 4, 8, ... seconds until this many
# seconds have passed, then gives up and starts over at once for the next caller. Its
# default (300 s) let the pause grow with the outage: after PostgreSQL had been down 30 s,
# a pool could wait another 10-30 s before trying again (the fault test saw submits come
# back 10 s after the server). 10 s bounds each pause at a few seconds.
RECONNECT_TIMEOUT_SECONDS: Final = 10.0
_READ_ONLY: Final = "-c default_transaction_read_only=on"
REPLICA_POLL_SECONDS: Final = 0.02
MAX_TIMEOUT_POOLS: Final = 4
_LONGEST_TIMEOUT_MS: Final = 2**31 - 1  # statement_timeout is an int4 of milliseconds


class Pools:
    """Pools of connections to the three databases (and to replicas, opened on first use).

    Databases that share a name (a small install keeping all three in one database)
    share one pool.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        min_size: int = 1,
        max_size: int = 10,
        replicas: Sequence[Settings] = (),
    ) -> None:
        self.settings = settings
        self.replicas = tuple(replicas)
        self._sizes = (min_size, max_size)
        self._pools: dict[str, ConnectionPool[Any]] = {}
        for database in DATABASES:
            name = settings.dbname(database)
            if name not in self._pools:
                self._pools[name] = _pool(settings, name, min_size, max_size)
        for pool in self._pools.values():
            pool.open(wait=False)
        self._replica_pools: dict[tuple[int, str], ConnectionPool[Any]] = {}
        # (replica or None for the primary, database, statement_timeout in ms) -> pool
        self._timeout_pools: dict[tuple[int | None, str, int], ConnectionPool[Any]] = {}
        self._replica_turn = itertools.count()
        self._lock = threading.Lock()  # guards the pools made on first use (replica, timeout, MusicBrainz)

    def pool(self, database: str) -> ConnectionPool[Any]:
        if database == MUSICBRAINZ:
            return self._musicbrainz_pool()
        return self._pools[self.settings.dbname(database)]

    def _musicbrainz_pool(self) -> ConnectionPool[Any]:
        external = self.settings.external_musicbrainz
        key = "musicbrainz (external)" if external else self.settings.dbname(MUSICBRAINZ)
        with self._lock:
            if key not in self._pools:
                dsn, options = self._dsn(MUSICBRAINZ)
                self._pools[key] = _pool_for(dsn, key, 0, self._sizes[1], _session_options(dsn, options))
                self._pools[key].open(wait=False)
            return self._pools[key]

    def replica_pool(self, replica: int, database: str) -> ConnectionPool[Any]:
        """The pool of ``database`` on replica number ``replica`` (opened on first use)."""
        key = (replica, self.replicas[replica].dbname(database))
        with self._lock:
            if key not in self._replica_pools:
                self._replica_pools[key] = _pool(self.replicas[replica], key[1], *self._sizes)
                self._replica_pools[key].open(wait=False)
            return self._replica_pools[key]

    @contextmanager
    def connection(
        self,
        database: str,
        operation: str,
        *,
        read_only: bool = False,
        statement_timeout: float | None = None,
    ) -> Iterator[psycopg.Connection[Any]]:
        """A pooled autocommit connection to app, fingerprint or ingest, for ``operation``.

        Errors inside the block come out as acoustid_pg's typed exceptions, naming the
        operation and the database. Use ``with conn.transaction():`` for work that must be
        atomic. ``read_only`` work goes to the next replica in turn when there are replicas
        (it may not see the latest writes yet: see ``wait_for_replicas``). With
        ``statement_timeout`` (seconds), every statement of the session is cancelled past it.
        """
        external = database == MUSICBRAINZ and self.settings.external_musicbrainz
        replica, where = None, ""
        if read_only and self.replicas and not external:
            replica = next(self._replica_turn) % len(self.replicas)
            where = f" on replica {replica}"
        milliseconds = None if statement_timeout is None else timeout_milliseconds(statement_timeout)
        preset = None if milliseconds is None else self._timeout_pool(database, replica, milliseconds)
        if preset is not None:
            pool = preset
        elif replica is None:
            pool = self.pool(database)
        else:
            pool = self.replica_pool(replica, database)
        name = "the MusicBrainz database" if external else self.settings.dbname(database)
        try:
            with pool.connection(timeout=POOL_TIMEOUT_SECONDS) as conn, translated(name, operation):
                if milliseconds is None or preset is not None:
                    yield conn
                else:
                    with session_timeout(conn, milliseconds):
                        yield conn
        except PoolTimeout as exc:
            raise ConnectError(f"cannot connect to database {name!r}{where}: {exc}") from exc

    def _timeout_pool(
        self, database: str, replica: int | None, milliseconds: int
    ) -> ConnectionPool[Any] | None:
        """The pool whose sessions run with this statement_timeout (made on first use), or None
        once MAX_TIMEOUT_POOLS other timeouts have pools."""
        name = (self.settings if replica is None else self.replicas[replica]).dbname(database)
        key = (replica, name, milliseconds)
        with self._lock:
            if key not in self._timeout_pools:
                if len({k[2] for k in self._timeout_pools} | {milliseconds}) > MAX_TIMEOUT_POOLS:
                    return None
                # Only here: making a DSN parses a conninfo (60 us), too dear for every lookup.
                if replica is None:
                    dsn, options = self._dsn(database)
                else:
                    dsn, options = self.replicas[replica].dsn(name), ""
                label = f"{name} (statement_timeout {milliseconds} ms)"
                session = _session_options(dsn, options, f"-c statement_timeout={milliseconds}")
                pool = _pool_for(dsn, label, 0, self._sizes[1], session)
                pool.open(wait=False)
                self._timeout_pools[key] = pool
            return self._timeout_pools[key]

    def _dsn(self, database: str) -> tuple[str, str]:
        """The primary's DSN for ``database`` and the session options its pool gives."""
        if database == MUSICBRAINZ:
            external = self.settings.external_musicbrainz
            return self.settings.database_dsn(MUSICBRAINZ), _READ_ONLY if external else ""
        return self.settings.dsn(self.settings.dbname(database)), ""

    def wait_for_replicas(self, timeout: float = 10.0) -> None:
        """Return once every replica has replayed everything the primary had written when called.

        Raises ReplicaLagTimeout after ``timeout`` seconds. Without replicas it returns at once.
        """
        timeout = check_seconds("timeout", timeout)
        if not self.replicas:
            return
        with self.connection("fingerprint", "replica wait") as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        target = row[0]
        deadline = time.monotonic() + timeout
        for replica in range(len(self.replicas)):
            while not self._replayed(replica, target):
                if time.monotonic() > deadline:
                    raise ReplicaLagTimeout(
                        f"replica {replica} has not replayed WAL {target} after {timeout} s"
                    )
                time.sleep(REPLICA_POLL_SECONDS)

    def _replayed(self, replica: int, lsn: str) -> bool:
        pool = self.replica_pool(replica, "fingerprint")
        with pool.connection() as conn, translated(self.settings.dbname("fingerprint"), "replica wait"):
            # NULL on a server that is not in recovery (a promoted replica): it has everything.
            row = conn.execute(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, TRUE)", [lsn]
            ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        for pool in [*self._pools.values(), *self._replica_pools.values(), *self._timeout_pools.values()]:
            pool.close()


def _session_options(dsn: str, *settings: str) -> dict[str, str]:
    """Connection keywords adding ``settings`` (``-c name=value``) to the DSN's own options,
    which a separate ``options`` keyword would replace rather than extend."""
    given = str(conninfo_to_dict(dsn).get("options") or "")
    merged = " ".join(filter(None, (given, *settings)))
    return {"options": merged} if merged else {}


def check_connection(conn: psycopg.Connection[Any]) -> None:
    """The pool's check of a connection it is about to hand out.

    A server that ends an idle session (restart, crash, pg_terminate_backend) sends its
    goodbye or closes the socket, which makes the socket readable; a healthy idle session's
    socket has nothing to read. Only then is it worth psycopg_pool's check, a round trip that
    was a sixth of a lookup on an idle machine (0.2 ms).
    """
    if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
        ConnectionPool.check_connection(conn)
        return
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        ConnectionPool.check_connection(conn)


def timeout_milliseconds(seconds: object) -> int:
    """A timeout in seconds as statement_timeout's whole milliseconds: at least 1 (0 means
    none), at most what the setting holds (about 24.8 days, for anything longer)."""
    positive = check_seconds("statement_timeout", seconds)
    return max(1, round(min(positive * 1000, _LONGEST_TIMEOUT_MS)))


@contextmanager
def session_timeout(conn: psycopg.Connection[Any], milliseconds: int) -> Iterator[None]:
    """Run the block with the session's statement_timeout set, then put the server's back."""
    conn.execute("SELECT set_config('statement_timeout', %s, false)", [str(milliseconds)])
    try:
        yield
    finally:
        if conn.info.transaction_status == TransactionStatus.IDLE:
            conn.execute("RESET statement_timeout")
        else:  # left mid-transaction or broken: the pool must not hand the setting on
            conn.close()


def _pool(settings: Settings, name: str, min_size: int, max_size: int) -> ConnectionPool[Any]:
    return _pool_for(settings.dsn(name), name, min_size, max_size)


def _pool_for(
    dsn: str, name: str, min_size: int, max_size: int, extra: dict[str, str] | None = None
) -> ConnectionPool[Any]:
    return ConnectionPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        open=False,
        name=f"acoustid-{name}",
        kwargs={"autocommit": True, **(extra or {})},
        check=check_connection,
        reconnect_timeout=RECONNECT_TIMEOUT_SECONDS,
    )
