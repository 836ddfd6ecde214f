"""A test-only worker that freezes at a named point of an import, so a test can SIGKILL it there.

    python -m tests.support.pausing_worker --pause-at imported --after 3 [connection options]

With ``--nats URL`` it is a NatsWorker consuming the submissions stream, and one more point
is there: ``committed`` (a batch's import committed, its messages not yet acknowledged).

Points: ``claimed`` (batch claimed, nothing imported), ``import-uncommitted`` (a submission
imported but its fingerprint transaction not committed), ``imported`` (committed in the
fingerprint database, not yet recorded in ingest), ``recorded`` (results written in the
still-open ingest transaction). It prints ``PAUSED <point>`` and sleeps until killed.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import psycopg

from acoustid_pg import ingest as ingest_steps
from acoustid_pg.api import AcoustID
from acoustid_pg.commands import connection_options, settings_from_args
from acoustid_pg.ingest import Imported, ImportSteps
from acoustid_pg.nats_bridge import Delivery
from acoustid_pg.nats_worker import NatsWorker
from acoustid_pg.worker import Worker

POINTS = ("claimed", "import-uncommitted", "imported", "recorded", "committed")


class Pauser:
    """The import steps, wrapped to freeze at ``pause_at`` the ``after``-th time it is reached."""

    def __init__(self, pause_at: str, after: int) -> None:
        self.pause_at = pause_at
        self.after = after
        self.reached = 0

    def steps(self) -> ImportSteps:
        return ImportSteps(
            claim=self.claim, import_one=self.import_one, record=self.record, claim_ids=self.claim_ids
        )

    def pause(self, point: str) -> None:
        self._pause(point)

    def _pause(self, point: str) -> None:
        if point != self.pause_at:
            return
        self.reached += 1
        if self.reached == self.after:
            print(f"PAUSED {point}", flush=True)
            time.sleep(3600)

    def claim(self, ingest: psycopg.Connection[Any], limit: int) -> list[tuple[Any, ...]]:
        claimed = ingest_steps.claim_submissions(ingest, limit)
        if claimed:
            self._pause("claimed")
        return claimed

    def claim_ids(self, ingest: psycopg.Connection[Any], ids: list[int]) -> list[tuple[Any, ...]]:
        claimed = ingest_steps.claim_submissions_by_id(ingest, ids)
        if claimed:
            self._pause("claimed")
        return claimed

    def import_one(self, conn: psycopg.Connection[Any], row: tuple[Any, ...]) -> Imported:
        if self.pause_at != "import-uncommitted":
            imported = ingest_steps.import_one(conn, row)
            self._pause("imported")
            return imported
        with conn.transaction():  # the import's statement runs, its commit waits for us
            imported = ingest_steps.import_one(conn, row)
            self._pause("import-uncommitted")
        return imported

    def record(self, ingest: psycopg.Connection[Any], imported: list[Imported]) -> None:
        ingest_steps.record_results(ingest, imported)
        self._pause("recorded")


class PausingNatsWorker(NatsWorker):
    """Pauses at ``committed``: after the imports of a fetch committed, before their acks."""

    def __init__(self, pauser: Pauser, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self.pauser = pauser

    def acknowledge(self, named: list[tuple[Delivery, list[int]]], busy: set[int]) -> None:
        self.pauser.pause("committed")
        super().acknowledge(named, busy)


def main() -> None:
    parser = argparse.ArgumentParser(parents=[connection_options()])
    parser.add_argument("--pause-at", choices=POINTS, required=True)
    parser.add_argument("--after", type=int, default=1, help="pause the Nth time the point is reached")
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--nats", metavar="URL", help="consume the submissions stream (runs until killed)")
    parser.add_argument("--ack-wait", type=float, default=30.0)
    args = parser.parse_args()
    pauser = Pauser(args.pause_at, args.after)
    with AcoustID(settings_from_args(args), max_size=2, import_steps=pauser.steps()) as client:
        if args.nats:
            print("STARTED", flush=True)
            worker = PausingNatsWorker(
                pauser,
                client,
                args.nats,
                batch_size=args.batch_size,
                poll_seconds=3600,
                ack_wait=args.ack_wait,
            )
            worker.run()
            return
        Worker(client, batch_size=args.batch_size).drain()
    print("DRAINED", flush=True)


if __name__ == "__main__":
    main()
