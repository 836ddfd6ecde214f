"""Target ``dump``: the MusicBrainz dump reader (``open_dump``, ``tables``, ``read_chunks``)
on arbitrary bytes, as an archive or as a directory of files.

Input: raw bytes are written as ``mbdump.tar.bz2`` (tarfile sniffs the compression: bzip2,
gzip, xz or none); an input starting with ``--- `` is a directory instead, one file per
section::

    --- SCHEMA_SEQUENCE
    30
    --- mbdump/artist
    1\t...

The property: the reader hands out every table's bytes, or raises ``DumpError`` whose message
names the dump (and the file in it); never another exception; bounded memory (libFuzzer's
``-rss_limit_mb``) and time (``-timeout``), however large a size an archive claims.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Final

from acoustid_pg.musicbrainz.dump import DumpError, open_dump, read_chunks
from tests.fuzz.verdict import PropertyBroken

DIRECTORY_MARK: Final = b"--- "
SECTION: Final = re.compile(rb"^--- ([^\n]*)\n", re.MULTILINE)
NAME: Final = re.compile(r"[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_.-]{1,64}){0,2}")
READ_CAP: Final = 256 << 20  # bytes read per input before the harness stops (a decompression bomb)


def materialize(data: bytes, scratch: Path) -> Path:
    """The input as a dump on disk: the path to hand to ``open_dump``."""
    if not data.startswith(DIRECTORY_MARK):
        archive = scratch / "mbdump.tar.bz2"
        archive.write_bytes(data)
        return archive
    root = scratch / "dump"
    root.mkdir()
    marks = list(SECTION.finditer(data))
    for mark, following in zip(marks, [*marks[1:], None]):
        name = mark[1].decode("ascii", errors="replace").strip()
        if not NAME.fullmatch(name) or ".." in name.split("/"):
            continue
        content = data[mark.end() : following.start() if following else len(data)]
        file = root / name
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            if not file.is_dir():
                file.write_bytes(content)
        except (NotADirectoryError, FileExistsError, IsADirectoryError):
            continue  # a section names a file both as a file and a directory: the harness's limit
    return root


def read_dump(path: Path) -> dict[str, int]:
    """Every table's size in bytes, read the way the import reads it."""
    sizes: dict[str, int] = {}
    total = 0
    with open_dump(path) as dump:
        for table in dump.tables():
            sizes[table.name] = 0
            for chunk in read_chunks(table):
                sizes[table.name] += len(chunk)
                total += len(chunk)
                if total > READ_CAP:
                    return sizes
    return sizes


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="acoustid-fuzz-dump-") as scratch:
        path = materialize(data, Path(scratch))
        try:
            read_dump(path)
        except DumpError as exc:
            if str(scratch) not in str(exc):
                raise PropertyBroken(f"a DumpError that does not name the dump: {exc}") from exc
