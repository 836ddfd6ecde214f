"""``acoustid-pg import FILE``: bulk-load fingerprints, resumably, with progress."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import bulk_import
from . import client_from_args, connection_options
from .progress import ProgressBar


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


def run_import(args: argparse.Namespace) -> int:
    fmt = bulk_import.detect_format(args.file, args.format)
    total = bulk_import.count_rows(args.file, fmt) if args.file.is_file() else 0
    bar = ProgressBar(args.file.name, args.quiet)
    with client_from_args(args) as client:
        try:
            position = client.import_file(
                args.file,
                fmt=fmt,
                state_path=args.state,
                chunk_rows=args.chunk,
                progress=lambda done: bar(done, total),
                rebuild_indexes=args.rebuild_indexes,
            )
        finally:
            bar.close()
    print(f"{args.file}: {position:,} rows imported")
    return 0
