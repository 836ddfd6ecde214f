"""``acoustid-pg maintenance``: the periodic cleanup jobs (run it daily from cron)."""

from __future__ import annotations

import argparse
from typing import Any

from .. import config, embedded_redis
from ..musicbrainz.merges import describe
from . import _database_flags, client_from_args, connection_options, messaging_from_args

JOBS = ("partitions", "submissions", "meta", "tracks", "musicbrainz", "stats", "lookup-counts")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "maintenance",
        parents=[connection_options()],
        help="run the cleanup jobs",
        description="Create upcoming submission partitions, delete handled submissions older than "
        "30 days, remove orphaned metadata and unreferenced disabled tracks, follow MusicBrainz merges "
        "(when there is a mirror with a dump imported, or --musicbrainz-dsn), refresh track_stats, "
        "and move the web service's lookup counts from Redis into stats_lookups and stats_user_agents "
        "(Redis from --redis, $ACOUSTID_PG_REDIS, [messaging] redis, [web] redis, else the embedded "
        "Redis if it runs). Each job is safe to run while the service runs.",
    )
    parser.add_argument("--redis", metavar="URL", help="the web service's Redis, for the lookup counts")
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
        if "lookup-counts" in jobs:
            redis_url = _redis_url(args)
            if redis_url is None:
                print("lookup counts: no Redis configured (and no embedded one running): nothing to flush")
            else:
                print(f"lookup counts: {jobs_of.flush_lookup_counts(redis_url).describe()}")
    return 0


def _redis_url(args: argparse.Namespace) -> str | None:
    """The web service's Redis, as backfill and publish-changes find theirs; else the embedded
    Redis (serve's default) when the databases are the embedded server's too (its counts
    belong to that deployment's applications) and it runs: a stopped one is not started."""
    url = messaging_from_args(args, redis=args.redis).redis_url
    if url is not None:
        return url
    if config.server_configured(config.resolve(_database_flags(args), config.load_config(args.config))):
        return None
    embedded = embedded_redis.embedded_redis()
    return embedded.url if embedded.running() else None
