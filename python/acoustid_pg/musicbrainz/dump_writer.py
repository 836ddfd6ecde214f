"""Writing dumps in MusicBrainz's format, for tests, benchmarks and demos.

The layout is that of ``mbdump.tar.bz2``: the header files first (``TIMESTAMP``,
``COPYING``, ``README``, ``REPLICATION_SEQUENCE``, ``SCHEMA_SEQUENCE``), then
``mbdump/<table>`` per non-empty table, each in PostgreSQL's COPY text format. Rows are
given as mappings of column name to value; ``COLUMNS`` supplies every column's place
(the order of MusicBrainz's CreateTables.sql, sequence 31) and the value MusicBrainz would
have stored for the ones left out.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import IO, Final

_NOW: Final = "2026-07-25 00:00:00+00"
_REQUIRED: Final = object()  # a column without a default: every row must give it

# table -> ((column, default), ...) in CreateTables.sql order (schema sequence 31).
COLUMNS: Final[Mapping[str, tuple[tuple[str, object], ...]]] = MappingProxyType(
    {
        "replication_control": (
            ("id", 1), ("current_schema_sequence", 31), ("current_replication_sequence", None),
            ("last_replication_date", None),
        ),
        "artist": (
            ("id", _REQUIRED), ("gid", _REQUIRED), ("name", _REQUIRED), ("sort_name", None),
            ("begin_date_year", None), ("begin_date_month", None), ("begin_date_day", None),
            ("end_date_year", None), ("end_date_month", None), ("end_date_day", None),
            ("type", None), ("area", None), ("gender", None), ("comment", ""), ("edits_pending", 0),
            ("last_updated", _NOW), ("ended", False), ("begin_area", None), ("end_area", None),
        ),
        "artist_credit": (
            ("id", _REQUIRED), ("name", _REQUIRED), ("artist_count", 1), ("ref_count", 1),
            ("created", _NOW), ("edits_pending", 0), ("gid", _REQUIRED),
        ),
        "artist_credit_name": (
            ("artist_credit", _REQUIRED), ("position", 0), ("artist", _REQUIRED), ("name", _REQUIRED),
            ("join_phrase", ""),
        ),
        "iso_3166_1": (("area", _REQUIRED), ("code", _REQUIRED)),
        "medium_format": (
            ("id", _REQUIRED), ("name", _REQUIRED), ("parent", None), ("child_order", 0), ("year", None),
            ("has_discids", False), ("description", None), ("gid", _REQUIRED),
        ),
        "release_group_primary_type": (
            ("id", _REQUIRED), ("name", _REQUIRED), ("parent", None), ("child_order", 0),
            ("description", None), ("gid", _REQUIRED),
        ),
        "release_group_secondary_type": (
            ("id", _REQUIRED), ("name", _REQUIRED), ("parent", None), ("child_order", 0),
            ("description", None), ("gid", _REQUIRED),
        ),
        "release_group": (
            ("id", _REQUIRED), ("gid", _REQUIRED), ("name", _REQUIRED), ("artist_credit", _REQUIRED),
            ("type", None), ("comment", ""), ("edits_pending", 0), ("last_updated", _NOW),
        ),
        "release_group_secondary_type_join": (
            ("release_group", _REQUIRED), ("secondary_type", _REQUIRED), ("created", _NOW),
        ),
        "release": (
            ("id", _REQUIRED), ("gid", _REQUIRED), ("name", _REQUIRED), ("artist_credit", _REQUIRED),
            ("release_group", _REQUIRED), ("status", 1), ("packaging", None), ("language", None),
            ("script", None), ("barcode", None), ("comment", ""), ("edits_pending", 0), ("quality", -1),
            ("last_updated", _NOW),
        ),
        "release_country": (
            ("release", _REQUIRED), ("country", _REQUIRED), ("date_year", None), ("date_month", None),
            ("date_day", None),
        ),
        "release_unknown_country": (
            ("release", _REQUIRED), ("date_year", None), ("date_month", None), ("date_day", None),
        ),
        "medium": (
            ("id", _REQUIRED), ("release", _REQUIRED), ("position", 1), ("format", None), ("name", ""),
            ("edits_pending", 0), ("last_updated", _NOW), ("track_count", 0), ("gid", _REQUIRED),
        ),
        "recording": (
            ("id", _REQUIRED), ("gid", _REQUIRED), ("name", _REQUIRED), ("artist_credit", _REQUIRED),
            ("length", None), ("comment", ""), ("edits_pending", 0), ("last_updated", _NOW),
            ("video", False),
        ),
        "recording_gid_redirect": (("gid", _REQUIRED), ("new_id", _REQUIRED), ("created", _NOW)),
        "isrc": (
            ("id", _REQUIRED), ("recording", _REQUIRED), ("isrc", _REQUIRED), ("edits_pending", 0),
            ("created", _NOW),
        ),
        "track": (
            ("id", _REQUIRED), ("gid", _REQUIRED), ("recording", _REQUIRED), ("medium", _REQUIRED),
            ("position", _REQUIRED), ("number", None), ("name", _REQUIRED), ("artist_credit", _REQUIRED),
            ("length", None), ("edits_pending", 0), ("last_updated", _NOW), ("is_data_track", False),
        ),
    }
)  # fmt: skip

# Left out, these take another column's value, as MusicBrainz's editors usually do.
_COPIED: Final = {("artist", "sort_name"): "name", ("track", "number"): "position"}

_ESCAPES: Final = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: object) -> str:
    """One value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_ESCAPES)


