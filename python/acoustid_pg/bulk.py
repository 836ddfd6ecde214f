"""Bulk loading fingerprints through binary COPY (first loads, data dumps, benchmarks).

A load goes in batches of ``BATCH_ROWS``, each its own transaction: a load cancelled or
killed at 90% keeps the 90% (``progress`` is told each committed total, which is where
to resume). Per batch: the tracks are found or created, the fingerprint ids are reserved
from their sequence, and two binary COPYs write ``fingerprint`` and ``fingerprint_data``.
The client computes fingerprint_data (the compressed bytes and the simhash cube) and
tells the table's insert trigger so; the changelog trigger logs the batch in one
statement. The rows of both streams are written in C (``_copy_rows.c``, with the core's
encoder and simhash): in Python that cost ten times the server's insert.
"""

from __future__ import annotations

import struct
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final

import psycopg
from psycopg.copy import QueuedLibpqWriter

from . import int4array
from ._core import ffi, lib
from .checks import check_int, check_uuid
from .errors import InvalidArgumentError
from .fingerprint_input import MAX_DURATION, decode
from .submission import MAX_KBPS

BATCH_ROWS: Final = 5_000
MAX_BATCH_ROWS: Final = 1_000_000
CHUNK_ROWS: Final = 128  # rows encoded per C call, about 1 MB of COPY data
# A binary COPY stream: signature, flags, header extension length; each row: field count,
# then each field's byte length (-1 for NULL) and bytes; then -1 as the trailer.
_SIGNATURE: Final = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_TRAILER: Final = struct.pack("!h", -1)
_COPY_FINGERPRINTS: Final = (
    "COPY fingerprint (id, track_id, fingerprint, length, bitrate) FROM STDIN (FORMAT BINARY)"
)
_COPY_DATA: Final = "COPY fingerprint_data (fingerprint_id, fingerprint, simhash) FROM STDIN (FORMAT BINARY)"
# fingerprint_data's insert trigger leaves the rows to us for the rest of the transaction.
_DATA_FILLED: Final = "SELECT set_config('acoustid_pg.fingerprint_data_filled', 'on', true)"

Progress = Callable[[int], None]


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
    conn: psycopg.Connection[Any],
    rows: Iterable[FingerprintRow],
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> int:
    """Load rows, one transaction per batch of ``batch_rows``; returns how many.

    A bad row raises InvalidArgumentError naming it (``rows[n]``); the batches before
    its own stay loaded (``progress`` was told their total). Inside a transaction of the
    caller's, every batch is part of it.
    """
    total = 0
    for batch in _batches(rows, check_int("batch_rows", batch_rows, minimum=1, maximum=MAX_BATCH_ROWS)):
        with conn.transaction():
            _load_batch(conn, total, batch)
        total += len(batch)
        if progress:
            progress(total)
    return total


def _load_batch(conn: psycopg.Connection[Any], first: int, batch: list[FingerprintRow]) -> None:
    """Check, encode and COPY one batch; rows are numbered from ``first`` in errors."""
    gids = [_gid(first + n, row) for n, row in enumerate(batch)]
    columns = _Columns(first, batch)  # every row checked before anything is sent
    track_ids = array("i", _track_ids(conn, gids))
    ids = array("i", _reserve_ids(conn, len(batch)))
    conn.execute(_DATA_FILLED)
    data_chunks = []
    # A chunk at a time, handed to psycopg's writer thread: the server inserts while the next
    # rows are encoded (writing from this thread blocked once the socket's buffer was full, so
    # client and server took turns: 8,000 rows/s against 10,200). The queue holds one batch.
    cursor = conn.cursor()
    with cursor.copy(_COPY_FINGERPRINTS, writer=QueuedLibpqWriter(cursor)) as copy:
        copy.write(_SIGNATURE)
        for start in range(0, len(batch), CHUNK_ROWS):
            fingerprints, data = columns.encode(start, min(start + CHUNK_ROWS, len(batch)), ids, track_ids)
            copy.write(fingerprints)
            data_chunks.append(data)
        copy.write(_TRAILER)
    with conn.cursor().copy(_COPY_DATA) as copy:
        copy.write(_SIGNATURE)
        for data in data_chunks:
            copy.write(data)
        copy.write(_TRAILER)


