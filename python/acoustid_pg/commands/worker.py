"""``acoustid-pg worker``: import pending submissions until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from .. import submission_feed
from .. import worker as import_worker
from ..nats_worker import NatsWorker
from . import client_from_args, connection_options, messaging_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        parents=[connection_options()],
        help="import pending submissions (until SIGTERM / Ctrl-C, or --drain)",
        description="Import pending submissions, sleeping on LISTEN between batches; stops "
        "cleanly on SIGTERM or SIGINT after the batch in progress commits.",
    )
    parser.add_argument("--batch-size", type=int, default=import_worker.DEFAULT_BATCH, help="per transaction")
    parser.add_argument(
        "--poll", type=float, default=import_worker.DEFAULT_POLL_SECONDS, help="seconds between polls"
    )
    parser.add_argument("--drain", action="store_true", help="exit once nothing is pending")
    parser.add_argument(
        "--nats",
        metavar="URL",
        help="consume the submissions stream of this NATS server (else $ACOUSTID_PG_NATS, else the "
        "config file's [messaging] nats); without one, wait on LISTEN. --poll is then the sweep interval",
    )
    parser.add_argument(
        "--ack-wait",
        type=float,
        default=submission_feed.DEFAULT_ACK_WAIT,
        help="seconds before a message a worker took and did not acknowledge goes to another "
        "(set when the first worker creates the shared consumer)",
    )
    parser.set_defaults(run=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    messaging = messaging_from_args(args, nats=args.nats)
    with client_from_args(args, max_size=2) as client:
        worker: import_worker.Worker
        if messaging.nats_url is not None and not args.drain:
            worker = NatsWorker(
                client,
                messaging.nats_url,
                batch_size=args.batch_size,
                poll_seconds=args.poll,
                ack_wait=args.ack_wait,
            )
        else:
            worker = import_worker.Worker(client, batch_size=args.batch_size, poll_seconds=args.poll)
        try:
            import_worker.run_worker(worker, args.drain)
        finally:
            worker.close()
    return 0
