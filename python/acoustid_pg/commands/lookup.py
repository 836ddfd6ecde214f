"""``acoustid-pg lookup FILE | --fingerprint STRING --duration N``: identify audio."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .. import lookup
from ..lookup import Match
from . import UsageError, client_from_args, connection_options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lookup",
        parents=[connection_options()],
        help="identify an audio file or a fingerprint",
        description="Look up an audio file (fingerprinted with fpcalc) or a compressed fingerprint "
        "string, and print the matching tracks, best first.",
    )
    parser.add_argument("file", nargs="?", type=Path, metavar="FILE", help="an audio file")
    parser.add_argument(
        "--fingerprint", metavar="STRING", help="a compressed fingerprint (what fpcalc prints)"
    )
    parser.add_argument("--duration", type=int, help="duration in seconds (needed with --fingerprint)")
    # Left out, these take the defaults of the SQL function acoustid_lookup (their one home).
    parser.add_argument("--max-results", type=int, help="at most this many tracks")
    parser.add_argument("--min-score", type=float, help="only scores above this")
    parser.add_argument("--max-duration-diff", type=int, help="duration window, seconds")
    parser.add_argument(
        "--meta",
        nargs="?",
        const="",
        metavar="LEVELS",
        help="alone: also show submitted metadata; with LEVELS (as the web service's meta, e.g. "
        "'recordings releases' or 'recordings releasegroups releases tracks compress sources'): "
        "MusicBrainz metadata from the mirror",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=lookup.DEFAULT_TIMEOUT,
        help="give up after this many seconds (default %(default)s)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run_lookup)


def as_json(match: Match) -> dict[str, Any]:
    return {
        "track": str(match.track_gid),
        "score": round(match.score, 6),
        "fingerprint_id": match.fingerprint_id,
        "mbids": [{"mbid": str(m.mbid), "submissions": m.submission_count} for m in match.mbids],
        "meta": [{k: v for k, v in vars(m).items() if v is not None} for m in match.meta],
        **match.metadata,
    }


def run_lookup(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.fingerprint is None):
        raise UsageError("give either FILE or --fingerprint")
    query: Any = args.file if args.file is not None else args.fingerprint
    with client_from_args(args) as client:
        matches = client.lookup(
            query,
            args.duration,
            max_duration_diff=args.max_duration_diff,
            min_score=args.min_score,
            max_results=args.max_results,
            include_meta=args.meta is not None,
            meta=args.meta or None,
            timeout=args.timeout,
        )
    if args.json:
        print(json.dumps({"results": [as_json(m) for m in matches]}, indent=2))
        return 0
    if not matches:
        print("no match")
        return 0
    print(f"{'score':>6}  {'track':<36}  mbids")
    for match in matches:
        mbids = ", ".join(f"{m.mbid} ({m.submission_count})" for m in match.mbids) or "-"
        print(f"{match.score:>6.3f}  {match.track_gid!s:<36}  {mbids}")
        for recording in match.metadata.get("recordings", []):
            print(f"{'':>6}  {'':<36}  {describe_recording(recording)}")
        for meta in match.meta:
            described = " / ".join(str(v) for k, v in vars(meta).items() if v and k != "submission_count")
            print(f"{'':>6}  {'':<36}  {described} ({meta.submission_count})")
    return 0


def describe_recording(recording: dict[str, Any]) -> str:
    """One line: MBID, artists, title and the first release's title and date."""
    artists = "".join(a["name"] + a.get("joinphrase", "") for a in recording.get("artists", []))
    parts = [recording.get("id") or "(submitted)", artists, recording.get("title", "")]
    releases = recording.get("releases") or [
        release for group in recording.get("releasegroups", []) for release in group.get("releases", [])
    ]
    if releases:
        first = releases[0]
        year = first.get("date", {}).get("year")
        parts.append(f"{first.get('title', '')}{f' ({year})' if year else ''}")
    return " | ".join(str(part) for part in parts if part)