class _Columns:
    """A batch's checked rows as C arrays: every item in one array, and per row where its items
    end, its length and its bitrate (0 for none)."""

    def __init__(self, first: int, batch: list[FingerprintRow]) -> None:
        self.items = array("i")
        self.ends = array("Q", [0])
        self.lengths = array("h")
        self.bitrates = array("h")
        for n, row in enumerate(batch, start=first):
            field = f"rows[{n}].fingerprint"
            items = decode(field, row.fingerprint) if isinstance(row.fingerprint, str) else row.fingerprint
            self.items.extend(int4array.checked(field, items))
            self.ends.append(len(self.items))
            self.lengths.append(check_int(f"rows[{n}].length", row.length, minimum=1, maximum=MAX_DURATION))
            bitrate = 0
            if row.bitrate is not None:
                bitrate = check_int(f"rows[{n}].bitrate", row.bitrate, minimum=1, maximum=MAX_KBPS)
            self.bitrates.append(bitrate)

    def encode(self, start: int, stop: int, ids: array[int], track_ids: array[int]) -> tuple[bytes, bytes]:
        """Rows start..stop-1 in both COPY streams (the C code packs, compresses and hashes)."""
        counts = [self.ends[r + 1] - self.ends[r] for r in range(start, stop)]
        fingerprint_out = ffi.new(
            "unsigned char[]", sum(lib.acoustid_copy_fingerprint_bound(c) for c in counts)
        )
        data_out = ffi.new("unsigned char[]", sum(lib.acoustid_copy_data_bound(c) for c in counts))
        fingerprint_len, data_len = ffi.new("size_t *"), ffi.new("size_t *")
        status = lib.acoustid_copy_rows(
            ffi.from_buffer("int32_t[]", self.items),
            ffi.from_buffer("uint64_t[]", self.ends) + start,
            stop - start,
            ffi.from_buffer("int32_t[]", ids) + start,
            ffi.from_buffer("int32_t[]", track_ids) + start,
            ffi.from_buffer("int16_t[]", self.lengths) + start,
            ffi.from_buffer("int16_t[]", self.bitrates) + start,
            fingerprint_out,
            fingerprint_len,
            data_out,
            data_len,
        )
        if status != lib.ACOUSTID_OK:
            message = ffi.string(lib.acoustid_core_status_message(status)).decode()
            raise InvalidArgumentError(f"rows[{start}..{stop - 1}].fingerprint", message)
        return bytes(ffi.buffer(fingerprint_out, fingerprint_len[0])), bytes(
            ffi.buffer(data_out, data_len[0])
        )


def _batches(rows: Iterable[FingerprintRow], size: int) -> Iterator[list[FingerprintRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _gid(n: int, row: object) -> uuid.UUID:
    """The row's track gid (a new one for a row without)."""
    if not isinstance(row, FingerprintRow):
        raise InvalidArgumentError(f"rows[{n}]", f"expected a FingerprintRow, got {type(row).__name__}")
    return uuid.uuid4() if row.track_gid is None else check_uuid(f"rows[{n}].track_gid", row.track_gid)


def _track_ids(conn: psycopg.Connection[Any], gids: list[uuid.UUID]) -> list[int]:
    """The id of each gid's track, creating the tracks that do not exist yet.

    Two statements, so that a track another transaction created meanwhile is found too.
    """
    conn.execute(
        "INSERT INTO track (gid) SELECT DISTINCT unnest(%s::uuid[]) ON CONFLICT (gid) DO NOTHING", [gids]
    )
    found = dict(conn.execute("SELECT gid, id FROM track WHERE gid = any(%s::uuid[])", [gids]).fetchall())
    return [found[gid] for gid in gids]


def _reserve_ids(conn: psycopg.Connection[Any], count: int) -> list[int]:
    """``count`` fresh fingerprint ids (fingerprint_data needs them before the rows exist)."""
    rows = conn.execute(
        "SELECT nextval('fingerprint_id_seq') FROM generate_series(1, %s)", [count]
    ).fetchall()
    return [fingerprint_id for (fingerprint_id,) in rows]
