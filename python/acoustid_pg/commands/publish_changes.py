"""``acoustid-pg publish-changes``: follow the fingerprint changelog onto the fpindex NATS stream."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType
from typing import Any

import redis

from .. import backfill, backfill_jobs, changelog_publisher, embedded_redis
from ..changelog import DEFAULT_BATCH
from ..errors import ChangelogGap
from ..nats_bridge import JetStream
from . import UsageError, client_from_args, connection_options, messaging_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publish-changes",
        parents=[connection_options()],
        help="publish the fingerprint changelog to the fpindex NATS stream (until SIGTERM / Ctrl-C)",
        description="Publish every fingerprint_changelog entry, in commit order, to the JetStream stream "
        "fpindex (subject fpindex.changes.<fingerprint id>, one message kept per subject), for indexes on "
        "other hosts. The cursor is kept in Redis (fpindex:publisher:cursor): a restart goes on where it "
        "stopped. Entries pruned before they were published stop it with an error (a changelog gap).",
    )
    parser.add_argument(
        "--nats", metavar="URL", help="NATS server (else $ACOUSTID_PG_NATS, [messaging] nats)"
    )
    parser.add_argument("--redis", metavar="URL", help="Redis for the cursor (else $ACOUSTID_PG_REDIS, "
                        "[messaging] redis, [web] redis, else the embedded Redis)")  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="changes read per query")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls once up to date")
    parser.add_argument("--once", action="store_true", help="exit once everything is published")
    parser.set_defaults(run=run_publish_changes)


def run_publish_changes(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    messaging = messaging_from_args(args, nats=args.nats, redis=args.redis)
    if messaging.nats_url is None:
        raise UsageError("publish-changes needs a NATS server: --nats URL (or [messaging] nats)")
    if not 1 <= args.batch_size <= 100_000:
        raise UsageError("--batch-size must be between 1 and 100000")
    client = backfill_jobs.redis_client(messaging.redis_url or embedded_redis.ensure_running().url)
    with backfill.redis_errors("publish-changes"):
        return _publish(args, messaging.nats_url, client)


def _publish(args: argparse.Namespace, nats_url: str, client: redis.Redis) -> int:
    with (
        client_from_args(args, max_size=2) as db,
        JetStream.connect(nats_url, name="publish-changes") as js,
    ):
        publisher = changelog_publisher.ChangelogPublisher(db.pools, js, client, batch_size=args.batch_size)

        def request_stop(signum: int, frame: FrameType | None) -> None:
            publisher.stop()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        print(
            f"publishing changes after {publisher.cursor()} to {nats_url}",
            file=sys.stderr,
            flush=True,
        )
        try:
            if args.once:
                while publisher.publish_batch().published:
                    pass
            else:
                publisher.run(poll_seconds=args.poll)
        except ChangelogGap as gap:
            print(
                f"acoustid-pg publish-changes: changelog gap: entries after {gap.cursor} up to "
                f"{gap.pruned_through} were pruned before they were published. The stream misses them: "
                "delete stream fpindex, run `acoustid-pg backfill fpindex --restart`, then start "
                "publish-changes again.",
                file=sys.stderr,
            )
            return 3
    print(f"published {publisher.published} changes; cursor {publisher.cursor()}", file=sys.stderr)
    return 0
