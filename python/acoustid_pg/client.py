"""One object per deployment: connection pools for the three databases.

The operations (lookup, submit, accounts, ...) are mixins in their own modules
built on ``ClientBase.connection``; ``acoustid_pg.connect`` assembles them.
"""

from __future__ import annotations

from collections.abc import Iterator
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

    def __init__(self, settings: Settings, *, min_size: int = 1, max_size: int = 10) -> None:
        self.settings = settings
        self._pools: dict[str, ConnectionPool[Any]] = {}
        for database in DATABASES:
            name = settings.dbname(database)
            if name not in self._pools:
                self._pools[name] = ConnectionPool(
                    settings.dsn(name),
                    min_size=min_size,
                    max_size=max_size,
                    open=False,
                    name=f"acoustid-{name}",
                    kwargs={"autocommit": True},
                    check=ConnectionPool.check_connection,
                )
        for pool in self._pools.values():
            pool.open(wait=False)

    def pool(self, database: str) -> ConnectionPool[Any]:
        return self._pools[self.settings.dbname(database)]

    @contextmanager
    def connection(self, database: str) -> Iterator[psycopg.Connection[Any]]:
        """A pooled autocommit connection to app, fingerprint or ingest.

        Use ``with conn.transaction():`` for work that must be atomic.
        """
        try:
            with self.pool(database).connection(timeout=POOL_TIMEOUT_SECONDS) as conn:
                yield conn
        except PoolTimeout as exc:
            name = self.settings.dbname(database)
            raise ConnectError(f"cannot connect to database {name!r}: {exc}") from exc

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
