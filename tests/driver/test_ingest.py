"""submit() and process_submissions() on three real databases: queue rows, provenance, results."""

from __future__ import annotations

import random
import uuid

import psycopg

from acoustid_pg import fingerprint as core
from acoustid_pg import int4array
from acoustid_pg.api import AcoustID
from acoustid_pg.ingest import NOTIFY_CHANNEL, claim_submissions
from tests.support.driver import Submitter, assert_exactly_once, flip, walk
from tests.support.management import Deployment, scalar

MBIDS = [uuid.UUID(int=n) for n in (11, 12, 13)]
PUID = uuid.UUID(int=99)
META = {"track": "Copper River", "artist": "The Lanterns", "album": "Orbit", "track_no": 3, "year": 2004}


def items(seed: int, length: int = 300) -> list[int]:
    return walk(random.Random(seed), length)


def test_one_submission_row_per_mbid_and_a_notify(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    with psycopg.connect(
        deployment.cluster.conninfo(deployment.names["ingest"]), autocommit=True
    ) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        ids = client.submit(
            items(1), 120, mbids=MBIDS, account_id=submitter.account_id,
            application_id=submitter.application_id, application_version="1.2", bitrate=192, format="MP3",
        )  # fmt: skip
        notified = list(listener.notifies(timeout=5, stop_after=1))
    assert len(ids) == 3 and notified and notified[0].channel == NOTIFY_CHANNEL
    rows = deployment.ingest.execute(
        "SELECT id, mbid, length, bitrate, format_id, account_id, application_id, application_version,"
        " handled, fingerprint = %s FROM submission ORDER BY id",
        [items(1)],
    ).fetchall()
    fmt = scalar(deployment.fp, "SELECT id FROM format WHERE name = 'mp3'")
    assert rows == [
        (i, m, 120, 192, fmt, submitter.account_id, submitter.application_id, "1.2", False, True)
        for i, m in zip(ids, MBIDS)
    ]
    pending = deployment.ingest.execute("SELECT submission_id FROM pending_submission ORDER BY id").fetchall()
    assert [p[0] for p in pending] == ids


def test_no_mbid_gives_one_row_and_a_new_format_is_created(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    ids = client.submit(
        core.encode_fingerprint(items(2)), 60, meta={"track": "Ember"}, format="opus",
        account_id=submitter.account_id, application_id=submitter.application_id,
    )  # fmt: skip
    assert len(ids) == 1
    row = deployment.ingest.execute("SELECT mbid, meta, fingerprint, format_id FROM submission").fetchone()
    assert row is not None
    assert row[:3] == (None, {"track": "Ember"}, items(2))
    assert row[3] == scalar(deployment.fp, "SELECT id FROM format WHERE name = 'opus'")


def test_import_writes_every_provenance_row(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    ids = client.submit(
        items(3), 200, mbids=MBIDS[:2], puid=PUID, foreignid="acme:track/7:b", meta=META,
        account_id=submitter.account_id, application_id=submitter.application_id, application_version="2.0",
        bitrate=320, format="flac",
    )  # fmt: skip
    results = client.process_submissions(10)
    assert [r.submission_id for r in results] == ids
    assert [r.action for r in results] == ["new_track", "matched_fingerprint"]
    assert len({(r.track_id, r.track_gid, r.fingerprint_id) for r in results}) == 1
    assert not any(r.repeated for r in results)
    fp, track = deployment.fp, results[0].track_id
    assert fp.execute("SELECT track_id, length, bitrate, submission_count FROM fingerprint").fetchall() == [
        (track, 200, 320, 2)
    ]
    source = scalar(
        fp, "SELECT id FROM source WHERE application_id = %s AND account_id = %s AND version = '2.0'",
        [submitter.application_id, submitter.account_id],
    )  # fmt: skip
    sources = fp.execute("SELECT submission_id, source_id FROM fingerprint_source ORDER BY 1").fetchall()
    assert sources == [(ids[0], source), (ids[1], source)]
    mbids = fp.execute(
        "SELECT mbid, submission_count FROM track_mbid WHERE track_id = %s ORDER BY mbid", [track]
    )
    assert mbids.fetchall() == [(MBIDS[0], 1), (MBIDS[1], 1)]
    # Metadata, PUID and foreign id came with both rows: one link each, backed twice.
    for link, key in (("track_puid", "puid"), ("track_meta", "meta_id"), ("track_foreignid", "foreignid_id")):
        assert fp.execute(f"SELECT {key}, submission_count FROM {link}").fetchall() == [
            (PUID if key == "puid" else scalar(fp, f"SELECT max({key}) FROM {link}"), 2)
        ]
    assert fp.execute(
        "SELECT track, artist, album, album_artist, track_no, disc_no, year FROM meta"
    ).fetchall() == [("Copper River", "The Lanterns", "Orbit", None, 3, None, 2004)]
    assert fp.execute(
        "SELECT v.name, i.name FROM foreignid AS i JOIN foreignid_vendor AS v ON v.id = i.vendor_id"
    ).fetchall() == [("acme", "track/7:b")]
    meta_id = scalar(fp, "SELECT id FROM meta")
    handled = deployment.ingest.execute(
        "SELECT id, handled, handled_at IS NOT NULL, source_id, meta_id FROM submission ORDER BY id"
    ).fetchall()
    assert handled == [(i, True, True, source, meta_id) for i in ids]
    assert deployment.ingest.execute(
        "SELECT submission_id, track_id, fingerprint_id, skip_reason FROM submission_result ORDER BY 1"
    ).fetchall() == [(i, track, results[0].fingerprint_id, None) for i in ids]
    assert_exactly_once(deployment, set(ids))
    assert client.process_submissions(10) == []


def test_a_resubmission_joins_the_track_and_a_variant_adds_a_fingerprint(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    original = items(4)
    variant = flip(random.Random(5), original, 0.06)  # scores about 0.88: same track, own fingerprint
    assert 0.75 < core.compare2(original, variant, 80) <= 0.9
    first = client.submit(original, 100, mbids=MBIDS[0], **who)
    again = client.submit(original, 101, mbids=MBIDS[0], **who)
    other = client.submit(variant, 103, mbids=MBIDS[1], **who)
    stranger = client.submit(items(6), 100, mbids=MBIDS[2], **who)
    results = {r.submission_id: r for r in client.process_submissions(10)}
    assert results[first[0]].action == "new_track"
    assert results[again[0]].action == "matched_fingerprint"
    assert results[again[0]].fingerprint_id == results[first[0]].fingerprint_id
    assert results[other[0]].action == "new_fingerprint"
    assert results[other[0]].track_gid == results[first[0]].track_gid
    assert results[stranger[0]].action == "new_track"
    assert results[stranger[0]].track_gid != results[first[0]].track_gid
    counts = deployment.fp.execute("SELECT mbid, submission_count FROM track_mbid ORDER BY mbid").fetchall()
    assert counts == [(MBIDS[0], 2), (MBIDS[1], 1), (MBIDS[2], 1)]
    assert_exactly_once(deployment, set(results))


def test_unusable_and_invalid_submissions_are_skipped_with_the_reason(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    few = [n % 50 for n in range(400)]  # 50 distinct items
    silence = [627964279] * 100
    good = client.submit(items(7), 90, mbids=MBIDS[0], **who)
    unusable = client.submit(few, 90, mbids=MBIDS[0], **who) + client.submit(
        silence, 90, mbids=MBIDS[0], **who
    )
    # Rows another writer queued without the driver's checks: the import refuses them, the worker goes on.
    ingest = deployment.ingest
    bad = [
        scalar(
            ingest,
            "WITH s AS (INSERT INTO submission (fingerprint, length, mbid, foreignid) VALUES (%s, 90, %s, %s)"
            " RETURNING id, created) INSERT INTO pending_submission (submission_id, submission_created)"
            " SELECT id, created FROM s RETURNING submission_id",
            [fingerprint, MBIDS[1], foreign],
        )
        for fingerprint, foreign in ((items(8), "no-colon"), ([*items(9)[:200], None], None))
    ]
    results = {r.submission_id: r for r in client.process_submissions(10)}
    assert results[good[0]].action == "new_track"
    assert results[unusable[0]].skip_reason == "too few distinct items (50, fewer than 80)"
    assert results[unusable[1]].skip_reason == "too few distinct items (1, fewer than 80)"
    assert (
        results[bad[0]].skip_reason
        == "invalid submission: foreign id must look like vendor:id, not 'no-colon'"
    )
    assert results[bad[1]].skip_reason == "invalid submission: array must not contain nulls"
    assert {r.action for i, r in results.items() if i != good[0]} == {"skipped"}
    recorded = dict(ingest.execute("SELECT submission_id, skip_reason FROM submission_result").fetchall())
    assert recorded == {i: r.skip_reason for i, r in results.items()}
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint") == 1
    assert_exactly_once(deployment, set(results))


def test_batches_take_the_oldest_first(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    ids = [client.submit(items(20 + n), 60, mbids=MBIDS[0], **who)[0] for n in range(5)]
    assert [r.submission_id for r in client.process_submissions(2)] == ids[:2]
    assert [r.submission_id for r in client.process_submissions(10)] == ids[2:]
    assert_exactly_once(deployment, set(ids))


def test_a_claimed_fingerprint_travels_as_postgresql_binary_bytes_and_arrives_intact(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    submitted = items(7, 950)
    account, application = submitter.account_id, submitter.application_id
    client.submit(submitted, 200, mbids=MBIDS[:1], account_id=account, application_id=application)
    with psycopg.connect(deployment.cluster.conninfo(deployment.names["ingest"])) as ingest:
        claimed = claim_submissions(ingest, 10)
        ingest.rollback()  # leave it pending for the import below
    fingerprint = claimed[0][2]
    assert isinstance(fingerprint, int4array.RawInt4Array)
    assert fingerprint.data == int4array.encode("items", submitted)  # array_send's bytes, undecoded
    (result,) = client.process_submissions(10)
    query = "SELECT fingerprint FROM fingerprint WHERE id = %s"
    stored = scalar(deployment.fp, query, [result.fingerprint_id])
    assert result.action == "new_track" and stored == submitted
