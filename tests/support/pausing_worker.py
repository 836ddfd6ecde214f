"""A test-only worker that freezes at a named point of an import, so a test can SIGKILL it there.

    python -m tests.support.pausing_worker --pause-at imported --after 3 [connection options]

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
from acoustid_pg.worker import Worker

POINTS = ("claimed", "import-uncommitted", "imported", "recorded")


class Pauser:
    """The import steps, wrapped to freeze at ``pause_at`` the ``after``-th time it is reached."""

    def __init__(self, pause_at: str, after: int) -> None:
        self.pause_at = pause_at
        self.after = after
        self.reached = 0

    def steps(self) -> ImportSteps:
        return ImportSteps(claim=self.claim, import_one=self.import_one, record=self.record)

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


def main() -> None:
    parser = argparse.ArgumentParser(parents=[connection_options()])
    parser.add_argument("--pause-at", choices=POINTS, required=True)
    parser.add_argument("--after", type=int, default=1, help="pause the Nth time the point is reached")
    parser.add_argument("--batch-size", type=int, default=5)
    args = parser.parse_args()
    pauser = Pauser(args.pause_at, args.after)
    with AcoustID(settings_from_args(args), max_size=2, import_steps=pauser.steps()) as client:
        Worker(client, batch_size=args.batch_size).drain()
    print("DRAINED", flush=True)


if __name__ == "__main__":
    main()