def copy_line(values: Sequence[object]) -> bytes:
    return ("\t".join(copy_value(v) for v in values) + "\n").encode("utf-8")


def full_row(table: str, values: Mapping[str, object]) -> list[object]:
    """Every column of ``table`` in order: the given values, MusicBrainz's defaults for the rest."""
    known = dict(COLUMNS[table])
    unknown = set(values) - set(known)
    if unknown:
        raise KeyError(f"{table} has no column(s) {', '.join(sorted(unknown))}")
    row = []
    for column, default in COLUMNS[table]:
        value = values.get(column, default)
        if value is _REQUIRED:
            raise KeyError(f"{table}.{column} has no default: give it")
        if value is None and (table, column) in _COPIED:
            value = values[_COPIED[table, column]]
        row.append(value)
    return row


class DumpWriter:
    """Builds ``mbdump.tar.bz2`` (or a directory with ``mbdump/``) table by table."""

    def __init__(
        self,
        path: Path,
        *,
        schema_sequence: int = 31,
        timestamp: str | datetime = "2026-07-25 00:00:49.813585+00",
        replication_sequence: int | None = 160_000,
        directory: bool = False,
        compress: bool = True,
    ) -> None:
        self.path = path
        self.directory = directory
        header = {
            "TIMESTAMP": str(timestamp),
            "COPYING": "public domain (test data)",
            "README": "a MusicBrainz-format dump written by acoustid-pg",
            "REPLICATION_SEQUENCE": "" if replication_sequence is None else str(replication_sequence),
            "SCHEMA_SEQUENCE": str(schema_sequence),
        }
        self._tar: tarfile.TarFile | None = None
        if directory:
            (path / "mbdump").mkdir(parents=True, exist_ok=True)
            for name, text in header.items():
                (path / name).write_text(text + "\n")
        else:
            self._tar = tarfile.open(path, "w:bz2") if compress else tarfile.open(path, "w")  # noqa: SIM115
            for name, text in header.items():
                self.add_file(name, (text + "\n").encode())

    def add_file(self, name: str, data: bytes) -> None:
        """Any file, as is (also for writing deliberately broken tables)."""
        if self._tar is None:
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            return
        self._add_stream(name, io.BytesIO(data), len(data))

    def _add_stream(self, name: str, stream: IO[bytes], size: int) -> None:
        assert self._tar is not None
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o644
        self._tar.addfile(info, stream)

    def add_table(self, table: str, rows: Iterable[Mapping[str, object] | Sequence[object]]) -> int:
        """``mbdump/<table>`` from rows (mappings are completed with defaults); returns the count.

        Rows are spooled through a temporary file, because a tar header needs the size first.
        """
        count = 0
        with tempfile.TemporaryFile() as spool:
            for row in rows:
                values = full_row(table, row) if isinstance(row, Mapping) else list(row)
                spool.write(copy_line(values))
                count += 1
            if count == 0:
                return 0  # MusicBrainz leaves empty tables out
            size = spool.tell()
            spool.seek(0)
            if self._tar is None:
                with (self.path / "mbdump" / table).open("wb") as out:
                    while chunk := spool.read(1 << 20):
                        out.write(chunk)
            else:
                self._add_stream(f"mbdump/{table}", spool, size)
        return count

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()
            self._tar = None

    def __enter__(self) -> DumpWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["COLUMNS", "DumpWriter", "copy_line", "copy_value", "full_row"]
