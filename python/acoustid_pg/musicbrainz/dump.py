"""Reading MusicBrainz's public data dump as a stream.

A dump is ``mbdump.tar.bz2`` (any tar compression), or a directory holding ``mbdump/``:
the small files ``SCHEMA_SEQUENCE``, ``TIMESTAMP`` and ``REPLICATION_SEQUENCE`` come
first, then one file per table, ``mbdump/<table>``, in PostgreSQL's COPY text format.
An archive is read once, front to back, in tarfile's streaming mode, so a dump of tens
of gigabytes needs no disk space and little memory; each table file is handed out as a
binary stream to be read in chunks while the archive is positioned on it.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Final, Union

from ..errors import AcoustidError
from . import tables

CHUNK_BYTES: Final = 1 << 20
_HEADER_FILES: Final = ("SCHEMA_SEQUENCE", "TIMESTAMP", "REPLICATION_SEQUENCE")
_HEADER_MAX_BYTES: Final = 4096
# What a cut-off archive raises from the decompressor or from tarfile itself.
TRUNCATED_ERRORS: Final = (EOFError, tarfile.ReadError, zlib.error, OSError, lzma.LZMAError)
# The compressions a dump may come in, by their magic bytes (gzip, bzip2, xz).
_GZIP: Final = b"\x1f\x8b"
_BZIP2: Final = b"BZh"
_XZ: Final = b"\xfd7zXZ\x00"
_Readable = Union[IO[bytes], gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile]


class DumpError(AcoustidError):
    """A MusicBrainz dump cannot be read or loaded; the message names the file (and line)."""


@dataclass(frozen=True)
class DumpHeader:
    """What the dump says about itself."""

    schema_sequence: int
    timestamp: str
    replication_sequence: int | None

    @property
    def key(self) -> str:
        """Identifies the dump, so an interrupted import resumes only with the same one."""
        return f"{self.schema_sequence}/{self.replication_sequence}/{self.timestamp}"


@dataclass
class DumpTable:
    """One table's file, readable once, while the dump is positioned on it."""

    name: str
    label: str  # how error messages name the file
    size: int
    stream: IO[bytes]


def _text(label: str, data: bytes) -> str:
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise DumpError(f"{label}: not UTF-8 text") from exc


def _header(source: str, files: dict[str, bytes]) -> DumpHeader:
    if "SCHEMA_SEQUENCE" not in files:
        raise DumpError(f"{source}: not a MusicBrainz dump (no SCHEMA_SEQUENCE file before mbdump/)")
    raw_sequence = _text(f"{source}: SCHEMA_SEQUENCE", files["SCHEMA_SEQUENCE"])
    if not raw_sequence.isdigit():
        raise DumpError(f"{source}: SCHEMA_SEQUENCE: expected a number, found {raw_sequence[:40]!r}")
    sequence = int(raw_sequence)
    if not tables.supported(sequence):
        raise DumpError(
            f"{source}: MusicBrainz schema sequence {sequence} is not supported: this version reads "
            f"sequences {tables.OLDEST_SEQUENCE} to {tables.NEWEST_SEQUENCE}"
        )
    timestamp = _text(f"{source}: TIMESTAMP", files.get("TIMESTAMP", b""))
    if not timestamp:
        raise DumpError(f"{source}: no TIMESTAMP file (or an empty one) before mbdump/")
    raw_replication = _text(f"{source}: REPLICATION_SEQUENCE", files.get("REPLICATION_SEQUENCE", b""))
    if raw_replication and not raw_replication.isdigit():
        raise DumpError(f"{source}: REPLICATION_SEQUENCE: expected a number, found {raw_replication[:40]!r}")
    return DumpHeader(sequence, timestamp, int(raw_replication) if raw_replication else None)


class Dump(AbstractContextManager["Dump"]):
    """An open dump: ``header`` is read on opening; ``tables()`` yields the mirror's tables."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: DumpHeader

    def tables(self) -> Iterator[DumpTable]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class DirectoryDump(Dump):
    """A directory holding ``mbdump/`` and the header files (or ``mbdump/`` itself)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        root = path.parent if path.name == "mbdump" and not (path / "mbdump").is_dir() else path
        self.tables_dir = root / "mbdump"
        if not self.tables_dir.is_dir():
            raise DumpError(f"{path}: no mbdump/ directory here")
        files = {}
        for name in _HEADER_FILES:
            file = root / name
            if file.is_file():
                files[name] = file.read_bytes()[:_HEADER_MAX_BYTES]
        self.header = _header(str(root), files)

    def tables(self) -> Iterator[DumpTable]:
        for name in tables.TABLES:
            file = self.tables_dir / name
            if not file.is_file():
                continue  # MusicBrainz leaves empty tables out of a dump
            with file.open("rb") as stream:
                yield DumpTable(name, str(file), file.stat().st_size, stream)


