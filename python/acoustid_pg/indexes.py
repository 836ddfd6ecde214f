"""Optional indexes an operator builds on demand (fingerprint database).

``legacy-overlap`` is the seed's ``fingerprint_fingerprint_idx``, a GIN over every
item of every fingerprint. Only the legacy ``fingerprint && query`` search uses it,
which no lookup here runs, and at a million fingerprints it is about 33 kB a row and
half the import time, so init and the migrations leave it out. It is built
CONCURRENTLY (lookups and imports go on meanwhile) under its seed name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import psycopg

from .errors import InvalidArgumentError
from .pools import Pools

# Raised for the build only, never lowered: a server set higher keeps its own setting.
BUILD_MAINTENANCE_WORK_MEM: Final = "1GB"


@dataclass(frozen=True)
class OptionalIndex:
    name: str
    table: str
    method: str  # USING ... (expression and operator class)
    purpose: str


OPTIONAL_INDEXES: Final = {
    "legacy-overlap": OptionalIndex(
        "fingerprint_fingerprint_idx",
        "fingerprint",
        "gin (fingerprint gin__int_ops)",
        "the legacy `fingerprint && query` search over every item",
    ),
}


@dataclass(frozen=True)
class IndexState:
    kind: str
    name: str
    exists: bool
    valid: bool  # False for the leftover of a cancelled concurrent build
    bytes: int


def optional_index(kind: str) -> OptionalIndex:
    try:
        return OPTIONAL_INDEXES[kind]
    except KeyError:
        known = ", ".join(OPTIONAL_INDEXES)
        raise InvalidArgumentError("index", f"unknown optional index {kind!r}; choose from {known}") from None


class Indexes:
    """Builds, drops and reports the optional indexes."""

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def state(self, kind: str) -> IndexState:
        index = optional_index(kind)
        with self._pools.connection("fingerprint", "index state") as conn:
            return _state(conn, kind, index)

    def create(self, kind: str, *, maintenance_work_mem: str = BUILD_MAINTENANCE_WORK_MEM) -> IndexState:
        """Build the index concurrently; an invalid leftover of a cancelled build is replaced.

        Returns the index's state; an index already built is left as it is.
        """
        index = optional_index(kind)
        with self._pools.connection("fingerprint", "index create") as conn:
            before = _state(conn, kind, index)
            if before.valid:
                return before
            if before.exists:  # a cancelled CONCURRENTLY build leaves an INVALID index behind
                conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index.name}")
            _raise_maintenance_work_mem(conn, maintenance_work_mem)
            try:
                conn.execute(f"CREATE INDEX CONCURRENTLY {index.name} ON {index.table} USING {index.method}")
            finally:
                conn.execute("RESET maintenance_work_mem")
            return _state(conn, kind, index)

    def drop(self, kind: str) -> bool:
        """Drop the index concurrently; False if there was none."""
        index = optional_index(kind)
        with self._pools.connection("fingerprint", "index drop") as conn:
            existed = _state(conn, kind, index).exists
            conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index.name}")
            return existed


def _state(conn: psycopg.Connection[Any], kind: str, index: OptionalIndex) -> IndexState:
    row = conn.execute(
        """SELECT i.indisvalid, pg_relation_size(i.indexrelid) FROM pg_index AS i
        WHERE i.indexrelid = to_regclass(%s)""",
        [index.name],
    ).fetchone()
    if row is None:
        return IndexState(kind, index.name, exists=False, valid=False, bytes=0)
    return IndexState(kind, index.name, exists=True, valid=bool(row[0]), bytes=int(row[1]))


def _raise_maintenance_work_mem(conn: psycopg.Connection[Any], wanted: str) -> None:
    """Give the build ``wanted`` memory unless the server already gives it more."""
    conn.execute(
        """SELECT set_config('maintenance_work_mem', %s, false)
        WHERE pg_size_bytes(%s) > pg_size_bytes(current_setting('maintenance_work_mem'))""",
        [wanted, wanted],
    )
