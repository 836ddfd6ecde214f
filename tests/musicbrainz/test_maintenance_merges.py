"""``db.maintenance.run()`` and ``acoustid-pg maintenance`` follow MusicBrainz merges when there
is a mirror to follow, and say why they skipped the step when there is none."""

from __future__ import annotations

import random
import subprocess
import sys
import uuid
from datetime import timedelta

import psycopg

import acoustid_pg
from acoustid_pg.cluster import Cluster
from acoustid_pg.maintenance import MaintenanceReport
from acoustid_pg.musicbrainz.merges import MergeSummary
from tests.support import musicbrainz_sample as mb
from tests.support.driver import count_mismatches, new_submitter, walk
from tests.support.fixtures_cluster import new_database
from tests.support.management import Deployment, server_conninfo

CLI = [sys.executable, "-m", "acoustid_pg.cli"]


def links(fp: psycopg.Connection, track_id: int) -> list[tuple[str, int, bool]]:
    rows = fp.execute(
        "SELECT mbid::text, submission_count, disabled FROM track_mbid WHERE track_id = %s ORDER BY mbid",
        [track_id],
    ).fetchall()
    return [(m, c, d) for m, c, d in rows]


def notes(fp: psycopg.Connection, track_id: int) -> list[tuple[bool, str]]:
    rows = fp.execute(
        """SELECT c.disabled, c.note FROM track_mbid_change AS c
        JOIN track_mbid AS l ON l.id = c.track_mbid_id WHERE l.track_id = %s ORDER BY c.id""",
        [track_id],
    ).fetchall()
    return [(d, n) for d, n in rows]


def test_maintenance_run_follows_merges(mb_deployment: Deployment) -> None:
    client, fp = mb_deployment.client, mb_deployment.fp
    submitter = new_submitter(mb_deployment)
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    rng = random.Random(34)
    merged, unknown = walk(rng), walk(rng)
    for items, mbid in [
        (merged, mb.MOON_OLD),
        (merged, mb.MOON),
        (merged, mb.MOON),
        (unknown, mb.MISSING_MBID),
    ]:
        client.submit(items, 150, mbids=[uuid.UUID(mbid)], **who)
    results = client.process_submissions(10)
    merged_track, unknown_track = results[0].track_id, results[3].track_id
    assert links(fp, merged_track) == sorted([(mb.MOON, 2, False), (mb.MOON_OLD, 1, False)])

    report = client.maintenance.run()
    assert report.musicbrainz_skipped is None
    assert report.musicbrainz_merges == MergeSummary(
        checked=3, moved=0, merged=1, newly_unknown=1, disabled=0
    )
    # The redirected MBID's link folded into the target's: counts summed, the change recorded.
    assert links(fp, merged_track) == [(mb.MOON, 3, False)]
    assert notes(fp, merged_track) == [(False, f"MusicBrainz merged recording {mb.MOON_OLD} into {mb.MOON}")]
    assert count_mismatches(fp) == []
    assert links(fp, unknown_track) == [(mb.MISSING_MBID, 1, False)]

    # Eight days of mirror updates later the MBID is still unknown: disabled, with a note.
    mb_deployment.db("musicbrainz").execute(
        """UPDATE musicbrainz.replication_control
        SET last_replication_date = '2026-07-25 00:00:49+00'::timestamptz + %s""",
        [timedelta(days=8)],
    )
    report = client.maintenance.run()
    assert report.musicbrainz_merges == MergeSummary(
        checked=2, moved=0, merged=0, newly_unknown=0, disabled=1
    )
    assert links(fp, unknown_track) == [(mb.MISSING_MBID, 1, True)]
    assert notes(fp, unknown_track) == [(True, "MBID unknown to MusicBrainz since 2026-07-25")]


def test_maintenance_command_reports_the_merges(mb_deployment: Deployment) -> None:
    names = [arg for db, dbname in mb_deployment.names.items() for arg in (f"--{db}-db", dbname)]
    result = subprocess.run(
        [*CLI, "maintenance", "--job", "musicbrainz", *names],
        env=mb_deployment.cluster.env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("musicbrainz merges: ")
    assert "MBIDs checked:" in result.stdout and "links disabled" in result.stdout


def skipped_run(cluster: Cluster, templates: dict[str, str], musicbrainz: str) -> MaintenanceReport:
    names = {db: new_database(cluster, prefix=db, template=template) for db, template in templates.items()}
    with acoustid_pg.connect(server_conninfo(cluster), **names, musicbrainz=musicbrainz) as client:
        return client.maintenance.run()


def test_maintenance_without_a_mirror_skips_the_step(
    cluster: Cluster, database_templates: dict[str, str]
) -> None:
    report = skipped_run(cluster, database_templates, "acoustid_pg_no_such_mirror")
    assert report.musicbrainz_merges is None
    assert report.musicbrainz_skipped == (
        "no MusicBrainz mirror (database acoustid_pg_no_such_mirror does not exist: run `acoustid-pg init`)"
    )
    # The other jobs ran all the same.
    assert report.partitions_created > 0 and report.track_stats_rows == 0


def test_maintenance_with_an_empty_mirror_skips_the_step(
    cluster: Cluster, database_templates: dict[str, str], mirror_dbname: str
) -> None:
    report = skipped_run(cluster, database_templates, mirror_dbname)
    assert report.musicbrainz_merges is None
    assert report.musicbrainz_skipped == (
        "the MusicBrainz mirror is empty (load a dump with `acoustid-pg musicbrainz import`)"
    )


def test_maintenance_command_says_the_step_was_skipped(
    cluster: Cluster, database_templates: dict[str, str], mirror_dbname: str
) -> None:
    names = {
        db: new_database(cluster, prefix=db, template=template) for db, template in database_templates.items()
    }
    options = [
        arg
        for db, dbname in {**names, "musicbrainz": mirror_dbname}.items()
        for arg in (f"--{db}-db", dbname)
    ]
    result = subprocess.run(
        [*CLI, "maintenance", "--job", "musicbrainz", *options],
        env=cluster.env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "musicbrainz merges: skipped, the MusicBrainz mirror is empty "
        "(load a dump with `acoustid-pg musicbrainz import`)\n"
    )
