"""``acoustid-pg worker``: import pending submissions until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from .. import worker as import_worker
from . import client_from_args, connection_options


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
    parser.set_defaults(run=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with client_from_args(args, max_size=2) as client:
        worker = import_worker.Worker(client, batch_size=args.batch_size, poll_seconds=args.poll)
        try:
            import_worker.run_worker(worker, args.drain)
        finally:
            worker.close()
    return 0
