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
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from .dberrors import translated
from .errors import ConnectError, InvalidArgumentError, ReplicaLagTimeout
from .settings import DATABASES, MUSICBRAINZ, Settings

POOL_TIMEOUT_SECONDS: Final = 10.0
# psycopg_pool retries a failed connection after 1, 2, 4, 8, ... seconds until this many
# seconds have passed, then gives up and starts over at once for the next caller. Its
# default (300 s) let the pause grow with the outage: after PostgreSQL had been down 30 s,
# a pool could wait another 10-30 s before trying again (the fault test saw submits come
# back 10 s after the server). 10 s bounds each pause at a few seconds.
RECONNECT_TIMEOUT_SECONDS: Final = 10.0
REPLICA_POLL_SECONDS: Final = 0.02


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
        self._replica_turn = itertools.count()
        self._replica_lock = threading.Lock()

    def pool(self, database: str) -> ConnectionPool[Any]:
        if database == MUSICBRAINZ:
            return self._musicbrainz_pool()
        return self._pools[self.settings.dbname(database)]

    def _musicbrainz_pool(self) -> ConnectionPool[Any]:
        external = self.settings.external_musicbrainz
        key = "musicbrainz (external)" if external else self.settings.dbname(MUSICBRAINZ)
        with self._replica_lock:
            if key not in self._pools:
                dsn = self.settings.database_dsn(MUSICBRAINZ)
                options = {"options": "-c default_transaction_read_only=on"} if external else {}
                self._pools[key] = _pool_for(dsn, key, 0, self._sizes[1], options)
                self._pools[key].open(wait=False)
            return self._pools[key]

    def replica_pool(self, replica: int, database: str) -> ConnectionPool[Any]:
        """The pool of ``database`` on replica number ``replica`` (opened on first use)."""
        key = (replica, self.replicas[replica].dbname(database))
        with self._replica_lock:
            if key not in self._replica_pools:
                self._replica_pools[key] = _pool(self.replicas[replica], key[1], *self._sizes)
                self._replica_pools[key].open(wait=False)
            return self._replica_pools[key]

    @contextmanager
    def connection(
        self, database: str, operation: str, *, read_only: bool = False
    ) -> Iterator[psycopg.Connection[Any]]:
        """A pooled autocommit connection to app, fingerprint or ingest, for ``operation``.

        Errors inside the block come out as acoustid_pg's typed exceptions, naming the
        operation and the database. Use ``with conn.transaction():`` for work that must be
        atomic. ``read_only`` work goes to the next replica in turn when there are replicas
        (it may not see the latest writes yet: see ``wait_for_replicas``).
        """
        pool, where = self.pool(database), ""
        external = database == MUSICBRAINZ and self.settings.external_musicbrainz
        if read_only and self.replicas and not external:
            replica = next(self._replica_turn) % len(self.replicas)
            pool, where = self.replica_pool(replica, database), f" on replica {replica}"
        name = "the MusicBrainz database" if external else self.settings.dbname(database)
        try:
            with pool.connection(timeout=POOL_TIMEOUT_SECONDS) as conn, translated(name, operation):
                yield conn
        except PoolTimeout as exc:
            raise ConnectError(f"cannot connect to database {name!r}{where}: {exc}") from exc

    def wait_for_replicas(self, timeout: float = 10.0) -> None:
        """Return once every replica has replayed everything the primary had written when called.

        Raises ReplicaLagTimeout after ``timeout`` seconds. Without replicas it returns at once.
        """
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise InvalidArgumentError("timeout", f"must be a positive number of seconds, got {timeout!r}")
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
        for pool in [*self._pools.values(), *self._replica_pools.values()]:
            pool.close()


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
        check=ConnectionPool.check_connection,
        reconnect_timeout=RECONNECT_TIMEOUT_SECONDS,
    )
