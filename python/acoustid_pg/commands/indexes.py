"""``acoustid-pg index``: build, drop or report the optional indexes (see acoustid_pg.indexes)."""

from __future__ import annotations

import argparse
from typing import Any

from ..indexes import OPTIONAL_INDEXES
from . import client_from_args, connection_options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "index",
        parents=[connection_options()],
        help="build, drop or report an optional index",
        description="Optional indexes are left out by init and migrate. legacy-overlap is the seed's "
        "fingerprint_fingerprint_idx, a GIN over every item, used only by the legacy "
        "`fingerprint && query` search (about 33 kB a fingerprint). create builds it CONCURRENTLY "
        "(lookups and imports go on); drop removes it the same way.",
    )
    parser.add_argument("action", choices=("create", "drop", "status"))
    parser.add_argument("kind", choices=tuple(OPTIONAL_INDEXES), help="which optional index")
    parser.add_argument(
        "--maintenance-work-mem",
        default="1GB",
        metavar="SIZE",
        help="memory for the build (default 1GB; a server set higher keeps its setting)",
    )
    parser.set_defaults(run=run_index)


def run_index(args: argparse.Namespace) -> int:
    with client_from_args(args, max_size=1) as client:
        if args.action == "drop":
            dropped = client.indexes.drop(args.kind)
            print(f"{args.kind}: {'dropped' if dropped else 'there was none'}")
            return 0
        if args.action == "create":
            state = client.indexes.create(args.kind, maintenance_work_mem=args.maintenance_work_mem)
        else:
            state = client.indexes.state(args.kind)
    if not state.exists:
        print(f"{args.kind} ({state.name}): absent")
    else:
        validity = "valid" if state.valid else "INVALID (a cancelled build: run create again)"
        print(f"{args.kind} ({state.name}): {validity}, {state.bytes / 1e6:,.1f} MB")
    return 0
