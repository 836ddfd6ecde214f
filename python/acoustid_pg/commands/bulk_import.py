"""``acoustid-pg import FILE``: bulk-load fingerprints, resumably, with progress."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .. import bulk_import
from . import client_from_args, connection_options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        parents=[connection_options()],
        help="bulk-load fingerprints from JSON lines or CSV (resumable)",
        description="Load fingerprints through COPY in chunks of one transaction each. Rows have "
        "fingerprint (int4 list or compressed string), length, and optionally track_gid and "
        "bitrate. Run the same command again after an interruption or a bad row: it resumes "
        "after the last committed chunk.",
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--format", choices=bulk_import.FORMATS, help="default: from the file's suffix")
    parser.add_argument("--chunk", type=int, default=bulk_import.CHUNK_ROWS, help="rows per transaction")
    parser.add_argument(
        "--state", type=Path, help="where to keep the position (default: under ~/.local/state)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--rebuild-indexes",
        action="store_true",
        help="for a first load: drop the lookup indexes, load, then build them (faster; lookups are "
        "slow meanwhile). They are built after a failure too; `acoustid-pg index restore` builds any "
        "still missing.",
    )
    parser.set_defaults(run=run_import)


class ProgressBar:
    """A one-line bar on stderr (a line per update when stderr is not a terminal)."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total = max(total, 1)
        self.quiet = quiet
        self.started = time.monotonic()
        self.first: int | None = None

    def __call__(self, done: int) -> None:
        if self.quiet:
            return
        if self.first is None:
            self.first = done
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (done - self.first) / elapsed
        filled = int(30 * done / self.total)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{self.total:,} rows {rate:,.0f}/s"
        if sys.stderr.isatty():
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if not self.quiet and sys.stderr.isatty():
            print(file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    fmt = bulk_import.detect_format(args.file, args.format)
    total = bulk_import.count_rows(args.file, fmt) if args.file.is_file() else 0
    bar = ProgressBar(total, args.quiet)
    with client_from_args(args) as client:
        try:
            position = client.import_file(
                args.file, fmt=fmt, state_path=args.state, chunk_rows=args.chunk, progress=bar,
                rebuild_indexes=args.rebuild_indexes,
            )  # fmt: skip
        finally:
            bar.close()
    print(f"{args.file}: {position:,} rows imported")
    return 0
