"""Resumable bulk import of fingerprints from JSON lines or CSV files.

Rows are loaded in chunks, one transaction each, through ``acoustid_pg.bulk``.
Where the import stands is kept in a small state file, and the schema is left
alone: before a chunk commits, the file records the chunk's transaction id;
after, the new position. An import killed in between asks PostgreSQL
(``pg_xact_status``) whether that transaction committed, so a resumed import
neither skips nor repeats a chunk.

Input rows (one JSON object per line, or CSV with a header):
``fingerprint`` (int4 list, or a compressed string; in CSV a compressed string
or ``{1,2,3}``), ``length`` (seconds; ``duration`` is accepted too), and
optionally ``track_gid`` (rows sharing one go to one track) and ``bitrate``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Final

import psycopg

from . import bulk
from .errors import InvalidArgumentError

CHUNK_ROWS: Final = 5_000
FORMATS: Final = ("jsonl", "csv")
_SUFFIXES: Final = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


class ImportStateError(InvalidArgumentError):
    """The state file cannot tell where a previous import stopped."""


def detect_format(path: Path, given: str | None) -> str:
    if given:
        if given not in FORMATS:
            raise InvalidArgumentError("format", f"must be one of {', '.join(FORMATS)}, not {given!r}")
        return given
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise InvalidArgumentError("format", f"cannot tell the format of {path.name}: use --format") from None


def _fingerprint(line: int, value: object) -> list[int] | str:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        try:
            return [int(item) for item in value[1:-1].split(",") if item.strip()]
        except ValueError:
            raise InvalidArgumentError(f"line {line}: fingerprint", "not an integer array") from None
    if isinstance(value, (str, list)):
        return value
    raise InvalidArgumentError(f"line {line}: fingerprint", "expected a list of items or a compressed string")


def _row(line: int, fields: dict[str, Any]) -> bulk.FingerprintRow:
    if not isinstance(fields, dict):
        raise InvalidArgumentError(f"line {line}", "expected an object")
    unknown = sorted(set(fields) - {"fingerprint", "length", "duration", "track_gid", "bitrate"})
    if unknown:
        raise InvalidArgumentError(f"line {line}", f"unknown field(s) {', '.join(unknown)}")
    length = fields.get("length", fields.get("duration"))
    try:
        seconds = int(length) if isinstance(length, str) else length
        bitrate = int(fields["bitrate"]) if isinstance(fields.get("bitrate"), str) else fields.get("bitrate")
    except ValueError as exc:
        raise InvalidArgumentError(f"line {line}", f"not a number ({exc})") from None
    return bulk.FingerprintRow(
        fingerprint=_fingerprint(line, fields.get("fingerprint")),
        length=seconds,  # type: ignore[arg-type]  # bulk checks it and names the row
        track_gid=fields.get("track_gid") or None,
        bitrate=bitrate or None,
    )


def read_rows(path: Path, fmt: str) -> Iterator[tuple[int, bulk.FingerprintRow]]:
    """Every row of the file, in order, with its line number."""
    with path.open(newline="", encoding="utf-8") as stream:
        if fmt == "csv":
            reader = csv.DictReader(stream)
            for record in reader:
                yield (
                    reader.line_num,
                    _row(reader.line_num, {k: v for k, v in record.items() if v not in (None, "")}),
                )
            return
        for number, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            try:
                fields = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidArgumentError(f"line {number}", f"not JSON ({exc.msg})") from None
            yield number, _row(number, fields)


def count_rows(path: Path, fmt: str) -> int:
    with path.open("rb") as stream:
        lines = sum(1 for text in stream if text.strip())
    return max(lines - 1, 0) if fmt == "csv" else lines


@dataclass
class ImportState:
    """Where an import of one file into one database stands, kept in ``path``."""

    path: Path
    position: int = 0  # rows committed
    pending_xid: str | None = None  # a chunk's transaction that may or may not have committed
    pending_position: int = 0

    @classmethod
    def load(cls, path: Path) -> ImportState:
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text())
            return cls(
                path, int(data["position"]), data.get("pending_xid"), int(data.get("pending_position", 0))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ImportStateError(
                "state file", f"{path} is damaged ({exc}); delete it to start over"
            ) from None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(
            json.dumps(
                {
                    "position": self.position,
                    "pending_xid": self.pending_xid,
                    "pending_position": self.pending_position,
                }
            )
        )
        with temporary.open("rb") as stream:
            os.fsync(stream.fileno())
        temporary.replace(self.path)


def default_state_path(source: Path, database_identity: str) -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    key = hashlib.sha256(f"{source.resolve()}\0{database_identity}".encode()).hexdigest()[:24]
    return Path(base) / "acoustid-pg" / "imports" / f"{source.name}-{key}.json"


Progress = Callable[[int], None]
_ROW_FIELD: Final = re.compile(r"rows\[(\d+)\]\.?(.*)")


def _load(conn: psycopg.Connection[Any], chunk: list[tuple[int, bulk.FingerprintRow]]) -> None:
    """Load a chunk; a bad row is reported by its line in the file."""
    try:
        bulk.load(conn, [row for _, row in chunk])
    except InvalidArgumentError as exc:
        where = _ROW_FIELD.fullmatch(exc.field)
        if where is None:
            raise
        line = chunk[int(where[1])][0]
        raise InvalidArgumentError(f"line {line}: {where[2] or 'row'}", exc.problem) from None


def import_file(
    conn: psycopg.Connection[Any],
    path: Path,
    identity: str,
    *,
    fmt: str | None = None,
    state_path: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> int:
    """Import the rows of ``path`` not imported before into the fingerprint database ``identity``
    names (the state file's default name comes from it); the position reached (rows)."""
    if not path.is_file():
        raise InvalidArgumentError("file", f"{path}: no such file")
    fmt = detect_format(path, fmt)
    state = ImportState.load(state_path or default_state_path(path, identity))
    _settle_pending(conn, state)
    rows = read_rows(path, fmt)
    for _ in islice(rows, state.position):  # already imported: read past them
        pass
    if progress:
        progress(state.position)
    while chunk := list(islice(rows, chunk_rows)):
        with conn.transaction():
            xid = conn.execute("SELECT txid_current()::text").fetchone()
            state.pending_xid, state.pending_position = (
                str(xid[0]) if xid else None,
                state.position + len(chunk),
            )
            state.save()
            _load(conn, chunk)
        state.position, state.pending_xid = state.pending_position, None
        state.save()
        if progress:
            progress(state.position)
    return state.position


def _settle_pending(conn: psycopg.Connection[Any], state: ImportState) -> None:
    """Decide a chunk left pending by a killed import: committed or not."""
    if state.pending_xid is None:
        return
    row = conn.execute("SELECT txid_status(%s::bigint)", [state.pending_xid]).fetchone()
    status = row[0] if row else None
    if status == "committed":
        state.position = state.pending_position
    elif status in ("aborted", "in progress"):
        pass  # in progress means it was never committed by the dead importer: it will abort
    else:
        raise ImportStateError(
            "state file",
            f"cannot tell whether transaction {state.pending_xid} committed; check the data and "
            f"delete {state.path} to start over",
        )
    state.pending_xid = None
    state.save()
