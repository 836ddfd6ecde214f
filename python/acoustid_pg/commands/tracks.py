"""``acoustid-pg merge`` and ``acoustid-pg mbid``: track merges and MBID moderation."""

from __future__ import annotations

import argparse
from typing import Any

from . import client_from_args, connection_options


def register(subparsers: Any) -> None:
    merge = subparsers.add_parser(
        "merge",
        parents=[connection_options()],
        help="merge tracks into a target track",
        description="Merge SOURCE tracks into TARGET (ids or gids): fingerprints and links move, "
        "duplicate links are summed, the sources are disabled and lead to the target.",
    )
    merge.add_argument("target", help="the surviving track (id or gid)")
    merge.add_argument("sources", nargs="+", metavar="SOURCE", help="tracks to merge into it")
    merge.set_defaults(run=run_merge)

    mbid = subparsers.add_parser(
        "mbid",
        parents=[connection_options()],
        help="disable or enable a track-MBID link (with an audit row)",
    )
    mbid.add_argument("action", choices=("disable", "enable"))
    mbid.add_argument("track", help="track id or gid")
    mbid.add_argument("mbid", help="MusicBrainz recording id")
    mbid.add_argument("--account", type=int, required=True, help="the account making the change")
    mbid.add_argument("--note", help="why")
    mbid.set_defaults(run=run_mbid)


def _track(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def run_merge(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        result = client.tracks.merge(_track(args.target), [_track(s) for s in args.sources])
    merged = ", ".join(str(i) for i in result.merged_ids) or "nothing new"
    print(
        f"merged {merged} into track {result.target_id} ({result.target_gid}); "
        f"{result.fingerprints_moved} fingerprints moved"
    )
    return 0


def run_mbid(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        change = getattr(client.tracks, f"{args.action}_mbid")(
            _track(args.track), args.mbid, account_id=args.account, note=args.note
        )
    state = "disabled" if change.disabled else "enabled"
    audit = f"audit row {change.change_id}" if change.changed else "already so, nothing written"
    print(f"{change.mbid} on track {change.track_id} ({change.track_gid}): {state}; {audit}")
    return 0
