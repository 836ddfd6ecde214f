"""``acoustid-pg submit FILE...``: fingerprint audio files and queue them for import."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .. import audio
from ..ingest import ImportResult
from . import client_from_args, connection_options, messaging_from_args
from .submitter import add_submitter_options, submitter

META_FIELDS = ("track", "artist", "album", "album_artist", "track_no", "disc_no", "year")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "submit",
        parents=[connection_options()],
        help="fingerprint audio files (fpcalc) and submit them",
        description="Run fpcalc on each file and queue its fingerprint with the MBIDs and metadata "
        "given (they apply to every file). A worker imports the queue; --now imports it here.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path, help="audio files")
    parser.add_argument("--mbid", action="append", default=[], help="MusicBrainz recording id (repeatable)")
    parser.add_argument("--puid", help="MusicIP PUID")
    parser.add_argument("--foreignid", metavar="VENDOR:ID", help="a foreign id such as discogs:123")
    parser.add_argument("--format", help="file format name (mp3, flac, ...; default: the file's suffix)")
    parser.add_argument("--bitrate", type=int, help="bitrate in kbps")
    for field in META_FIELDS:
        kind = int if field in ("track_no", "disc_no", "year") else str
        parser.add_argument(
            f"--{field.replace('_', '-')}", dest=f"meta_{field}", type=kind, help=f"metadata: {field}"
        )
    parser.add_argument("--now", action="store_true", help="import the queue right away (no worker needed)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--nats",
        metavar="URL",
        help="announce the submissions on this NATS server's stream for the workers "
        "(else $ACOUSTID_PG_NATS, else the config file's [messaging] nats)",
    )
    add_submitter_options(parser)
    parser.set_defaults(run=run_submit)


def _format_name(args: argparse.Namespace, path: Path) -> str | None:
    if args.format:
        return str(args.format)
    suffix = path.suffix.lower().lstrip(".")
    return suffix or None


def run_submit(args: argparse.Namespace) -> int:
    meta = {f: getattr(args, f"meta_{f}") for f in META_FIELDS if getattr(args, f"meta_{f}") is not None}
    prints = [audio.fingerprint_file(path) for path in args.files]  # all files checked before any write
    report: list[dict[str, Any]] = []
    messaging = messaging_from_args(args, nats=args.nats)
    with client_from_args(args, nats=messaging.nats_url) as client:
        account_id, application_id = submitter(client, args)
        for printed in prints:
            ids = client.submit(
                printed.items,
                printed.duration,
                account_id=account_id,
                application_id=application_id,
                mbids=args.mbid,
                puid=args.puid,
                foreignid=args.foreignid,
                meta=meta or None,
                bitrate=args.bitrate,
                format=_format_name(args, printed.path),
            )
            report.append({"file": str(printed.path), "duration": printed.duration, "submissions": ids})
        results: list[ImportResult] = []
        if args.now:
            while batch := client.process_submissions(100):
                results += batch
    if args.json:
        print(json.dumps({"submitted": report, "imported": [_result(r) for r in results]}, indent=2))
        return 0
    for item in report:
        numbers = ", ".join(str(i) for i in item["submissions"])
        print(f"{item['file']}: {item['duration']} s, submission {numbers}")
    for result in results:
        print(_describe(result))
    return 0


def _result(result: ImportResult) -> dict[str, Any]:
    return {
        "submission_id": result.submission_id,
        "action": result.action,
        "track_gid": str(result.track_gid) if result.track_gid else None,
        "fingerprint_id": result.fingerprint_id,
        "skip_reason": result.skip_reason,
    }


def _describe(result: ImportResult) -> str:
    if result.action == "skipped":
        return f"submission {result.submission_id}: skipped ({result.skip_reason})"
    return f"submission {result.submission_id}: {result.action.replace('_', ' ')}, track {result.track_gid}"
