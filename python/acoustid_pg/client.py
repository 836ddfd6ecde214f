"""One object per deployment: connection pools for the three databases.

The operations (lookup, submit, accounts, ...) are mixins in their own modules
built on ``ClientBase.connection``; ``acoustid_pg.connect`` assembles them.
Read-only work (lookups) may go to streaming replicas: ``connection(db, read_only=True)``
takes turns over the replicas' pools, made on first use, or uses the primary if there are none.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from .errors import ConnectError
from .settings import DATABASES, Settings

POOL_TIMEOUT_SECONDS = 10.0

_Client = TypeVar("_Client", bound="ClientBase")


class ClientBase:
    """Pools of connections to the app, fingerprint and ingest databases.

    Databases that share a name (a small install keeping all three in one
    database) share one pool.
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
        return self._pools[self.settings.dbname(database)]

    def replica_pool(self, replica: int, database: str) -> ConnectionPool[Any]:
        """The pool of ``database`` on replica number ``replica`` (opened on first use)."""
        key = (replica, self.replicas[replica].dbname(database))
        with self._replica_lock:
            if key not in self._replica_pools:
                self._replica_pools[key] = _pool(self.replicas[replica], key[1], *self._sizes)
                self._replica_pools[key].open(wait=False)
            return self._replica_pools[key]

    @contextmanager
    def connection(self, database: str, *, read_only: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A pooled autocommit connection to app, fingerprint or ingest.

        Use ``with conn.transaction():`` for work that must be atomic. ``read_only``
        work goes to the next replica in turn when there are replicas (it may not see the
        latest writes yet: see ``wait_for_replicas``).
        """
        pool, where = self.pool(database), ""
        if read_only and self.replicas:
            replica = next(self._replica_turn) % len(self.replicas)
            pool, where = self.replica_pool(replica, database), f" on replica {replica}"
        try:
            with pool.connection(timeout=POOL_TIMEOUT_SECONDS) as conn:
                yield conn
        except PoolTimeout as exc:
            name = self.settings.dbname(database)
            raise ConnectError(f"cannot connect to database {name!r}{where}: {exc}") from exc

    def close(self) -> None:
        for pool in [*self._pools.values(), *self._replica_pools.values()]:
            pool.close()

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pool(settings: Settings, name: str, min_size: int, max_size: int) -> ConnectionPool[Any]:
    return ConnectionPool(
        settings.dsn(name),
        min_size=min_size,
        max_size=max_size,
        open=False,
        name=f"acoustid-{name}",
        kwargs={"autocommit": True},
        check=ConnectionPool.check_connection,
    )