class ArchiveDump(Dump):
    """A tar archive (bzip2, gzip, xz or none), read front to back once."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._files: list[_Readable] = []
        try:
            self._tar = tarfile.open(fileobj=self._decompressed(path), mode="r|")  # noqa: SIM115 (closed by close())
        except (*TRUNCATED_ERRORS, tarfile.CompressionError) as exc:
            self._close_files()
            raise DumpError(f"{path}: not a tar archive, or a truncated one ({exc})") from exc
        self._members = iter(self._tar)
        self._pending: tarfile.TarInfo | None = None
        try:
            self.header = _header(str(path), self._header_files())
        except BaseException:
            self.close()  # the caller never gets the dump to close
            raise

    def _header_files(self) -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        for member in self._read(self._members, "the header"):
            name = _member_name(member)
            if name.startswith("mbdump/"):
                self._pending = member
                break
            if name in _HEADER_FILES and member.isfile():
                data = self._tar.extractfile(member)
                try:
                    files[name] = data.read(_HEADER_MAX_BYTES) if data else b""
                except TRUNCATED_ERRORS as exc:
                    raise DumpError(f"{self.path}: {name}: truncated or corrupt archive ({exc})") from exc
        return files

    def _read(self, members: Iterator[tarfile.TarInfo], where: str) -> Iterator[tarfile.TarInfo]:
        """The members, with a cut-off or corrupt archive reported as a DumpError."""
        while True:
            try:
                member = next(members)
            except StopIteration:
                return
            except TRUNCATED_ERRORS as exc:
                raise DumpError(f"{self.path}: truncated or corrupt archive after {where} ({exc})") from exc
            yield member
            where = _member_name(member)

    def tables(self) -> Iterator[DumpTable]:
        wanted = set(tables.TABLES)
        pending = [self._pending] if self._pending else []
        members = self._read(_chain(pending, self._members), "the header")
        for member in members:
            name = _member_name(member)
            table = name.removeprefix("mbdump/")
            if not member.isfile() or not name.startswith("mbdump/") or table not in wanted:
                continue
            stream = self._tar.extractfile(member)
            if stream is None:
                continue
            yield DumpTable(table, f"{self.path}: {name}", member.size, stream)

    def _decompressed(self, path: Path) -> _Readable:
        """The archive's tar bytes: the file itself, or its decompressor (both closed by close()).

        We open the decompressor ourselves rather than let tarfile's ``r|*`` sniff: its own
        gzip header parser fails with an AttributeError, not a ReadError, on a header cut in
        its FEXTRA field (found by the fuzzer; CPython 3.11)."""
        raw = path.open("rb")
        self._files.append(raw)
        magic = raw.read(len(_XZ))
        raw.seek(0)
        stream: _Readable
        if magic.startswith(_GZIP):
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        elif magic.startswith(_BZIP2):
            stream = bz2.BZ2File(raw)
        elif magic.startswith(_XZ):
            stream = lzma.LZMAFile(raw)  # noqa: SIM115 (closed by close())
        else:
            return raw
        self._files.append(stream)
        return stream

    def _close_files(self) -> None:
        for file in reversed(self._files):
            file.close()
        self._files.clear()

    def close(self) -> None:
        self._tar.close()
        self._close_files()


def _chain(first: list[tarfile.TarInfo], rest: Iterator[tarfile.TarInfo]) -> Iterator[tarfile.TarInfo]:
    yield from first
    yield from rest


def _member_name(member: tarfile.TarInfo) -> str:
    return member.name.removeprefix("./")


def open_dump(path: Path) -> Dump:
    """Open a dump archive or directory and read its header; refuses unknown schema sequences."""
    if path.is_dir():
        return DirectoryDump(path)
    if not path.is_file():
        raise DumpError(f"{path}: no such file or directory")
    return ArchiveDump(path)


def read_chunks(table: DumpTable) -> Iterator[bytes]:
    """A table file's bytes in bounded chunks; a cut-off archive becomes a DumpError."""
    while True:
        try:
            chunk = table.stream.read(CHUNK_BYTES)
        except TRUNCATED_ERRORS as exc:
            raise DumpError(f"{table.label}: truncated or corrupt archive ({exc})") from exc
        if not chunk:
            return
        yield chunk


__all__ = ["Dump", "DumpError", "DumpHeader", "DumpTable", "open_dump", "read_chunks"]
