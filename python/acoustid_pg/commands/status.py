"""``acoustid-pg status``: versions, row counts, the queue and index sizes."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .. import deploy
from . import connection_options, settings_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status",
        parents=[connection_options()],
        help="show schema versions, row counts, pending submissions and index sizes",
        description="Show, for each database, its schema version, row counts (exact below "
        "100,000 rows, else the planner's estimate), the import queue and the largest relations.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run_status)


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = float(size)
    for unit in ("kB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{scaled:,.1f} {unit}"


def run_status(args: argparse.Namespace) -> int:
    report = deploy.describe(settings_from_args(args))
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    for database, info in report.items():
        behind = "" if info["version"] == info["latest"] else f" (latest {info['latest']:04d}: migrate!)"
        extension = f", acoustid {info['extension']}" if info["extension"] else ""
        print(f"{database}: {info['database']} at version {info['version']:04d}{behind}{extension}")
        for table, rows in info["rows"].items():
            print(f"    {table:<22} {rows:>12,} rows")
        for name, size in info["sizes"].items():
            print(f"    {name:<40} {_human(size):>12}")
    pending = report["ingest"]["rows"]["pending_submission"]
    print(f"pending submissions: {pending:,}")
    return 0
