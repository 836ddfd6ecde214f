"""What the small service objects need from the connection pools: ``connection(database)``.

Both the driver facade's pools and the client itself provide it, so a service can be
built from either."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

import psycopg


class ConnectionSource(Protocol):
    def connection(
        self, database: str, *, read_only: bool = False
    ) -> AbstractContextManager[psycopg.Connection[Any]]: ...
