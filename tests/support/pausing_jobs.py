"""Test-only backfill and changelog publisher that freeze at a named point, so a test can SIGKILL them there.

    python -m tests.support.pausing_jobs backfill NAME --pause-at POINT --after N --redis URL [...]
    python -m tests.support.pausing_jobs publisher --after N --redis URL --nats URL [...]

Backfill points: ``in-transaction`` (fingerprint-data: a batch written, not committed),
``committed`` (a batch committed or published, its last_id not yet in Redis), ``recorded`` (its
last_id written, the next batch not begun). The publisher pauses at its Nth cursor write: the
window published and acknowledged, the cursor not yet in Redis. Each prints ``PAUSED`` and
sleeps until killed (or, never reaching the point, prints ``DONE``).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from acoustid_pg import backfill_jobs
from acoustid_pg.api import AcoustID
from acoustid_pg.backfill import Backfill, BackfillJob
from acoustid_pg.changelog_publisher import ChangelogPublisher
from acoustid_pg.commands import connection_options, settings_from_args
from acoustid_pg.nats_bridge import JetStream


class Freeze:
    def __init__(self, after: int) -> None:
        self.after = after
        self.reached = 0

    def __call__(self, *args: Any) -> None:
        self.reached += 1
        if self.reached == self.after:
            print("PAUSED", flush=True)
            time.sleep(3600)


class PausingJob:
    """A backfill job whose batches freeze at ``point`` the ``after``-th time."""

    def __init__(self, job: BackfillJob, point: str, freeze: Freeze) -> None:
        self.job = job
        self.name = job.name
        self.point = point
        self.freeze = freeze
        self.batches = 0

    def remaining(self, after: int) -> int:
        return self.job.remaining(after)

    def run_batch(self, after: int, limit: int) -> tuple[int, int] | None:
        if self.point == "recorded" and self.batches > 0:
            self.freeze()
        self.batches += 1
        if self.point == "in-transaction":
            assert isinstance(self.job, backfill_jobs.FingerprintDataJob)
            with self.job._pools.connection("fingerprint", "backfill") as conn, conn.transaction():
                row = conn.execute(backfill_jobs._FILL_DATA, [after, limit]).fetchone()
                assert row is not None
                self.freeze()
            return None if row[0] is None else (int(row[0]), int(row[1]))
        done = self.job.run_batch(after, limit)
        if self.point == "committed" and done is not None:
            self.freeze()
        return done


def main() -> None:
    parser = argparse.ArgumentParser(parents=[connection_options()])
    parser.add_argument("what", choices=["backfill", "publisher"])
    parser.add_argument("name", nargs="?", choices=backfill_jobs.NAMES)
    parser.add_argument("--pause-at", choices=["in-transaction", "committed", "recorded"])
    parser.add_argument("--after", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--nats")
    args = parser.parse_args()
    freeze = Freeze(args.after)
    client = backfill_jobs.redis_client(args.redis)
    js = JetStream.connect(args.nats) if args.nats else None
    with AcoustID(settings_from_args(args), max_size=2) as db:
        if args.what == "publisher":
            assert js is not None
            publisher = ChangelogPublisher(
                db.pools, js, client, batch_size=args.batch_size, before_cursor_write=freeze
            )
            while publisher.publish_batch().published:
                pass
        else:
            job: BackfillJob
            if args.name == "fpindex":
                assert js is not None
                job = backfill_jobs.FpindexJob(db.pools, js, client)
            else:
                job = backfill_jobs.FingerprintDataJob(db.pools)
            Backfill(PausingJob(job, args.pause_at, freeze), client).run(batch_size=args.batch_size)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
