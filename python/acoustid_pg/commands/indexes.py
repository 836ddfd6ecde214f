"""``acoustid-pg index``: build, drop or report the optional indexes (see acoustid_pg.indexes)."""

from __future__ import annotations

import argparse
from typing import Any

from ..indexes import OPTIONAL_INDEXES
from . import UsageError, client_from_args, connection_options


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
    parser.add_argument(
        "action",
        choices=("create", "drop", "status", "restore"),
        help="restore builds the lookup indexes a failed first load left missing",
    )
    parser.add_argument("kind", nargs="?", choices=tuple(OPTIONAL_INDEXES), help="which optional index")
    parser.add_argument(
        "--maintenance-work-mem",
        default="1GB",
        metavar="SIZE",
        help="memory for the build (default 1GB; a server set higher keeps its setting)",
    )
    parser.set_defaults(run=run_index)


def run_index(args: argparse.Namespace) -> int:
    if args.action in ("create", "drop") and args.kind is None:
        raise UsageError(f"index {args.action} needs the index: {', '.join(OPTIONAL_INDEXES)}")
    if args.action == "restore" or (args.action == "status" and args.kind is None):
        return run_lookup_indexes(args)
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


def run_lookup_indexes(args: argparse.Namespace) -> int:
    """status: which lookup indexes are missing; restore: build them (two connections)."""
    with client_from_args(args, max_size=2) as client:
        if args.action == "status":
            missing = client.indexes.missing()
            print(f"lookup indexes missing: {', '.join(missing) or 'none'}")
            return 0
        built = client.indexes.restore(maintenance_work_mem=args.maintenance_work_mem)
    for name, seconds in built.items():
        print(f"{name}: built in {seconds:.1f} s")
    if not built:
        print("every lookup index is there")
    return 0
