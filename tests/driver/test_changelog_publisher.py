"""The changelog publisher onto the fpindex stream (real nats-server and redis-server): every
change published in order per fingerprint, the consumer example's terms equal the database's,
the cursor kept in Redis so a restart neither skips nor repeats, and a pruned gap reported."""

from __future__ import annotations

import pytest
import redis

from acoustid_pg.api import AcoustID
from acoustid_pg.changelog import SearchTerms
from acoustid_pg.changelog_publisher import CURSOR_KEY, ChangelogPublisher
from acoustid_pg.errors import ChangelogGap
from acoustid_pg.fpindex import STREAM, SUBJECT_PREFIX, FingerprintMessage, read_search_terms
from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.nats_server import NatsServer
from tests.support.management import Deployment, scalar
from tests.support.reliability import recording, stored_rows


@pytest.fixture
def fresh(deployment: Deployment) -> Deployment:
    deployment.fp.execute("SELECT setval('fingerprint_changelog_pruned_through', 0)")
    return deployment


@pytest.fixture
def js(nats_server: NatsServer) -> JetStream:
    connection = JetStream.connect(nats_server.url)
    yield connection  # type: ignore[misc]
    connection.close()


def truth(deployment: Deployment) -> dict[int, SearchTerms]:
    rows = deployment.fp.execute("SELECT id, acoustid_extract_query(fingerprint) FROM fingerprint").fetchall()
    return {fingerprint_id: tuple(terms) for fingerprint_id, terms in rows}


def changelog(deployment: Deployment) -> list[tuple[int, int]]:
    return deployment.fp.execute(
        "SELECT id, fingerprint_id FROM fingerprint_changelog ORDER BY id"
    ).fetchall()


def make_changes(client: AcoustID, deployment: Deployment, round: int) -> None:
    """Inserts, an update of items (twice, so one fingerprint changes more than once), a merge
    and deletes."""
    client.bulk_load(stored_rows(6) if round == 0 else stored_rows(9)[6:])
    ids = [r[0] for r in deployment.fp.execute("SELECT id FROM fingerprint ORDER BY id").fetchall()]
    for n in (1, 2):
        deployment.fp.execute(
            "UPDATE fingerprint SET fingerprint = %s WHERE id = %s", [recording(700 + 10 * round + n), ids[0]]
        )
    newest = "SELECT DISTINCT track_id FROM fingerprint ORDER BY track_id DESC LIMIT 2"
    source, target = [r[0] for r in deployment.fp.execute(newest).fetchall()]
    client.tracks.merge(target, [source])
    deployment.fp.execute("DELETE FROM fingerprint WHERE id = %s", [ids[-1]])


def audit_stream(js: JetStream) -> None:
    """The stream made beforehand keeping every message (the publisher keeps an existing stream's
    config), so a test can see each one; the default keeps one per subject."""
    js.ensure_stream(STREAM, [f"{SUBJECT_PREFIX}.*"], max_msgs_per_subject=-1)


def published(js: JetStream) -> list[FingerprintMessage]:
    return [FingerprintMessage.decode(m.data) for m in js.all_messages(STREAM, f"{SUBJECT_PREFIX}.*")]


def assert_in_order_per_fingerprint(messages: list[FingerprintMessage], log: list[tuple[int, int]]) -> None:
    """Every entry at least once; each fingerprint's messages in changelog order (repeats of an
    entry may follow it, never an older entry after a newer one)."""
    assert {m.change_id for m in messages} == {change_id for change_id, _ in log}
    newest: dict[int, int] = {}
    for message in messages:
        assert message.change_id >= newest.get(message.fingerprint_id, 0), message
        newest[message.fingerprint_id] = message.change_id
    owner = dict(log)
    assert all(owner[m.change_id] == m.fingerprint_id for m in messages)


def test_every_change_is_published_in_order_and_the_stream_matches_the_database(
    fresh: Deployment, client: AcoustID, redis_client: redis.Redis, js: JetStream
) -> None:
    audit_stream(js)
    publisher = ChangelogPublisher(client.pools, js, redis_client, batch_size=4)
    make_changes(client, fresh, 0)
    while publisher.publish_batch().published:
        pass
    make_changes(client, fresh, 1)
    while publisher.publish_batch().published:
        pass
    log = changelog(fresh)
    messages = published(js)
    assert len(messages) == len(log)  # each once: nothing failed, nothing repeated
    assert_in_order_per_fingerprint(messages, log)
    assert {m.op for m in messages} == {"insert", "update", "delete"}
    assert read_search_terms(js) == truth(fresh)
    assert redis_client.get(CURSOR_KEY) == str(log[-1][0]).encode()
    simhashes = dict(fresh.fp.execute("SELECT id, acoustid_simhash(fingerprint) FROM fingerprint").fetchall())
    last = {m.fingerprint_id: m for m in messages}
    assert all(last[fp_id].simhash == simhash for fp_id, simhash in simhashes.items())
    assert all(m.simhash is None for m in messages if m.op == "delete")


def test_the_default_stream_keeps_one_message_per_fingerprint(
    fresh: Deployment, client: AcoustID, redis_client: redis.Redis, js: JetStream
) -> None:
    make_changes(client, fresh, 0)
    publisher = ChangelogPublisher(client.pools, js, redis_client)
    assert publisher.publish_batch().published == len(changelog(fresh))
    state = js.stream_state(STREAM)
    assert state["config"]["max_msgs_per_subject"] == 1
    assert state["state"]["messages"] == len({fp_id for _, fp_id in changelog(fresh)})
    assert read_search_terms(js) == truth(fresh)


def test_a_publisher_stopped_before_writing_its_cursor_repeats_nothing_on_restart(
    fresh: Deployment, client: AcoustID, redis_client: redis.Redis, js: JetStream
) -> None:
    audit_stream(js)
    make_changes(client, fresh, 0)

    class Crash(Exception):
        pass

    def crash(cursor: int) -> None:
        raise Crash

    first = ChangelogPublisher(client.pools, js, redis_client, batch_size=5, before_cursor_write=crash)
    with pytest.raises(Crash):
        first.publish_batch()
    assert redis_client.get(CURSOR_KEY) is None and len(published(js)) > 0  # published, cursor not kept
    second = ChangelogPublisher(client.pools, js, redis_client, batch_size=5)
    while second.publish_batch().published:
        pass
    log = changelog(fresh)
    messages = published(js)
    assert len(messages) == len(log)  # the stream dropped the repeats by message id
    assert_in_order_per_fingerprint(messages, log)


def test_a_pruned_gap_is_reported_not_skipped(
    fresh: Deployment, client: AcoustID, redis_client: redis.Redis, js: JetStream
) -> None:
    make_changes(client, fresh, 0)
    publisher = ChangelogPublisher(client.pools, js, redis_client, batch_size=3)
    publisher.publish_batch()
    cursor = publisher.cursor()
    newest = scalar(fresh.fp, "SELECT max(id) FROM fingerprint_changelog")
    client.changelog.prune(through=cursor + 2)
    with pytest.raises(ChangelogGap) as gap:
        publisher.publish_batch()
    assert (gap.value.cursor, gap.value.pruned_through) == (cursor, cursor + 2)
    with pytest.raises(ChangelogGap):
        publisher.run(poll_seconds=0.01)
    assert publisher.cursor() == cursor < newest  # nothing skipped past the gap
