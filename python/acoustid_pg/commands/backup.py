"""``acoustid-pg backup configure|run|list|restore``: pgBackRest backups and point-in-time
recovery of the embedded server (the logic is in ``acoustid_pg.backup``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .. import backup, embedded

DESCRIPTION = (
    "Full backups and continuous WAL archiving of the embedded server with pgBackRest, and "
    "restores to any moment since the oldest backup ended. The three databases are restored "
    "together, to the same instant. For a server of your own, see the README's Backup section."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="back up the embedded server, and restore it to a point in time",
        description=DESCRIPTION,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    configure = actions.add_parser(
        "configure", help="turn on WAL archiving into a pgBackRest repository (restarts the server once)"
    )
    configure.add_argument(
        "--repo", type=Path, help="repository directory (default: backup/ next to the data directory)"
    )
    configure.add_argument(
        "--retention-full",
        type=int,
        default=backup.DEFAULT_RETENTION_FULL,
        metavar="N",
        help="full backups to keep, with the WAL to restore into them "
        f"(default {backup.DEFAULT_RETENTION_FULL})",
    )
    configure.set_defaults(run=run_configure)
    run = actions.add_parser("run", help="take a backup now (schedule a full one daily, e.g. from cron)")
    run.add_argument("--type", choices=backup.BACKUP_KINDS, default="full", help="default: full")
    run.set_defaults(run=run_backup)
    listing = actions.add_parser("list", help="list the backups and the earliest moment to restore to")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=run_list)
    restore = actions.add_parser(
        "restore",
        help="stop the server and bring all three databases back to a moment (or to the latest)",
        description="Everything written after the target is lost, in all three databases alike.",
    )
    restore.add_argument(
        "--to",
        metavar="TIME",
        help="ISO 8601 time, e.g. '2026-11-28 10:30:00+00:00' (no zone: local time); "
        "default: the end of the archive",
    )
    restore.set_defaults(run=run_restore)


def run_configure(args: argparse.Namespace) -> int:
    backup.configure(embedded.embedded_cluster(), repo=args.repo, retention_full=args.retention_full)
    return 0


def run_backup(args: argparse.Namespace) -> int:
    made = backup.run_backup(embedded.embedded_cluster(), args.type)
    seconds = (made.stopped - made.started).total_seconds()
    print(f"backup {made.label} ({made.kind}): {made.size:,} bytes, {made.stored:,} stored, {seconds:.0f} s")
    return 0


def run_list(args: argparse.Namespace) -> int:
    found = backup.inventory(embedded.embedded_cluster())
    if args.json:
        payload = {
            "backups": [
                {
                    "label": b.label,
                    "type": b.kind,
                    "started": b.started.isoformat(),
                    "stopped": b.stopped.isoformat(),
                    "size": b.size,
                    "stored": b.stored,
                }
                for b in found.backups
            ],
            "earliest_restore_time": found.earliest.isoformat() if found.earliest else None,
            "wal": {"min": found.wal_min, "max": found.wal_max},
        }
        print(json.dumps(payload, indent=2))
        return 0
    if not found.backups:
        print("no backups yet: run 'acoustid-pg backup run'")
        return 0
    for b in found.backups:
        print(
            f"{b.label:<36} {b.kind:<5} {b.stopped.isoformat()}  {b.size:>15,} bytes  {b.stored:>15,} stored"
        )
    print(f"restorable from {found.earliest.isoformat() if found.earliest else '-'} to the last archived WAL "
          f"({found.wal_max or '-'})")  # fmt: skip
    return 0


def run_restore(args: argparse.Namespace) -> int:
    target = None if args.to is None else backup.parse_time(args.to)
    backup.restore(embedded.embedded_cluster(), target)
    return 0
