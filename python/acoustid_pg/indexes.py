"""Optional indexes an operator builds on demand, and the lookup indexes a first load rebuilds.

``legacy-overlap`` is the seed's ``fingerprint_fingerprint_idx``, a GIN over every
item of every fingerprint. Only the legacy ``fingerprint && query`` search uses it,
which no lookup here runs, and at a million fingerprints it is about 33 kB a row and
half the import time, so init and the migrations leave it out. It is built
CONCURRENTLY (lookups and imports go on meanwhile) under its seed name.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import psycopg

from .errors import InvalidArgumentError
from .pools import Pools

_MEMORY_SIZE: Final = re.compile(r"[1-9][0-9]{0,8}(kB|MB|GB|TB)")
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
        check_memory_size("maintenance_work_mem", maintenance_work_mem)
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

    def missing(self) -> list[str]:
        """The lookup indexes that are missing (after a failed first load, say)."""
        with self._pools.connection("fingerprint", "index state") as conn:
            return missing_lookup_indexes(conn)

    def restore(self, *, maintenance_work_mem: str = BUILD_MAINTENANCE_WORK_MEM) -> dict[str, float]:
        """Build every missing lookup index; returns the seconds each took.

        The GIN of query terms is built on a connection of its own, in parallel with the
        others (on a 2-core server the whole takes the GIN's time).
        """
        check_memory_size("maintenance_work_mem", maintenance_work_mem)
        missing = self.missing()
        took: dict[str, float] = {}

        def build(names: list[str]) -> None:
            with self._pools.connection("fingerprint", "index build") as conn:
                for name in names:
                    started = time.perf_counter()
                    create_lookup_index(conn, name, maintenance_work_mem)
                    took[name] = time.perf_counter() - started

        slow = [name for name in missing if name == SLOW_INDEX]
        with ThreadPoolExecutor(max_workers=2) as pool:
            builds = [pool.submit(build, names) for names in (slow, [n for n in missing if n not in slow])]
            for done in builds:
                done.result()
        return took

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


def check_memory_size(field: str, value: object) -> str:
    """A PostgreSQL memory size such as 512MB or 2GB."""
    if not isinstance(value, str) or not _MEMORY_SIZE.fullmatch(value):
        raise InvalidArgumentError(field, f"must be a memory size such as 512MB or 2GB, not {value!r}")
    return value


def _raise_maintenance_work_mem(conn: psycopg.Connection[Any], wanted: str) -> None:
    """Give the build ``wanted`` memory unless the server already gives it more."""
    check_memory_size("maintenance_work_mem", wanted)
    conn.execute(
        """SELECT set_config('maintenance_work_mem', %s, false)
        WHERE pg_size_bytes(%s) > pg_size_bytes(current_setting('maintenance_work_mem'))""",
        [wanted, wanted],
    )


# The indexes lookups and imports need besides the keys, as the schema of record defines them
# (a test compares them with a migrated database): a first bulk load drops them and builds them
# after the rows are in, and restore() builds any that a failed load left missing.
LOOKUP_INDEXES: Final = {
    "fingerprint_track_id_idx": "ON fingerprint USING btree (track_id)",
    "fingerprint_length_idx": "ON fingerprint USING btree (length)",
    "fingerprint_lookup_idx": "ON fingerprint USING btree (length, track_id) INCLUDE (id)",
    "fingerprint_query_idx": (
        "ON fingerprint USING gin (acoustid_extract_query(fingerprint) gin__int_ops)"
        " WITH (fastupdate='false')"
    ),
    "fingerprint_data_simhash_idx": "ON fingerprint_data USING gist (simhash)",
}
# The one that takes long (a GIN of 120 keys a row): built on a connection of its own while the
# others are built on another, so a 2-core server builds in the time of the GIN alone.
SLOW_INDEX: Final = "fingerprint_query_idx"


def missing_lookup_indexes(conn: psycopg.Connection[Any]) -> list[str]:
    present = {
        name
        for (name,) in conn.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'i' AND relname = any(%s)", [list(LOOKUP_INDEXES)]
        )
    }
    return [name for name in LOOKUP_INDEXES if name not in present]


def drop_lookup_indexes(conn: psycopg.Connection[Any]) -> list[str]:
    """Drop the lookup indexes there are (before a first bulk load); returns their names."""
    dropped = [name for name in LOOKUP_INDEXES if name not in missing_lookup_indexes(conn)]
    for name in dropped:
        conn.execute(f"DROP INDEX {name}")
    return dropped


def create_lookup_index(
    conn: psycopg.Connection[Any], name: str, maintenance_work_mem: str = BUILD_MAINTENANCE_WORK_MEM
) -> None:
    """Build a lookup index unless it exists. The query-term GIN keeps the server's own
    maintenance_work_mem: its build got slower with more (on 100,000 synthetic fingerprints,
    12 million mostly distinct keys: 388k keys/s at 64MB, 326k at 256MB, 232k at 1GB, 169k at
    4GB), while the btree sorts are raised to ``maintenance_work_mem``."""
    if name != SLOW_INDEX:
        _raise_maintenance_work_mem(conn, maintenance_work_mem)
    try:
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} {LOOKUP_INDEXES[name]}")
    finally:
        conn.execute("RESET maintenance_work_mem")
