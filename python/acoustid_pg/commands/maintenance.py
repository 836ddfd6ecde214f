"""``acoustid-pg maintenance``: the periodic cleanup jobs (run it daily from cron)."""

from __future__ import annotations

import argparse
from typing import Any

from ..musicbrainz.merges import describe
from . import client_from_args, connection_options

JOBS = ("partitions", "submissions", "meta", "tracks", "musicbrainz", "stats")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "maintenance",
        parents=[connection_options()],
        help="run the cleanup jobs",
        description="Create upcoming submission partitions, delete handled submissions older than "
        "30 days, remove orphaned metadata and unreferenced disabled tracks, follow MusicBrainz merges "
        "(when there is a mirror with a dump imported, or --musicbrainz-dsn), refresh track_stats. "
        "Each job is safe to run while the service runs.",
    )
    parser.add_argument(
        "--job", choices=JOBS, action="append", help="only this job (repeatable; default all)"
    )
    parser.set_defaults(run=run_maintenance)


def run_maintenance(args: argparse.Namespace) -> int:
    jobs = args.job or list(JOBS)
    with client_from_args(args) as client:
        jobs_of = client.maintenance
        if "partitions" in jobs:
            print(f"partitions: {jobs_of.create_submission_partitions()} created")
        if "submissions" in jobs:
            cleanup = jobs_of.delete_old_submissions()
            dropped = ", ".join(cleanup.dropped_partitions) or "none"
            print(f"submissions: {cleanup.deleted} deleted; months dropped: {dropped}")
        if "meta" in jobs:
            print(f"meta: {jobs_of.remove_orphaned_meta()} orphaned rows removed")
        if "tracks" in jobs:
            removed = jobs_of.remove_unreferenced_disabled_tracks()
            print(f"tracks: {removed} unreferenced disabled tracks removed")
        if "musicbrainz" in jobs:
            step = jobs_of.follow_musicbrainz_merges()
            if step.summary is not None:
                print(f"musicbrainz merges: {describe(step.summary)}")
            else:
                print(f"musicbrainz merges: skipped, {step.skipped}")
        if "stats" in jobs:
            print(f"track_stats: refreshed, {jobs_of.refresh_track_stats()} rows")
    return 0
