"""Import throughput: one worker importing submissions into the 100,000-fingerprint database.

Half of the submissions are noisy copies of stored tracks (they join them), half are new
recordings (a new track each); each carries an MBID and metadata. Submitting is timed on
its own (submit_many, one transaction per 500).
"""

from __future__ import annotations

import random
import time
import uuid

from acoustid_pg.cluster import Cluster
from acoustid_pg.submission import Submission
from acoustid_pg.worker import Worker

from . import data, library
from .report import print_table

SUBMISSIONS = 4000
SUBMIT_BATCH = 500


def submissions(size: int, account: int, application: int, seed: int = 11) -> list[Submission]:
    rng = random.Random(seed)
    walks = library.walks()
    made = []
    for n in range(SUBMISSIONS):
        track = walks.track(rng.randrange(size) if n % 2 == 0 else 2 * size + n)
        items = data.noisy_query(rng, list(track.items)) if n % 2 == 0 else list(track.items)
        made.append(
            Submission.create(
                items, track.duration + rng.randint(-2, 2), mbids=[uuid.UUID(int=rng.getrandbits(128))],
                meta={"track": f"title {n}", "artist": f"artist {n % 97}"},
                account_id=account, application_id=application, format="mp3", bitrate=192,
            )
        )  # fmt: skip
    return made


def main(cluster: Cluster) -> None:
    run(cluster, 100_000)


def run(cluster: Cluster, size: int) -> None:
    lib = library.build(cluster, size)
    with lib.connect("app") as app:
        account = app.execute(
            "INSERT INTO account (name, apikey_hash)"
            " VALUES ('bench', sha256(random()::text::bytea)) RETURNING id"
        )
        account_id = account.fetchone()[0]  # type: ignore[index]
        application = app.execute(
            "INSERT INTO application (name, apikey_hash)"
            " VALUES ('bench', sha256(random()::text::bytea)) RETURNING id"
        )
        application_id = application.fetchone()[0]  # type: ignore[index]
    made = submissions(lib.size, account_id, application_id)
    with lib.client(min_size=2, max_size=4) as client:
        started = time.perf_counter()
        for first in range(0, len(made), SUBMIT_BATCH):
            client.submit_many(made[first : first + SUBMIT_BATCH])
        submitted = time.perf_counter() - started
        worker = Worker(client, batch_size=100)
        started = time.perf_counter()
        worker.drain()
        imported = time.perf_counter() - started
        worker.close()
    with lib.connect("ingest") as ingest:
        actions = ingest.execute(
            "SELECT count(*) FILTER (WHERE skip_reason IS NULL), count(*) FROM submission_result"
        ).fetchone()
    done = actions[0] if actions else 0
    rows = [
        ["submit (validated, queued, NOTIFY)", f"{len(made) / submitted:,.0f} submissions/s",
         f"{submitted:.1f} s"],
        ["import, one worker, batches of 100", f"{worker.imported / imported:,.0f} submissions/s",
         f"{imported:.1f} s for {worker.imported:,} ({done:,} imported, the rest skipped)"],
    ]  # fmt: skip
    print_table(
        f"Import into {lib.size:,} fingerprints: {SUBMISSIONS:,} submissions (half join a track)",
        ["figure", "value", "detail"],
        rows,
    )
