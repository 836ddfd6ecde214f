"""Resumable backfills with their state in Redis (real redis-server, real nats-server): the
fingerprint-data and fpindex backfills complete, resume where they stopped without redoing what
they committed, and refuse to run twice at once."""

from __future__ import annotations

import pytest
import redis

from acoustid_pg.api import AcoustID
from acoustid_pg.backfill import Backfill, BackfillRunning, key, read_state
from acoustid_pg.backfill_jobs import CHANGELOG_CURSOR, FingerprintDataJob, FpindexJob
from acoustid_pg.changelog import SearchTerms
from acoustid_pg.fpindex import STREAM, read_search_terms
from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.nats_server import NatsServer
from tests.support.management import Deployment, scalar
from tests.support.reliability import stored_rows

ROWS = 40


def fingerprint_data(deployment: Deployment) -> list[tuple[object, ...]]:
    return deployment.fp.execute(
        "SELECT fingerprint_id, fingerprint, simhash::text FROM fingerprint_data ORDER BY 1"
    ).fetchall()


def search_terms(deployment: Deployment) -> dict[int, SearchTerms]:
    rows = deployment.fp.execute("SELECT id, acoustid_extract_query(fingerprint) FROM fingerprint").fetchall()
    return {fingerprint_id: tuple(terms) for fingerprint_id, terms in rows}


@pytest.fixture
def without_data(deployment: Deployment, client: AcoustID) -> list[tuple[object, ...]]:
    """ROWS fingerprints whose fingerprint_data was lost; what the trigger had written for them."""
    client.bulk_load(stored_rows(ROWS))
    expected = fingerprint_data(deployment)
    assert len(expected) == ROWS
    deployment.fp.execute("DELETE FROM fingerprint_data")
    return expected


def test_fingerprint_data_is_filled_again_and_the_state_kept_in_redis(
    deployment: Deployment,
    client: AcoustID,
    redis_client: redis.Redis,
    without_data: list[tuple[object, ...]],
) -> None:
    seen: list[tuple[int, int]] = []
    report = Backfill(FingerprintDataJob(client.pools), redis_client).run(
        batch_size=7, progress=lambda done, total: seen.append((done, total))
    )
    assert fingerprint_data(deployment) == without_data
    assert report.completed and report.rows == ROWS and report.batches == 6
    last = scalar(deployment.fp, "SELECT max(id) FROM fingerprint")
    assert redis_client.get(key("fingerprint-data", "last_id")) == str(last).encode()
    assert redis_client.get(key("fingerprint-data", "batch_size")) == b"7"
    assert redis_client.get(key("fingerprint-data", "completed")) == b"1"
    assert seen[0] == (0, ROWS) and seen[-1] == (ROWS, ROWS)
    # Completed: a second run does nothing; --restart walks again and finds nothing missing.
    again = Backfill(FingerprintDataJob(client.pools), redis_client).run()
    assert again.completed and again.rows == 0 and again.batches == 0
    restarted = Backfill(FingerprintDataJob(client.pools), redis_client).run(restart=True)
    assert restarted.completed and restarted.rows == 0 and restarted.batches == 6  # the kept batch size


def test_a_stopped_backfill_resumes_after_its_last_committed_batch(
    deployment: Deployment,
    client: AcoustID,
    redis_client: redis.Redis,
    without_data: list[tuple[object, ...]],
) -> None:
    runner = Backfill(FingerprintDataJob(client.pools), redis_client)

    def stop_after_three_batches(done: int, total: int) -> None:
        if done >= 15:
            runner.stop()

    first = runner.run(batch_size=5, progress=stop_after_three_batches)
    assert not first.completed and first.rows == 15
    state = read_state(redis_client, "fingerprint-data")
    assert not state.completed and state.batch_size == 5
    assert state.last_id == scalar(deployment.fp, "SELECT max(fingerprint_id) FROM fingerprint_data")
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint_data") == 15

    second = Backfill(FingerprintDataJob(client.pools), redis_client).run()
    assert second.completed and second.rows == ROWS - 15  # nothing written twice
    assert fingerprint_data(deployment) == without_data


def test_two_runs_of_one_backfill_refuse_to_overlap(
    client: AcoustID, redis_client: redis.Redis, without_data: list[tuple[object, ...]]
) -> None:
    refused: list[str] = []

    def start_another(done: int, total: int) -> None:
        if done == 0:
            with pytest.raises(BackfillRunning) as error:
                Backfill(FingerprintDataJob(client.pools), redis_client).run()
            refused.append(str(error.value))

    assert (
        Backfill(FingerprintDataJob(client.pools), redis_client)
        .run(batch_size=10, progress=start_another)
        .completed
    )
    assert len(refused) == 1 and "already running" in refused[0]
    assert redis_client.get(key("fingerprint-data", "lock")) is None  # released at the end
    assert Backfill(FingerprintDataJob(client.pools), redis_client).run(restart=True).completed


def test_the_fpindex_backfill_fills_a_new_stream_with_every_fingerprint(
    deployment: Deployment, client: AcoustID, redis_client: redis.Redis, nats_server: NatsServer
) -> None:
    client.bulk_load(stored_rows(25))
    head = scalar(deployment.fp, "SELECT max(id) FROM fingerprint_changelog")
    with JetStream.connect(nats_server.url) as js:
        job = FpindexJob(client.pools, js, redis_client)
        report = Backfill(job, redis_client).run(batch_size=10)
        assert report.completed and report.rows == 25 and job.published == 25
        assert read_search_terms(js) == search_terms(deployment)
        state = js.stream_state(STREAM)
        assert state["config"]["max_msgs_per_subject"] == 1
        assert state["state"]["last_seq"] == 25
        assert redis_client.get(CHANGELOG_CURSOR) == str(head).encode()
        # Run again from the start: every subject holds a message, nothing is published twice.
        rerun_job = FpindexJob(client.pools, js, redis_client)
        rerun = Backfill(rerun_job, redis_client).run(restart=True)
        assert rerun.completed and rerun_job.published == 0 and rerun_job.skipped == 25
        assert js.stream_state(STREAM)["state"]["last_seq"] == 25
