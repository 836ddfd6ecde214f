"""The merge-following job: links of redirected MBIDs move, long-unknown MBIDs are disabled."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import psycopg

from tests.support import musicbrainz_sample as mb
from tests.support.driver import count_mismatches, new_submitter, walk
from tests.support.management import Deployment


def links(fp: psycopg.Connection, track_id: int) -> list[tuple[str, int, bool]]:
    rows = fp.execute(
        "SELECT mbid::text, submission_count, disabled FROM track_mbid WHERE track_id = %s ORDER BY mbid",
        [track_id],
    ).fetchall()
    return [(m, c, d) for m, c, d in rows]


def test_follow_merges(mb_deployment: Deployment) -> None:
    client, fp = mb_deployment.client, mb_deployment.fp
    submitter = new_submitter(mb_deployment)
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    rng = random.Random(21)
    moved, merged, unknown = walk(rng), walk(rng), walk(rng)
    for items, mbids in [
        (moved, [mb.MOON_OLD]), (moved, [mb.MOON_OLD]),
        (merged, [mb.MOON_OLD]), (merged, [mb.MOON]), (merged, [mb.MOON]),
        (unknown, [mb.MISSING_MBID]),
    ]:  # fmt: skip
        client.submit(items, 150, mbids=[uuid.UUID(m) for m in mbids], **who)
    results = client.process_submissions(10)
    track = {name: results[n].track_id for name, n in (("moved", 0), ("merged", 2), ("unknown", 5))}
    merged_old = fp.execute(
        "SELECT id FROM track_mbid WHERE track_id = %s AND mbid = %s", [track["merged"], mb.MOON_OLD]
    ).fetchone()
    assert merged_old is not None
    fp.execute(
        "INSERT INTO track_mbid_change (track_mbid_id, disabled, note) VALUES (%s, FALSE, 'checked')",
        [merged_old[0]],
    )

    lines: list[str] = []
    summary = client.musicbrainz.follow_merges(report=lines.append)
    assert (summary.checked, summary.moved, summary.merged) == (3, 1, 1)
    assert (summary.newly_unknown, summary.disabled) == (1, 0)
    assert lines == [f"{mb.MOON_OLD} -> {mb.MOON}: 1 links moved, 1 merged"]
    assert links(fp, track["moved"]) == [(mb.MOON, 2, False)]
    assert links(fp, track["merged"]) == [(mb.MOON, 3, False)]
    assert links(fp, track["unknown"]) == [(mb.MISSING_MBID, 1, False)]
    assert count_mismatches(fp) == []
    notes = fp.execute(
        """SELECT l.track_id, c.note FROM track_mbid_change AS c
        JOIN track_mbid AS l ON l.id = c.track_mbid_id ORDER BY c.id"""
    ).fetchall()
    note = f"MusicBrainz merged recording {mb.MOON_OLD} into {mb.MOON}"
    assert sorted(notes) == sorted(
        [(track["merged"], "checked"), (track["merged"], note), (track["moved"], note)]
    )

    mirror = mb_deployment.db("musicbrainz")
    since = mirror.execute("SELECT first_missing::text FROM musicbrainz.unknown_mbid").fetchall()
    assert since == [("2026-07-25 00:00:49+00",)]
    # Six days of mirror updates later: still enabled; eight days later: disabled with a note.
    for days, disabled in ((6, 0), (8, 1)):
        mirror.execute(
            """UPDATE musicbrainz.replication_control
            SET last_replication_date = '2026-07-25 00:00:49+00'::timestamptz + %s""",
            [timedelta(days=days)],
        )
        summary = client.musicbrainz.follow_merges()
        assert (summary.moved, summary.newly_unknown, summary.disabled) == (0, 0, disabled)
    assert links(fp, track["unknown"]) == [(mb.MISSING_MBID, 1, True)]
    last = fp.execute(
        "SELECT disabled, note, account_id FROM track_mbid_change ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert last == (True, "MBID unknown to MusicBrainz since 2026-07-25", None)
    # A disabled link is not looked at again.
    assert client.musicbrainz.follow_merges().checked == 1
