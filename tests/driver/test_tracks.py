"""Track merges through the driver, and track-MBID moderation with its audit rows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.errors import InvalidArgumentError, NotFoundError, TrackMergeError
from acoustid_pg.tracks import MergeResult
from tests.support.management import Deployment, link_mbid, new_fingerprint, new_track, scalar, track_gid

X, Y, Z = (uuid.UUID(int=n) for n in (1, 2, 3))


def tracks(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT id, new_id, disabled FROM track ORDER BY id").fetchall()


def links(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT track_id, mbid, submission_count, disabled FROM track_mbid ORDER BY track_id, mbid"
    ).fetchall()


def snapshot(conn: psycopg.Connection) -> tuple[Any, ...]:
    fingerprints = conn.execute("SELECT id, track_id FROM fingerprint ORDER BY id").fetchall()
    return tracks(conn), links(conn), fingerprints


@pytest.fixture
def moderator(client: AcoustID) -> int:
    return client.accounts.create_account("moderator").id


def test_merging_three_tracks_with_overlapping_mbids(
    client: AcoustID, deployment: Deployment, moderator: int
) -> None:
    fp = deployment.fp
    t1, t2, t3 = new_track(fp), new_track(fp), new_track(fp)
    for track in (t1, t2, t2, t3):
        new_fingerprint(fp, track)
    link_mbid(fp, t1, X, backers=2)
    link_mbid(fp, t2, X, backers=1)
    link_mbid(fp, t2, Y, backers=1)
    link_mbid(fp, t3, Y, backers=3)
    link_mbid(fp, t3, Z, backers=1)
    audit = client.tracks.disable_mbid(t2, Y, account_id=moderator, note="wrong recording")

    result = client.tracks.merge(track_gid(fp, t1), [t2, str(track_gid(fp, t3))])

    assert result == MergeResult(t1, track_gid(fp, t1), (t2, t3), 3)
    assert tracks(fp) == [(t1, None, False), (t2, t1, True), (t3, t1, True)]
    assert scalar(fp, "SELECT count(*) FROM fingerprint WHERE track_id = %s", [t1]) == 4
    # One link per MBID, counts summed, a link disabled on one side stays disabled.
    assert links(fp) == [(t1, X, 3, False), (t1, Y, 4, True), (t1, Z, 1, False)]
    provenance = fp.execute(
        """SELECT tm.mbid, count(*) FROM track_mbid_source s JOIN track_mbid tm ON tm.id = s.track_mbid_id
        GROUP BY tm.mbid ORDER BY tm.mbid"""
    ).fetchall()
    assert provenance == [(X, 3), (Y, 4), (Z, 1)]
    # The audit row of the merged link now belongs to the surviving link.
    moved = fp.execute(
        """SELECT tm.track_id, tm.mbid, c.account_id, c.disabled, c.note FROM track_mbid_change c
        JOIN track_mbid tm ON tm.id = c.track_mbid_id WHERE c.id = %s""",
        [audit.change_id],
    ).fetchall()
    assert moved == [(t1, Y, moderator, True, "wrong recording")]


def test_a_merged_gid_names_the_track_it_was_merged_into(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    t1, t2, t3 = new_track(fp), new_track(fp), new_track(fp)
    new_fingerprint(fp, t3)
    client.tracks.merge(t1, [t2])
    result = client.tracks.merge(track_gid(fp, t2), [t3])
    assert (result.target_id, result.merged_ids, result.fingerprints_moved) == (t1, (t3,), 1)
    assert tracks(fp) == [(t1, None, False), (t2, t1, True), (t3, t1, True)]


def test_merging_again_is_a_no_op(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    t1, t2 = new_track(fp), new_track(fp)
    client.tracks.merge(t1, [t2])
    before = snapshot(fp)
    assert client.tracks.merge(t1, [t2, t2]).merged_ids == ()
    assert snapshot(fp) == before


def test_a_source_merged_elsewhere_is_refused(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    t1, t2, t3, t4 = (new_track(fp) for _ in range(4))
    client.tracks.merge(t1, [t2])
    before = snapshot(fp)
    with pytest.raises(TrackMergeError, match=f"it was already merged into track {t1}"):
        client.tracks.merge(t3, [t4, t2])
    assert snapshot(fp) == before


def test_a_self_merge_is_refused_and_nothing_is_merged(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    t1, t2 = new_track(fp), new_track(fp)
    new_fingerprint(fp, t2)
    before = snapshot(fp)
    with pytest.raises(TrackMergeError, match=f"cannot merge track {t1} into itself"):
        client.tracks.merge(t1, [t2, str(track_gid(fp, t1))])
    assert snapshot(fp) == before


def test_a_cycle_is_refused_by_the_trigger(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    a, b = new_track(fp), new_track(fp)
    client.tracks.merge(b, [a])
    before = snapshot(fp)
    with pytest.raises(
        TrackMergeError, match=rf"track {a} was merged into track {b} \(the merge would make a cycle\)"
    ):
        client.tracks.merge(a, [b])
    assert snapshot(fp) == before


def test_a_disabled_target_is_refused(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    off, t2 = new_track(fp, disabled=True), new_track(fp)
    with pytest.raises(TrackMergeError, match=f"cannot merge into track {off}: it is disabled"):
        client.tracks.merge(off, [t2])
    assert tracks(fp) == [(off, None, True), (t2, None, False)]


def test_unknown_tracks_are_not_found(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    t1, t2 = new_track(fp), new_track(fp)
    nowhere = uuid.uuid4()
    with pytest.raises(NotFoundError, match="target: no track 999"):
        client.tracks.merge(999, [t1])
    with pytest.raises(NotFoundError, match=f"sources\\[1\\]: no track with gid {nowhere}"):
        client.tracks.merge(t1, [t2, nowhere])
    assert tracks(fp) == [(t1, None, False), (t2, None, False)]


@pytest.mark.parametrize(
    ("target", "sources", "message"),
    [
        (1, "2", "sources: expected a list of track ids or gids"),
        (1, 2, "sources: expected a list of track ids or gids"),
        (1, [], "sources: must name at least one track"),
        (1, [2, True], "sources[1]: expected a track id or gid, got bool"),
        (1, [0], "sources[0]: must be between 1 and"),
        ("not-a-uuid", [2], "target: 'not-a-uuid' is not a valid UUID"),
        (None, [2], "target: expected a track id or gid, got NoneType"),
    ],
)
def test_bad_merge_arguments(client: AcoustID, target: Any, sources: Any, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        client.tracks.merge(target, sources)


def test_crossing_concurrent_merges_never_both_win(client: AcoustID, deployment: Deployment) -> None:
    pairs = [(new_track(deployment.fp), new_track(deployment.fp)) for _ in range(10)]

    def merge(job: tuple[int, int]) -> str:
        try:
            client.tracks.merge(job[0], [job[1]])
            return "merged"
        except TrackMergeError:
            return "refused"

    jobs = [job for a, b in pairs for job in ((a, b), (b, a))]
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(merge, jobs))
    assert [outcomes[n : n + 2].count("merged") for n in range(0, len(jobs), 2)] == [1] * len(pairs)
    live = scalar(deployment.fp, "SELECT count(*) FROM track WHERE new_id IS NULL AND NOT disabled")
    assert live == len(pairs)


# --- MBID moderation ---


def changes(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT track_mbid_id, account_id, disabled, note, created <= now()"
        " FROM track_mbid_change ORDER BY id"
    ).fetchall()


def test_disable_and_enable_write_one_audit_row_per_change(
    client: AcoustID, deployment: Deployment, moderator: int
) -> None:
    fp = deployment.fp
    track = new_track(fp)
    link = link_mbid(fp, track, X)
    gid = track_gid(fp, track)

    first = client.tracks.disable_mbid(gid, str(X), account_id=moderator, note="a cover")
    again = client.tracks.disable_mbid(track, X, account_id=moderator, note="twice")
    assert (first.changed, first.disabled, first.track_gid) == (True, True, gid)
    assert (again.changed, again.disabled, again.change_id) == (False, True, None)
    assert links(fp) == [(track, X, 1, True)]

    enabled = client.tracks.enable_mbid(track, X, account_id=moderator)
    assert (enabled.changed, enabled.disabled) == (True, False)
    assert not client.tracks.enable_mbid(track, X, account_id=moderator).changed
    assert links(fp) == [(track, X, 1, False)]
    assert changes(fp) == [(link, moderator, True, "a cover", True), (link, moderator, False, None, True)]
    assert [first.change_id, enabled.change_id] == [
        r[0] for r in fp.execute("SELECT id FROM track_mbid_change")
    ]


def test_moderating_through_a_merged_gid_changes_the_live_link(
    client: AcoustID, deployment: Deployment, moderator: int
) -> None:
    fp = deployment.fp
    t1, t2 = new_track(fp), new_track(fp)
    link_mbid(fp, t2, X)
    client.tracks.merge(t1, [t2])
    change = client.tracks.disable_mbid(track_gid(fp, t2), X, account_id=moderator)
    assert (change.track_id, change.track_gid) == (t1, track_gid(fp, t1))
    assert links(fp) == [(t1, X, 1, True)]


def test_unknown_links_tracks_and_accounts(client: AcoustID, deployment: Deployment, moderator: int) -> None:
    fp = deployment.fp
    track = new_track(fp)
    link_mbid(fp, track, X)
    gid = track_gid(fp, track)
    with pytest.raises(NotFoundError, match=f"mbid: track {gid} has no link to MBID {Y}"):
        client.tracks.disable_mbid(track, Y, account_id=moderator)
    with pytest.raises(NotFoundError, match="track: no track 999"):
        client.tracks.disable_mbid(999, X, account_id=moderator)
    with pytest.raises(NotFoundError, match="account_id: no account 999"):
        client.tracks.disable_mbid(track, X, account_id=999)
    assert links(fp) == [(track, X, 1, False)]
    assert changes(fp) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"track": 1.5}, "track: expected a track id or gid, got float"),
        ({"mbid": "xyz"}, "mbid: 'xyz' is not a valid UUID"),
        ({"account_id": None}, "account_id: expected an integer, got NoneType"),
        ({"note": 5}, "note: expected a string, got int"),
        ({"note": "n" * 10_001}, "note: must be at most 10000 characters"),
    ],
)
def test_bad_moderation_arguments(
    client: AcoustID, deployment: Deployment, moderator: int, arguments: dict[str, Any], message: str
) -> None:
    track = new_track(deployment.fp)
    link_mbid(deployment.fp, track, X)
    call = {"track": track, "mbid": X, "account_id": moderator, **arguments}
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        client.tracks.disable_mbid(call.pop("track"), call.pop("mbid"), **call)
    assert links(deployment.fp) == [(track, X, 1, False)]


@pytest.fixture
def failing_audit(deployment: Deployment) -> Iterator[None]:
    """A trigger that makes every audit insert fail, as a full disk or a bug would."""
    fp = deployment.fp
    fp.execute(
        """CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$"""
    )
    fp.execute(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON track_mbid_change"
        " FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
    )
    yield
    fp.execute("DROP TRIGGER refuse_audit ON track_mbid_change")
    fp.execute("DROP FUNCTION refuse_audit()")


def test_no_link_changes_without_its_audit_row(
    client: AcoustID, deployment: Deployment, moderator: int, failing_audit: None
) -> None:
    track = new_track(deployment.fp)
    link_mbid(deployment.fp, track, X)
    with pytest.raises(psycopg.errors.RaiseException, match="audit refused"):
        client.tracks.disable_mbid(track, X, account_id=moderator)
    assert links(deployment.fp) == [(track, X, 1, False)]
