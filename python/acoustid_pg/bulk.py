"""Bulk loading fingerprints through binary COPY (first loads, data dumps, benchmarks).

Rows are encoded straight into COPY's binary format (see ``int4array``): psycopg's
generic list dumper would cost more than the server's insert.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final

import psycopg

from . import int4array
from .checks import check_int, check_uuid
from .errors import InvalidArgumentError
from .fingerprint_input import MAX_DURATION, decode
from .submission import MAX_KBPS

BATCH_ROWS: Final = 5_000
FLUSH_BYTES: Final = 1 << 20
# A binary COPY stream: signature, flags, header extension length; each row: field count,
# then each field's byte length (-1 for NULL) and bytes; then -1 as the trailer.
_SIGNATURE: Final = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_TRAILER: Final = struct.pack("!h", -1)
_ROW_START: Final = struct.Struct("!hii")  # 4 fields; track_id: length 4, value
_LENGTH: Final = struct.Struct("!i")
_SMALLINT: Final = struct.Struct("!ih")
_NULL: Final = _LENGTH.pack(-1)
_COPY_SQL: Final = "COPY fingerprint (track_id, fingerprint, length, bitrate) FROM STDIN (FORMAT BINARY)"


@dataclass(frozen=True)
class FingerprintRow:
    """A fingerprint to load: its items (or compressed string), duration, and track.

    Rows sharing a ``track_gid`` go to one track (created if no track has that gid);
    a row without one gets a track of its own.
    """

    fingerprint: Sequence[int] | str
    length: int
    track_gid: uuid.UUID | str | None = None
    bitrate: int | None = None


def load(
    conn: psycopg.Connection[Any], rows: Iterable[FingerprintRow], *, rebuild_indexes: bool = False
) -> int:
    """Load rows in one transaction; returns how many. Nothing is loaded if any row is bad."""
    total = 0
    with conn.transaction():
        rebuild = _drop_secondary_indexes(conn) if rebuild_indexes else []
        for batch in _batches(rows):
            track_ids = _track_ids(conn, [_gid(total + n, row) for n, row in enumerate(batch)])
            # Written a megabyte at a time: the server inserts while the next rows are encoded.
            with conn.cursor().copy(_COPY_SQL) as copy:
                buffer = bytearray(_SIGNATURE)
                for n, (row, track_id) in enumerate(zip(batch, track_ids)):
                    buffer += _ROW_START.pack(4, 4, track_id)
                    buffer += _fields(total + n, row)
                    if len(buffer) >= FLUSH_BYTES:
                        copy.write(buffer)
                        buffer = bytearray()
                buffer += _TRAILER
                copy.write(buffer)
            total += len(batch)
        if rebuild:
            conn.execute("SELECT set_config('maintenance_work_mem', '1GB', true)")
            for statement in rebuild:
                conn.execute(statement)
    return total


def _batches(rows: Iterable[FingerprintRow]) -> Iterator[list[FingerprintRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_ROWS)):
        yield batch


def _gid(n: int, row: object) -> uuid.UUID:
    """The row's track gid (a new one for a row without)."""
    if not isinstance(row, FingerprintRow):
        raise InvalidArgumentError(f"rows[{n}]", f"expected a FingerprintRow, got {type(row).__name__}")
    return uuid.uuid4() if row.track_gid is None else check_uuid(f"rows[{n}].track_gid", row.track_gid)


def _fields(n: int, row: FingerprintRow) -> bytes:
    """The row's fields after track_id, in COPY's binary format."""
    field = f"rows[{n}].fingerprint"
    items = decode(field, row.fingerprint) if isinstance(row.fingerprint, str) else row.fingerprint
    length = check_int(f"rows[{n}].length", row.length, minimum=1, maximum=MAX_DURATION)
    bitrate = _NULL
    if row.bitrate is not None:
        bitrate = _SMALLINT.pack(2, check_int(f"rows[{n}].bitrate", row.bitrate, minimum=1, maximum=MAX_KBPS))
    array_value = int4array.encode(field, items)
    return _LENGTH.pack(len(array_value)) + array_value + _SMALLINT.pack(2, length) + bitrate


def _track_ids(conn: psycopg.Connection[Any], gids: list[uuid.UUID]) -> list[int]:
    """The id of each gid's track, creating the tracks that do not exist yet."""
    conn.execute(
        "INSERT INTO track (gid) SELECT DISTINCT unnest(%s::uuid[]) ON CONFLICT (gid) DO NOTHING", [gids]
    )
    found = dict(conn.execute("SELECT gid, id FROM track WHERE gid = any(%s::uuid[])", [gids]).fetchall())
    return [found[gid] for gid in gids]


def _drop_secondary_indexes(conn: psycopg.Connection[Any]) -> list[str]:
    """Drop fingerprint's non-unique indexes; returns the statements that recreate them as they were."""
    indexes = conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index AS i
        WHERE i.indrelid = 'fingerprint'::regclass AND NOT i.indisunique ORDER BY 1"""
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    return [definition for _, definition in indexes]
