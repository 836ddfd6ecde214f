"""The maintenance jobs on real rows: the right rows go, every other row stays."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg
import pytest

import acoustid_pg
from acoustid_pg.api import AcoustID
from acoustid_pg.cluster import Cluster
from acoustid_pg.errors import InvalidArgumentError
from acoustid_pg.maintenance import MaintenanceReport, SubmissionCleanup
from tests.support.management import (
    Deployment,
    link_mbid,
    link_meta,
    new_fingerprint,
    new_meta,
    new_track,
    scalar,
    server_conninfo,
)

UTC = dt.timezone.utc


def now(deployment: Deployment) -> dt.datetime:
    value = scalar(deployment.ingest, "SELECT now()")
    assert isinstance(value, dt.datetime)
    return value


def submit(deployment: Deployment, created: dt.datetime, *, handled: bool, meta: int | None = None) -> int:
    """A submission, with a result if handled and a queue row if not."""
    conn = deployment.ingest
    submission = int(
        scalar(
            conn,
            "INSERT INTO submission (fingerprint, length, created, handled, meta_id)"
            " VALUES ('{1,2,3}', 30, %s, %s, %s) RETURNING id",
            [created, handled, meta],
        )
    )
    if handled:
        conn.execute("INSERT INTO submission_result (submission_id, track_id) VALUES (%s, 1)", [submission])
    else:
        conn.execute("INSERT INTO pending_submission (submission_id) VALUES (%s)", [submission])
    return submission


def remaining(deployment: Deployment) -> dict[str, list[int]]:
    conn = deployment.ingest
    return {
        table: [row[0] for row in conn.execute(f"SELECT {column} FROM {table} ORDER BY 1")]
        for table, column in (
            ("submission", "id"),
            ("submission_result", "submission_id"),
            ("pending_submission", "submission_id"),
        )
    }


def partitions(deployment: Deployment) -> list[str]:
    rows = deployment.ingest.execute(
        "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'submission'::regclass ORDER BY 1"
    )
    return [name for (name,) in rows]


def months_ago(moment: dt.datetime, months: int) -> dt.date:
    index = moment.year * 12 + moment.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"submission_{month:%Y_%m}"


# --- submissions ---


def test_handled_submissions_older_than_30_days_are_deleted(client: AcoustID, deployment: Deployment) -> None:
    moment = now(deployment)
    old = [submit(deployment, moment - dt.timedelta(days=40 + n), handled=True) for n in range(3)]
    old_unhandled = submit(deployment, moment - dt.timedelta(days=40), handled=False)
    recent = submit(deployment, moment - dt.timedelta(days=29, hours=23), handled=True)
    fresh_unhandled = submit(deployment, moment, handled=False)

    assert client.maintenance.delete_old_submissions(batch_size=2) == SubmissionCleanup(3, ())
    assert remaining(deployment) == {
        "submission": [old_unhandled, recent, fresh_unhandled],
        "submission_result": [recent],
        "pending_submission": [old_unhandled, fresh_unhandled],
    }
    assert not set(old) & set(remaining(deployment)["submission"])
    assert client.maintenance.delete_old_submissions() == SubmissionCleanup(0, ())


def test_old_months_are_dropped_whole_when_every_row_is_handled(
    client: AcoustID, deployment: Deployment
) -> None:
    moment = now(deployment)
    four, three, this = months_ago(moment, 4), months_ago(moment, 3), months_ago(moment, 0)
    for month in (four, three, this):
        deployment.ingest.execute("SELECT create_submission_partition(%s)", [month])

    def mid(month: dt.date) -> dt.datetime:
        return dt.datetime.combine(month, dt.time(), UTC) + dt.timedelta(days=14)

    for _ in range(2):
        submit(deployment, mid(four), handled=True)
    handled_in_three = submit(deployment, mid(three), handled=True)
    waiting_in_three = submit(deployment, mid(three), handled=False)
    current = submit(deployment, moment, handled=True)

    cleanup = client.maintenance.delete_old_submissions()

    assert cleanup == SubmissionCleanup(1, (partition_name(four),))
    assert partitions(deployment) == sorted(
        [partition_name(three), partition_name(this), "submission_default"]
    )
    assert handled_in_three not in remaining(deployment)["submission"]
    assert remaining(deployment) == {
        "submission": [waiting_in_three, current],
        "submission_result": [current],
        "pending_submission": [waiting_in_three],
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"older_than_days": 0}, "older_than_days: must be between 1 and 36500, got 0"),
        ({"older_than_days": "30"}, "older_than_days: expected an integer, got str"),
        ({"batch_size": 0}, "batch_size: must be between 1 and"),
    ],
)
def test_bad_submission_cleanup_arguments(
    client: AcoustID, deployment: Deployment, arguments: dict[str, Any], message: str
) -> None:
    old = submit(deployment, now(deployment) - dt.timedelta(days=90), handled=True)
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        client.maintenance.delete_old_submissions(**arguments)
    assert remaining(deployment)["submission"] == [old]


# --- partitions ---


def test_upcoming_partitions_are_created_once(client: AcoustID, deployment: Deployment) -> None:
    moment = now(deployment).astimezone(UTC)
    assert client.maintenance.create_submission_partitions(months_ahead=2) == 3
    assert client.maintenance.create_submission_partitions(months_ahead=2) == 0
    assert client.maintenance.create_submission_partitions() == 1
    expected = [partition_name(months_ago(moment, -n)) for n in range(4)]
    assert partitions(deployment) == sorted([*expected, "submission_default"])


@pytest.mark.parametrize("months", [-1, 121, "3", None])
def test_bad_months_ahead(client: AcoustID, deployment: Deployment, months: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="months_ahead: "):
        client.maintenance.create_submission_partitions(months)
    assert partitions(deployment) == ["submission_default"]


# --- orphaned metadata ---


def metas(deployment: Deployment) -> list[int]:
    return [row[0] for row in deployment.fp.execute("SELECT id FROM meta ORDER BY id")]


def test_orphaned_meta_goes_unless_a_stored_submission_refers_to_it(
    client: AcoustID, deployment: Deployment
) -> None:
    fp = deployment.fp
    track = new_track(fp)
    linked, orphan, referenced, another = (new_meta(fp, title) for title in "abcd")
    link_meta(fp, track, linked)
    submission = submit(deployment, now(deployment), handled=True, meta=referenced)
    submit(deployment, now(deployment), handled=True, meta=linked)

    assert client.maintenance.remove_orphaned_meta(batch_size=1) == 2
    assert metas(deployment) == [linked, referenced]
    assert orphan not in metas(deployment) and another not in metas(deployment)
    deployment.ingest.execute("DELETE FROM submission WHERE id = %s", [submission])
    assert client.maintenance.remove_orphaned_meta() == 1
    assert metas(deployment) == [linked]
    assert scalar(fp, "SELECT count(*) FROM track_meta") == 1


def run_with_timeout(job: Callable[[], Any], seconds: float = 10) -> Any:
    """Run ``job`` in a thread; fail (instead of hanging) if it blocks on a lock."""
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(job()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the job blocked on a lock"
    return outcome[0]


def test_meta_being_linked_by_an_open_transaction_is_left_alone(
    client: AcoustID, deployment: Deployment
) -> None:
    fp = deployment.fp
    track = new_track(fp)
    reused = new_meta(fp, "reused")
    new_meta(fp, "orphan")  # the one row that goes
    with psycopg.connect(deployment.cluster.conninfo(deployment.names["fingerprint"])) as importer:
        # An import that found the orphaned row and linked it, not yet committed.
        importer.execute("INSERT INTO track_meta (track_id, meta_id) VALUES (%s, %s)", [track, reused])
        assert run_with_timeout(client.maintenance.remove_orphaned_meta) == 1
        importer.commit()
    assert metas(deployment) == [reused]
    assert scalar(fp, "SELECT meta_id FROM track_meta") == reused


@pytest.mark.parametrize("job", ["remove_orphaned_meta", "remove_unreferenced_disabled_tracks"])
@pytest.mark.parametrize(
    ("batch_size", "message"), [(0, "must be between 1 and"), (1.0, "expected an integer")]
)
def test_bad_batch_sizes(
    client: AcoustID, deployment: Deployment, job: str, batch_size: Any, message: str
) -> None:
    new_meta(deployment.fp, "orphan")
    new_track(deployment.fp, disabled=True)
    with pytest.raises(InvalidArgumentError, match=f"batch_size: {message}"):
        getattr(client.maintenance, job)(batch_size=batch_size)
    assert scalar(deployment.fp, "SELECT (SELECT count(*) FROM meta) + (SELECT count(*) FROM track)") == 2


# --- disabled tracks ---


def test_only_unreferenced_disabled_tracks_are_removed(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    live_empty = new_track(fp)
    doomed = new_track(fp, disabled=True)
    with_fingerprint, with_mbid, with_meta, with_puid, with_foreignid = (
        new_track(fp, disabled=True) for _ in range(5)
    )
    new_fingerprint(fp, with_fingerprint)
    link_mbid(fp, with_mbid, uuid.uuid4())
    link_meta(fp, with_meta, new_meta(fp, "title"))
    fp.execute("INSERT INTO track_puid (track_id, puid) VALUES (%s, %s)", [with_puid, uuid.uuid4()])
    foreignid = scalar(
        fp,
        "INSERT INTO foreignid (vendor_id, name) SELECT id, 'x1' FROM foreignid_vendor LIMIT 1 RETURNING id",
    )
    fp.execute(
        "INSERT INTO track_foreignid (track_id, foreignid_id) VALUES (%s, %s)", [with_foreignid, foreignid]
    )
    # A merged track keeps redirecting its gid; a disabled track others were merged into holds them.
    target = new_track(fp)
    merged = new_track(fp)
    client.tracks.merge(target, [merged])
    holder, merged_into_holder = new_track(fp, disabled=True), new_track(fp)
    fp.execute("UPDATE track SET new_id = %s WHERE id = %s", [holder, merged_into_holder])
    named_by_result = new_track(fp, disabled=True)
    submission = submit(deployment, now(deployment), handled=True)
    deployment.ingest.execute(
        "UPDATE submission_result SET track_id = %s WHERE submission_id = %s", [named_by_result, submission]
    )

    before = [row[0] for row in fp.execute("SELECT id FROM track ORDER BY id")]
    assert client.maintenance.remove_unreferenced_disabled_tracks(batch_size=1) == 1
    after = [row[0] for row in fp.execute("SELECT id FROM track ORDER BY id")]
    assert after == [t for t in before if t != doomed]
    assert live_empty in after and merged in after

    deployment.ingest.execute("DELETE FROM submission WHERE id = %s", [submission])
    assert client.maintenance.remove_unreferenced_disabled_tracks() == 1
    assert named_by_result not in [row[0] for row in fp.execute("SELECT id FROM track")]


def test_a_track_being_filled_by_an_open_transaction_is_left_alone(
    client: AcoustID, deployment: Deployment
) -> None:
    fp = deployment.fp
    filling = new_track(fp, disabled=True)
    new_track(fp, disabled=True)  # the one row that goes
    with psycopg.connect(deployment.cluster.conninfo(deployment.names["fingerprint"])) as writer:
        writer.execute(
            "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, '{1,2,3}', 30)", [filling]
        )
        assert run_with_timeout(client.maintenance.remove_unreferenced_disabled_tracks) == 1
        writer.commit()
    assert [row[0] for row in fp.execute("SELECT id FROM track")] == [filling]


# --- track_stats ---


def test_track_stats_refresh_does_not_block_readers(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    track, other = new_track(fp), new_track(fp)
    new_fingerprint(fp, track)
    new_fingerprint(fp, track)
    new_fingerprint(fp, other)
    link_mbid(fp, track, uuid.uuid4(), backers=2)
    with psycopg.connect(deployment.cluster.conninfo(deployment.names["fingerprint"])) as reader:
        assert reader.execute("SELECT count(*) FROM track_stats").fetchone() == (0,)  # holds its lock
        assert run_with_timeout(client.maintenance.refresh_track_stats) == 2
        reader.rollback()
    stats = fp.execute(
        "SELECT track_id, fingerprint_count, mbid_count FROM track_stats ORDER BY 1"
    ).fetchall()
    assert stats == [(track, 2, 1), (other, 1, 0)]


# --- everything together ---


def test_run_maintenance_reports_every_job(client: AcoustID, deployment: Deployment) -> None:
    fp = deployment.fp
    new_meta(fp, "orphan")
    new_track(fp, disabled=True)
    new_fingerprint(fp, new_track(fp))
    submit(deployment, now(deployment) - dt.timedelta(days=45), handled=True)
    report = client.maintenance.run()
    # This deployment's mirror database holds no dump (or does not exist): that step is skipped.
    assert report.musicbrainz_merges is None and report.musicbrainz_skipped
    assert replace(report, musicbrainz_skipped=None) == MaintenanceReport(
        partitions_created=4,
        submissions=SubmissionCleanup(1, ()),
        orphaned_meta_removed=1,
        disabled_tracks_removed=1,
        track_stats_rows=1,
    )


def test_the_jobs_work_in_the_one_database_layout(cluster: Cluster, schema_dbname: str) -> None:
    with (
        acoustid_pg.connect(
            server_conninfo(cluster), app=schema_dbname, fingerprint=schema_dbname, ingest=schema_dbname
        ) as client,
        psycopg.connect(cluster.conninfo(schema_dbname), autocommit=True) as conn,
    ):
        track = new_track(conn, disabled=True)
        conn.execute("INSERT INTO meta (track) VALUES ('orphan')")
        report = client.maintenance.run()
        assert (report.orphaned_meta_removed, report.disabled_tracks_removed) == (1, 1)
        assert client.stats.update_daily_counters()["track.count"] == 0
        assert conn.execute("SELECT count(*) FROM track WHERE id = %s", [track]).fetchone() == (0,)
