"""``acoustid-pg bench``: a quick performance check of this installation (see ``acoustid_pg.quick_bench``)."""

from __future__ import annotations

import argparse
from typing import Any

from .. import quick_bench
from ..settings import ALL_DATABASES
from . import connection_options, settings_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        parents=[connection_options()],
        help="measure this installation: function calls/s, bulk load, lookup latency",
        description=quick_bench.__doc__,
    )
    parser.add_argument("--pairs", type=int, default=5000, help="fingerprint pairs for the function figures")
    parser.add_argument("--tracks", type=int, default=2000, help="synthetic tracks to load")
    parser.add_argument("--lookups", type=int, default=200, help="lookups to time")
    parser.set_defaults(run=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    for database in ALL_DATABASES:  # scratch names for all, or the bench would drop the real mirror
        setattr(args, f"{database}_db", quick_bench.SCRATCH[database])
    args.dbname = None
    quick_bench.run(settings_from_args(args), pairs=args.pairs, tracks=args.tracks, lookups=args.lookups)
    return 0
