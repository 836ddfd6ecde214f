"""``acoustid-pg backfill NAME``: a resumable backfill, its state in Redis, with a progress bar."""

from __future__ import annotations

import argparse
import signal
from types import FrameType
from typing import Any

from .. import backfill, backfill_jobs, embedded_redis
from ..nats_bridge import JetStream
from . import UsageError, client_from_args, connection_options, messaging_from_args
from .progress import ProgressBar


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backfill",
        parents=[connection_options()],
        help="run a resumable backfill (fingerprint-data, fpindex)",
        description="fingerprint-data: fill fingerprint_data (compressed string, simhash) for fingerprints "
        "loaded without it. fpindex: publish every fingerprint to the fpindex NATS stream, for a new index. "
        "State is kept in Redis under backfill:NAME:last_id, :batch_size and :completed: run it again "
        "after a kill or Ctrl-C and it goes on where it stopped. Two runs of one backfill refuse.",
    )
    parser.add_argument("name", choices=backfill_jobs.NAMES, help="the backfill")
    parser.add_argument(
        "--batch-size", type=int, help=f"rows per batch (kept; default {backfill.DEFAULT_BATCH})"
    )
    parser.add_argument("--restart", action="store_true", help="forget the stored position and start over")
    parser.add_argument("--status", action="store_true", help="print the stored state and exit")
    parser.add_argument("--redis", metavar="URL", help="Redis for the state (else $ACOUSTID_PG_REDIS, "
                        "[messaging] redis, [web] redis, else the embedded Redis)")  # fmt: skip
    parser.add_argument("--nats", metavar="URL", help="NATS server for fpindex (else $ACOUSTID_PG_NATS, "
                        "[messaging] nats)")  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_backfill)


def run_backfill(args: argparse.Namespace) -> int:
    messaging = messaging_from_args(args, nats=args.nats, redis=args.redis)
    redis_url = messaging.redis_url or embedded_redis.ensure_running().url
    client = backfill_jobs.redis_client(redis_url)
    if args.status:
        with backfill.redis_errors(f"backfill {args.name}"):
            state = backfill.read_state(client, args.name)
        print(
            f"{args.name}: last_id {state.last_id}, batch_size {state.batch_size}, "
            f"completed {state.completed}"
        )
        return 0
    if args.name == "fpindex" and messaging.nats_url is None:
        raise UsageError("backfill fpindex needs a NATS server: --nats URL (or [messaging] nats)")
    bar = ProgressBar(args.name, args.quiet)
    with client_from_args(args, max_size=2) as db:
        js = (
            JetStream.connect(messaging.nats_url, name="acoustid-pg backfill") if messaging.nats_url else None
        )
        try:
            job: backfill.BackfillJob
            if args.name == "fpindex":
                assert js is not None
                job = backfill_jobs.FpindexJob(db.pools, js, client)
            else:
                job = backfill_jobs.FingerprintDataJob(db.pools)
            runner = backfill.Backfill(job, client)

            def request_stop(signum: int, frame: FrameType | None) -> None:
                runner.stop()

            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
            report = runner.run(batch_size=args.batch_size, restart=args.restart, progress=bar)
        finally:
            bar.close()
            if js is not None:
                js.close()
    rate = report.rows / report.seconds if report.seconds > 0 else 0.0
    outcome = "completed" if report.completed else "stopped (run it again to go on)"
    print(
        f"backfill {report.name} {outcome}: {report.rows:,} rows in {report.batches} batches, "
        f"{report.seconds:.1f} s ({rate:,.0f} rows/s), last id {report.last_id}"
    )
    return 0 if report.completed else 1
