"""The message layer's processes killed at several points, with real servers: a backfill
(fingerprint-data, fpindex), the changelog publisher, redis-server and nats-server. Each ends
with the backfill complete and without gap or repeat, and every changelog entry published at
least once and in order per fingerprint."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from acoustid_pg.backfill import key, read_state
from acoustid_pg.backfill_jobs import redis_client
from acoustid_pg.changelog import SearchTerms
from acoustid_pg.changelog_publisher import CURSOR_KEY
from acoustid_pg.fpindex import STREAM, SUBJECT_PREFIX, FingerprintMessage, read_search_terms
from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.nats_server import NatsServer
from acoustid_pg.redis_server import RedisServer
from tests.support.driver import REPO, worker_command
from tests.support.management import Deployment, scalar
from tests.support.messaging import wait_for
from tests.support.reliability import recording, stored_rows

ROWS = 60


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, to kill (it keeps nothing on disk: a kill loses all)."""
    server = RedisServer(base_dir=tmp_path / "redis", persistent=False).start()
    yield server
    server.stop()


def kill_redis(server: RedisServer) -> None:
    pid = int((server.base_dir / "redis.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not server.running(), 10, "redis-server to die")


@pytest.fixture
def fresh(deployment: Deployment) -> Deployment:
    deployment.fp.execute("SELECT setval('fingerprint_changelog_pruned_through', 0)")
    return deployment


def truth(deployment: Deployment) -> dict[int, SearchTerms]:
    rows = deployment.fp.execute("SELECT id, acoustid_extract_query(fingerprint) FROM fingerprint").fetchall()
    return {fingerprint_id: tuple(terms) for fingerprint_id, terms in rows}


def fingerprint_data(deployment: Deployment) -> list[tuple[object, ...]]:
    return deployment.fp.execute(
        "SELECT fingerprint_id, fingerprint, simhash::text FROM fingerprint_data ORDER BY 1"
    ).fetchall()


def data_lost(deployment: Deployment, rows: int = ROWS) -> list[tuple[object, ...]]:
    deployment.client.bulk_load(stored_rows(rows))
    expected = fingerprint_data(deployment)
    deployment.fp.execute("DELETE FROM fingerprint_data")
    return expected


def pause(deployment: Deployment, *args: str) -> subprocess.Popen[str]:
    command = worker_command(deployment, "-m", "tests.support.pausing_jobs", *args)
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if line != "PAUSED":
        process.kill()
        raise AssertionError(f"did not pause: {line!r} {process.communicate()[1]}")
    return process


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)


def acoustid_pg(deployment: Deployment, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = worker_command(deployment, "-m", "acoustid_pg", *args)
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def backfilled_rows(output: str) -> int:
    found = re.search(r"completed: ([\d,]+) rows", output)
    assert found is not None, output
    return int(found.group(1).replace(",", ""))


# --- backfills ---


@pytest.mark.parametrize(
    ("point", "after"),
    [("in-transaction", 1), ("in-transaction", 3), ("committed", 1), ("committed", 4), ("recorded", 2)],
)
def test_a_killed_fingerprint_data_backfill_resumes_without_gap_or_repeat(
    fresh: Deployment, own_redis: RedisServer, point: str, after: int
) -> None:
    expected = data_lost(fresh)
    paused = pause(fresh, "backfill", "fingerprint-data", "--pause-at", point, "--after", str(after),
                   "--batch-size", "7", "--redis", own_redis.url)  # fmt: skip
    kill(paused)
    kept = scalar(fresh.fp, "SELECT count(*) FROM fingerprint_data")
    committed = {"in-transaction": after - 1, "committed": after, "recorded": after}[point]
    assert kept == 7 * committed

    result = acoustid_pg(fresh, "backfill", "fingerprint-data", "--redis", own_redis.url)
    assert result.returncode == 0, result.stderr
    assert backfilled_rows(result.stdout) == ROWS - kept  # nothing written twice
    assert fingerprint_data(fresh) == expected  # no gap
    state = read_state(redis_client(own_redis.url), "fingerprint-data")
    assert state.completed and state.batch_size == 7
    assert state.last_id == scalar(fresh.fp, "SELECT max(id) FROM fingerprint")
    assert "rows/s" in result.stderr and "ETA" in result.stderr  # the progress bar


@pytest.mark.parametrize(("point", "after"), [("committed", 1), ("committed", 3), ("recorded", 2)])
def test_a_killed_fpindex_backfill_resumes_without_gap_or_repeat(
    fresh: Deployment, own_redis: RedisServer, nats_server: NatsServer, point: str, after: int
) -> None:
    fresh.client.bulk_load(stored_rows(ROWS))
    paused = pause(fresh, "backfill", "fpindex", "--pause-at", point, "--after", str(after),
                   "--batch-size", "9", "--redis", own_redis.url, "--nats", nats_server.url)  # fmt: skip
    kill(paused)
    result = acoustid_pg(fresh, "backfill", "fpindex", "--redis", own_redis.url, "--nats", nats_server.url)
    assert result.returncode == 0, result.stderr
    with JetStream.connect(nats_server.url) as js:
        assert js.stream_state(STREAM)["state"]["last_seq"] == ROWS  # each fingerprint published once
        assert read_search_terms(js) == truth(fresh)
    assert read_state(redis_client(own_redis.url), "fpindex").completed


def test_a_second_backfill_of_the_same_name_refuses(fresh: Deployment, own_redis: RedisServer) -> None:
    data_lost(fresh)
    paused = pause(fresh, "backfill", "fingerprint-data", "--pause-at", "committed", "--after", "1",
                   "--redis", own_redis.url)  # fmt: skip
    try:
        result = acoustid_pg(fresh, "backfill", "fingerprint-data", "--redis", own_redis.url)
    finally:
        kill(paused)
    assert result.returncode == 1 and "already running" in result.stderr


def test_redis_killed_under_a_running_backfill_stops_it_and_a_rerun_completes(
    fresh: Deployment, own_redis: RedisServer
) -> None:
    expected = data_lost(fresh, 1500)
    command = worker_command(fresh, "-m", "acoustid_pg", "backfill", "fingerprint-data", "--batch-size", "1",
                             "--redis", own_redis.url)  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    client = redis_client(own_redis.url)
    wait_for(
        lambda: int(client.get(key("fingerprint-data", "last_id")) or 0) > 20, what="the backfill under way"
    )
    kill_redis(own_redis)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 1 and "Redis" in errors, errors
    own_redis.start()  # empty: the position is lost, the batches it redoes write nothing
    result = acoustid_pg(
        fresh, "backfill", "fingerprint-data", "--redis", own_redis.url, "--batch-size", "100"
    )
    assert result.returncode == 0, result.stderr
    assert fingerprint_data(fresh) == expected


# --- the changelog publisher ---


def audit_stream(url: str) -> None:
    """Made beforehand keeping every message, so the test sees each one (see test_changelog_publisher)."""
    with JetStream.connect(url) as js:
        js.ensure_stream(STREAM, [f"{SUBJECT_PREFIX}.*"], max_msgs_per_subject=-1)


def changelog(deployment: Deployment) -> list[tuple[int, int]]:
    return deployment.fp.execute(
        "SELECT id, fingerprint_id FROM fingerprint_changelog ORDER BY id"
    ).fetchall()


def assert_published_in_order(deployment: Deployment, url: str) -> list[FingerprintMessage]:
    log = changelog(deployment)
    with JetStream.connect(url) as js:
        messages = [FingerprintMessage.decode(m.data) for m in js.all_messages(STREAM, f"{SUBJECT_PREFIX}.*")]
        assert read_search_terms(js) == truth(deployment)
    assert {m.change_id for m in messages} == {change_id for change_id, _ in log}  # each at least once
    newest: dict[int, int] = {}
    for message in messages:
        assert message.change_id >= newest.get(message.fingerprint_id, 0), message
        newest[message.fingerprint_id] = message.change_id
    return messages


def churn(deployment: Deployment, rounds: int) -> None:
    """Inserts, and updates of the same fingerprints again and again."""
    for round in range(rounds):
        deployment.client.bulk_load(stored_rows(5 * (round + 1))[5 * round :])
        ids = [
            r[0] for r in deployment.fp.execute("SELECT id FROM fingerprint ORDER BY id LIMIT 3").fetchall()
        ]
        for n, fp_id in enumerate(ids):
            deployment.fp.execute(
                "UPDATE fingerprint SET fingerprint = %s WHERE id = %s",
                [recording(500 + 10 * round + n), fp_id],
            )


@pytest.mark.parametrize("after", [1, 3, 6])
def test_a_publisher_killed_after_publishing_and_before_its_cursor_loses_and_repeats_nothing(
    fresh: Deployment, own_redis: RedisServer, nats_server: NatsServer, after: int
) -> None:
    audit_stream(nats_server.url)
    churn(fresh, 4)
    paused = pause(fresh, "publisher", "--after", str(after), "--batch-size", "4",
                   "--redis", own_redis.url, "--nats", nats_server.url)  # fmt: skip
    kill(paused)
    result = acoustid_pg(
        fresh, "publish-changes", "--once", "--redis", own_redis.url, "--nats", nats_server.url
    )
    assert result.returncode == 0, result.stderr
    messages = assert_published_in_order(fresh, nats_server.url)
    assert len(messages) == len(changelog(fresh))  # repeats dropped by message id
    assert redis_client(own_redis.url).get(CURSOR_KEY) == str(changelog(fresh)[-1][0]).encode()


def test_a_running_publisher_survives_nats_and_redis_restarts_and_sigkill(
    fresh: Deployment, own_redis: RedisServer, nats_server: NatsServer
) -> None:
    audit_stream(nats_server.url)
    command = worker_command(fresh, "-m", "acoustid_pg", "publish-changes", "--poll", "0.05", "--batch-size",
                             "3", "--redis", own_redis.url, "--nats", nats_server.url)  # fmt: skip

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)

    client = redis_client(own_redis.url)

    def caught_up() -> bool:
        try:
            return int(client.get(CURSOR_KEY) or 0) == changelog(fresh)[-1][0]
        except redis.RedisError:
            return False

    publisher = start()
    try:
        churn(fresh, 2)
        wait_for(caught_up, what="the publisher")
        # nats-server killed while changes keep coming, then back.
        nats_server.kill()
        churn_thread = threading.Thread(target=churn, args=(fresh, 2))
        churn_thread.start()
        time.sleep(0.5)
        nats_server.start()
        churn_thread.join()
        wait_for(caught_up, what="the publisher after the NATS restart")
        # redis-server killed (the cursor is lost: the publisher starts over, at least once).
        kill_redis(own_redis)
        churn(fresh, 1)
        time.sleep(0.3)
        own_redis.start()
        wait_for(caught_up, what="the publisher after the Redis restart")
        # The publisher itself SIGKILLed and started again.
        kill(publisher)
        churn(fresh, 1)
        publisher = start()
        wait_for(caught_up, what="the restarted publisher")
    finally:
        publisher.send_signal(signal.SIGTERM)
        _, errors = publisher.communicate(timeout=30)
    assert publisher.returncode in (0, -signal.SIGKILL), errors
    assert_published_in_order(fresh, nats_server.url)
