"""The changelog consumer API: an external copy of the search terms (fingerprint id -> query
terms) built from a snapshot stays equal to the database through inserts, updates, deletes and
merges, also while imports run; a consumer behind a pruned range gets ChangelogGap."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import psycopg
import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.changelog import ChangelogState, SearchTerms
from acoustid_pg.errors import ChangelogGap, InvalidArgumentError
from tests.support.driver import Submitter, new_submitter
from tests.support.management import Deployment, scalar
from tests.support.reliability import queue, recording, stored_rows


@pytest.fixture
def fresh(deployment: Deployment) -> Deployment:
    """The shared deployment, emptied, with nothing pruned (reset leaves free-standing sequences)."""
    deployment.fp.execute("SELECT setval('fingerprint_changelog_pruned_through', 0)")
    return deployment


def truth(deployment: Deployment) -> dict[int, SearchTerms]:
    rows = deployment.fp.execute("SELECT id, acoustid_extract_query(fingerprint) FROM fingerprint").fetchall()
    return {fingerprint_id: tuple(terms) for fingerprint_id, terms in rows}


def snapshot_copy(client: AcoustID) -> tuple[dict[int, SearchTerms], int]:
    with client.changelog.snapshot(batch_size=7) as snapshot:
        copy = dict(snapshot.terms())
    return copy, snapshot.cursor


def newest(deployment: Deployment) -> int:
    return int(scalar(deployment.fp, "SELECT coalesce(max(id), 0) FROM fingerprint_changelog"))


def import_recordings(
    client: AcoustID, deployment: Deployment, submitter: Submitter, first: int, n: int
) -> None:
    queue(deployment, submitter, first, n, copies=2)
    while client.process_submissions(10):
        pass


def every_kind_of_change(client: AcoustID, deployment: Deployment, submitter: Submitter, round: int) -> None:
    """Inserts (imports, a bulk load), an update of items, a merge (moving fingerprints), a
    delete, and a track delete (cascading to its fingerprints)."""
    fp = deployment.fp
    import_recordings(client, deployment, submitter, 50 + 10 * round, 4)
    client.bulk_load(stored_rows(3))
    fingerprints = fp.execute("SELECT id, track_id FROM fingerprint ORDER BY id").fetchall()
    (updated, _), (deleted, _), (_, dropped_track), (_, target), (_, merged) = fingerprints[:5]
    fp.execute("UPDATE fingerprint SET fingerprint = %s WHERE id = %s", [recording(900 + round), updated])
    client.tracks.merge(target, [merged])
    fp.execute("DELETE FROM fingerprint WHERE id = %s", [deleted])
    fp.execute("DELETE FROM track WHERE id = %s", [dropped_track])


def test_a_snapshot_copy_stays_in_sync_through_every_kind_of_change(fresh: Deployment) -> None:
    client, submitter = fresh.client, new_submitter(fresh)
    import_recordings(client, fresh, submitter, 1, 5)
    copy, cursor = snapshot_copy(client)
    assert copy == truth(fresh) and len(copy) >= 5
    assert cursor == newest(fresh)

    for round in range(2):
        every_kind_of_change(client, fresh, submitter, round)
        ops = fresh.fp.execute("SELECT DISTINCT op FROM fingerprint_changelog WHERE id > %s", [cursor])
        assert {op for (op,) in ops} == {"insert", "update", "delete"}
        cursor = client.changelog.sync_search_terms(copy, cursor, batch_size=2)
        assert copy == truth(fresh)
        assert cursor == newest(fresh)
    assert client.changelog.changes(cursor) == []

    # Nothing pruned: replaying the whole log from 0 rebuilds the same copy.
    replayed: dict[int, SearchTerms] = {}
    assert client.changelog.sync_search_terms(replayed, 0) == cursor
    assert replayed == copy


def test_a_consumer_behind_a_pruned_range_is_told_so(fresh: Deployment) -> None:
    client, submitter = fresh.client, new_submitter(fresh)
    import_recordings(client, fresh, submitter, 1, 3)
    behind = newest(fresh)
    import_recordings(client, fresh, submitter, 10, 3)
    ahead = newest(fresh)
    assert client.changelog.prune(through=behind + 2) == behind + 2  # ids have no holes here

    with pytest.raises(ChangelogGap) as gap:
        client.changelog.changes(behind)
    assert (gap.value.cursor, gap.value.pruned_through) == (behind, behind + 2)
    with pytest.raises(ChangelogGap):
        client.changelog.sync_search_terms({}, 0)
    assert [c.id for c in client.changelog.changes(behind + 2)] == list(range(behind + 3, ahead + 1))
    state = client.changelog.state()
    assert (state.oldest_id, state.newest_id, state.pruned_through) == (behind + 3, ahead, behind + 2)

    # A new consumer starts from a snapshot and keeps up from there.
    copy, cursor = snapshot_copy(client)
    assert cursor == ahead and copy == truth(fresh)
    every_kind_of_change(client, fresh, submitter, 0)
    client.changelog.sync_search_terms(copy, cursor)
    assert copy == truth(fresh)


def test_pruning_never_passes_the_newest_entry_or_an_old_entry_behind_a_young_one(fresh: Deployment) -> None:
    client, submitter = fresh.client, new_submitter(fresh)
    import_recordings(client, fresh, submitter, 1, 2)
    last = newest(fresh)
    assert client.changelog.prune(through=10**12) == last  # everything, and no further
    assert client.changelog.state() == ChangelogState(None, None, last)
    assert client.changelog.prune(through=10**12) == 0
    import_recordings(client, fresh, submitter, 20, 2)
    assert client.changelog.changes(last)[0].id == last + 1  # later ids are not swallowed

    # older_than prunes the prefix of old entries: an old one after a young one stays.
    ids = [c.id for c in client.changelog.changes(last)]
    fp = fresh.fp
    fp.execute("UPDATE fingerprint_changelog SET created = now() - interval '2 days' WHERE id = ANY(%s)",
               [ids[:2] + ids[3:]])  # fmt: skip
    assert client.changelog.prune(older_than=dt.timedelta(days=1)) == 2
    assert [c.id for c in client.changelog.changes(ids[1])] == ids[2:]
    with pytest.raises(ChangelogGap):
        client.changelog.changes(ids[0])


def test_bad_arguments_and_who_may_prune(fresh: Deployment) -> None:
    client = fresh.client
    for call in (
        lambda: client.changelog.changes(-1),
        lambda: client.changelog.changes(0, limit=0),
        lambda: client.changelog.prune(),
        lambda: client.changelog.prune(through=1, older_than=dt.timedelta(1)),
        lambda: client.changelog.prune(older_than=dt.timedelta(seconds=-1)),
        lambda: client.changelog.prune(through=-5),
    ):
        with pytest.raises(InvalidArgumentError):
            call()
    fp = fresh.fp
    for role in ("acoustid_reader", "acoustid_writer"):
        with fp.transaction(force_rollback=True):
            fp.execute(f"SET LOCAL ROLE {role}")
            assert fp.execute("SELECT last_value FROM fingerprint_changelog_pruned_through").fetchone()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                fp.execute("SELECT acoustid_prune_changelog(1)")


def test_a_consumer_following_concurrent_imports_converges(fresh: Deployment) -> None:
    """Two importers commit while the consumer snapshots and syncs in small batches: a
    consumer that ever skipped an entry would end with a missing or stale fingerprint."""
    client, submitter = fresh.client, new_submitter(fresh)
    queue(fresh, submitter, 100, 60, copies=2)
    failures: list[BaseException] = []

    def importer() -> None:
        try:
            while client.process_submissions(3):
                pass
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=importer) for _ in range(2)]
    for thread in threads:
        thread.start()
    copy, cursor = snapshot_copy(client)  # taken while imports commit
    rounds = 0
    while any(thread.is_alive() for thread in threads) and rounds < 10_000:
        cursor = client.changelog.sync_search_terms(copy, cursor, batch_size=3)
        rounds += 1
    for thread in threads:
        thread.join(60)
    assert failures == []
    client.changelog.sync_search_terms(copy, cursor)
    assert copy == truth(fresh)
    assert len(copy) == scalar(fresh.fp, "SELECT count(*) FROM fingerprint") >= 60
    assert rounds > 1
    assert uuid.UUID(int=100) in {
        row[0] for row in fresh.fp.execute("SELECT mbid FROM track_mbid").fetchall()
    }
