"""``acoustid-pg musicbrainz import PATH`` and ``musicbrainz status``: the MusicBrainz mirror."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from ..musicbrainz import merges, service
from ..musicbrainz.mirror_import import TableProgress, import_dump
from ..settings import MUSICBRAINZ
from . import UsageError, client_from_args, connection_options, settings_from_args

# Without a terminal, at most one progress line per table every this many seconds.
LOG_INTERVAL = 5.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "musicbrainz",
        help="the MusicBrainz mirror that lookups read metadata from",
        description="Load MusicBrainz's public data dump into the mirror database "
        "(acoustid_musicbrainz), or show which dump it holds.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        parents=[connection_options()],
        help="load mbdump.tar.bz2 (or a directory holding mbdump/) into the mirror",
        description="Load the tables lookups need from MusicBrainz's data dump (mbdump.tar.bz2 from "
        "https://data.metabrainz.org/pub/musicbrainz/data/fullexport/, or a directory holding "
        "mbdump/). Each table is staged in its own transaction, and all are swapped in at the end "
        "in one: lookups see the old mirror until then, and a failed or interrupted import leaves it "
        "untouched. Run the same command again to resume after the tables already staged.",
    )
    load.add_argument("path", type=Path, metavar="PATH")
    load.add_argument("--quiet", action="store_true", help="no progress bar")
    load.set_defaults(run=run_import)
    status = actions.add_parser(
        "status", parents=[connection_options()], help="which MusicBrainz dump the mirror holds"
    )
    status.set_defaults(run=run_status)
    follow = actions.add_parser(
        "follow-merges",
        parents=[connection_options()],
        help="move track links of MBIDs MusicBrainz merged; disable MBIDs it has long not known",
        description="For every MBID linked to a track: when MusicBrainz redirects it to another "
        "recording, move its links there (counts added, changes recorded in track_mbid_change); "
        "when the mirror lacks it for --unknown-days days of mirror updates, disable its links "
        "with a note. Run it after each mirror update (`acoustid-pg maintenance` runs it too).",
    )
    default_days = merges.UNKNOWN_AFTER / timedelta(days=1)
    follow.add_argument(
        "--unknown-days",
        type=float,
        default=default_days,
        help=f"days of mirror data before disabling ({default_days:g})",
    )
    follow.set_defaults(run=run_follow_merges)


class TableProgressBar:
    """One bar per table on stderr: bytes of its file, rows, rows/s."""

    def __init__(self, quiet: bool, stream: TextIO = sys.stderr) -> None:
        self.quiet = quiet
        self.stream = stream
        self.tty = stream.isatty()
        self.table = ""
        self.started = self.logged = 0.0

    def __call__(self, progress: TableProgress) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if progress.table != self.table:
            self.table, self.started, self.logged = progress.table, now, 0.0
        if progress.skipped:
            self._print(f"{progress.table:<34} {progress.rows:>12,} rows (staged by an earlier run)", True)
            return
        if not (self.tty or progress.finished or now - self.logged >= LOG_INTERVAL):
            return
        self.logged = now
        fraction = progress.bytes_done / progress.bytes_total if progress.bytes_total else 1.0
        filled = int(30 * fraction)
        rate = progress.rows / max(now - self.started, 1e-6)
        line = (
            f"{progress.table:<34} [{'#' * filled}{'.' * (30 - filled)}] {fraction:>4.0%} "
            f"{progress.rows:>12,} rows {rate:>9,.0f}/s"
        )
        self._print(line, progress.finished)

    def _print(self, line: str, finished: bool) -> None:
        if self.tty:
            print(f"\r{line}", end="\n" if finished else "", file=self.stream, flush=True)
        else:
            print(line, file=self.stream, flush=True)


def run_import(args: argparse.Namespace) -> int:
    # Only the mirror: the other databases need not exist (or be reachable) for an import.
    settings = settings_from_args(args)
    service.check_importable(settings)
    with settings.connect(MUSICBRAINZ) as conn:
        result = import_dump(conn, args.path, progress=TableProgressBar(args.quiet))
    header = result.header
    total = sum(result.rows.values())
    print(
        f"{args.path}: MusicBrainz dump of {header.timestamp} (schema sequence {header.schema_sequence}, "
        f"replication sequence {header.replication_sequence}): {total:,} rows in {len(result.rows)} tables"
    )
    return 0


def run_follow_merges(args: argparse.Namespace) -> int:
    if args.unknown_days < 0:
        raise UsageError("--unknown-days must be 0 or more")
    with client_from_args(args) as client:
        window = timedelta(days=args.unknown_days)
        summary = client.musicbrainz.follow_merges(unknown_after=window, report=print)
    print(merges.describe(summary))
    return 0


def run_status(args: argparse.Namespace) -> int:
    with settings_from_args(args).connect(MUSICBRAINZ) as conn:
        dump = service.mirror_dump(conn)
    if dump is None:
        print("the MusicBrainz mirror is empty: load a dump with `acoustid-pg musicbrainz import PATH`")
        return 0
    print(
        f"MusicBrainz dump of {dump['dump_timestamp']} (schema sequence {dump['schema_sequence']}, "
        f"replication sequence {dump['replication_sequence']}), imported {dump['imported_at']} "
        f"from {dump['source']}"
    )
    return 0
