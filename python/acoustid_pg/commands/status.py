"""``acoustid-pg status``: versions, row counts, the queue and index sizes."""

from __future__ import annotations

import argparse
import json
from typing import Any

import psycopg

from .. import migrate
from ..settings import DATABASES, Settings
from . import connection_options, settings_from_args

# the tables worth counting in each database (estimates for the big ones)
COUNTED = {
    "app": ("account", "application"),
    "fingerprint": ("track", "fingerprint", "track_mbid", "meta"),
    "ingest": ("submission", "pending_submission", "submission_result"),
}

SIZES = """
SELECT c.relname, pg_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'p', 'I')
  AND (c.relname = ANY(%s) OR c.relkind IN ('i', 'I'))
  AND NOT c.relispartition
ORDER BY pg_relation_size(c.oid) DESC, c.relname
LIMIT 12
"""


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


def _count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(
        "SELECT greatest(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = to_regclass(%s)", (table,)
    ).fetchone()
    estimate = int(row[0]) if row and row[0] is not None else 0
    if estimate >= 100_000:
        return estimate
    exact = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # table names are our constants
    return int(exact[0]) if exact else 0


def collect(settings: Settings) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for database in DATABASES:
        with settings.connect(database) as conn:
            extension = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'acoustid'"
            ).fetchone()
            report[database] = {
                "database": settings.dbname(database),
                "version": migrate.current_version(conn, database),
                "latest": max((step.version for step in migrate.load_migrations(database)), default=0),
                "rows": {table: _count(conn, table) for table in COUNTED[database]},
                "sizes": {name: size for name, size in conn.execute(SIZES, (list(COUNTED[database]),))},
                "extension": extension[0] if extension else None,
                "server": conn.info.server_version,
            }
    return report


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
    report = collect(settings_from_args(args))
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
