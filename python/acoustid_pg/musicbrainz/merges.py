"""Following MusicBrainz merges: track-MBID links move to the recording an MBID now names.

MusicBrainz merges duplicate recordings and keeps the merged MBID as a redirect
(``recording_gid_redirect``). For every MBID linked to a track, in batches:

- a redirected MBID's links move to the target MBID (on a track that already links the
  target, the two links become one: provenance rows re-pointed, counts added, audit rows
  kept, disabled if either was), each move recorded in ``track_mbid_change``;
- an MBID the mirror lacks is noted in ``musicbrainz.unknown_mbid`` with the mirror's data
  time; once the mirror's data is ``unknown_after`` (seven days) newer and the MBID still
  missing, its enabled links are disabled with a note;
- an MBID that turns up again is forgotten from ``unknown_mbid``.

The mirror's data time is its last replication date, else its dump's timestamp: a mirror
that is not updated never disables anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import psycopg

from ..errors import AcoustidError

BATCH: Final = 10_000
UNKNOWN_AFTER: Final = timedelta(days=7)

Report = Callable[[str], None]


@dataclass
class MergeSummary:
    checked: int = 0  # distinct MBIDs looked at
    moved: int = 0  # links moved to another MBID
    merged: int = 0  # links folded into a link the track already had
    newly_unknown: int = 0
    disabled: int = 0  # links disabled because their MBID stayed unknown


def describe(summary: MergeSummary) -> str:
    """One line for a person: what a run did."""
    return (
        f"{summary.checked:,} MBIDs checked: {summary.moved:,} links moved, {summary.merged:,} merged, "
        f"{summary.newly_unknown:,} newly unknown, {summary.disabled:,} links disabled"
    )


def _quiet(line: str) -> None:
    """The default report: nothing."""


def mirror_time(mb: psycopg.Connection[Any]) -> datetime:
    row = mb.execute(
        """SELECT coalesce(
            (SELECT max(last_replication_date) FROM musicbrainz.replication_control),
            (SELECT dump_timestamp FROM musicbrainz.mirror_dump))"""
    ).fetchone()
    if row is None or row[0] is None:
        raise AcoustidError("the MusicBrainz mirror is empty: import a dump before following merges")
    when: datetime = row[0]
    return when


def follow_merges(
    fp: psycopg.Connection[Any],
    mb: psycopg.Connection[Any],
    *,
    unknown_after: timedelta = UNKNOWN_AFTER,
    batch: int = BATCH,
    track_unknown: bool = True,
    report: Report = _quiet,
) -> MergeSummary:
    """Move links of redirected MBIDs and disable long-unknown ones (autocommit connections).

    ``track_unknown`` False (a read-only MusicBrainz database) only follows redirects.
    """
    now = mirror_time(mb) if track_unknown else datetime.min
    summary = MergeSummary()
    after = uuid.UUID(int=0)
    while True:
        mbids = [
            m
            for (m,) in fp.execute(
                """SELECT DISTINCT mbid FROM track_mbid WHERE NOT disabled AND mbid > %s
                ORDER BY mbid LIMIT %s""",
                [after, batch],
            )
        ]
        if not mbids:
            break
        after = mbids[-1]
        summary.checked += len(mbids)
        status = mb.execute(
            """SELECT q.gid, r.gid IS NOT NULL, target.gid
            FROM unnest(%s::uuid[]) AS q (gid)
            LEFT JOIN musicbrainz.recording AS r ON r.gid = q.gid
            LEFT JOIN musicbrainz.recording_gid_redirect AS rd ON rd.gid = q.gid
            LEFT JOIN musicbrainz.recording AS target ON target.id = rd.new_id""",
            [mbids],
        ).fetchall()
        known = [gid for gid, exists, _ in status if exists]
        redirected = [(gid, target) for gid, exists, target in status if not exists and target]
        missing = [gid for gid, exists, target in status if not exists and not target]
        for old, new in redirected:
            moved, merged = _move_links(fp, old, new)
            summary.moved += moved
            summary.merged += merged
            report(f"{old} -> {new}: {moved} links moved, {merged} merged")
        if not track_unknown:
            continue
        with mb.transaction():
            found = known + [old for old, _ in redirected]
            mb.execute("DELETE FROM musicbrainz.unknown_mbid WHERE mbid = ANY(%s)", [found])
            inserted = mb.execute(
                """INSERT INTO musicbrainz.unknown_mbid (mbid, first_missing)
                SELECT m, %s FROM unnest(%s::uuid[]) AS m ON CONFLICT (mbid) DO NOTHING""",
                [now, missing],
            )
            summary.newly_unknown += max(inserted.rowcount, 0)
            stale = [
                (m, since)
                for m, since in mb.execute(
                    """SELECT mbid, first_missing FROM musicbrainz.unknown_mbid
                    WHERE mbid = ANY(%s) AND first_missing <= %s""",
                    [missing, now - unknown_after],
                )
            ]
        for mbid, since in stale:
            disabled = _disable_links(fp, mbid, f"MBID unknown to MusicBrainz since {since:%Y-%m-%d}")
            summary.disabled += disabled
            report(f"{mbid}: unknown since {since:%Y-%m-%d}, {disabled} links disabled")
    return summary


def _move_links(fp: psycopg.Connection[Any], old: uuid.UUID, new: uuid.UUID) -> tuple[int, int]:
    """Every link to ``old`` becomes a link to ``new`` (merged with one the track has)."""
    note = f"MusicBrainz merged recording {old} into {new}"
    with fp.transaction():
        pairs = fp.execute(
            """SELECT l.id, o.id FROM track_mbid AS l
            JOIN track_mbid AS o ON o.track_id = l.track_id AND o.mbid = %s
            WHERE l.mbid = %s ORDER BY l.id FOR UPDATE OF l, o""",
            [new, old],
        ).fetchall()
        for old_link, new_link in pairs:
            # Provenance first (the trigger moves those counts), then counts without provenance.
            for table in ("track_mbid_source", "track_mbid_change"):
                fp.execute(
                    f"UPDATE {table} SET track_mbid_id = %s WHERE track_mbid_id = %s",  # our constants
                    [new_link, old_link],
                )
            fp.execute(
                """UPDATE track_mbid AS t SET submission_count = t.submission_count + o.submission_count,
                    disabled = t.disabled OR o.disabled, created = least(t.created, o.created)
                FROM track_mbid AS o WHERE t.id = %s AND o.id = %s""",
                [new_link, old_link],
            )
            fp.execute("DELETE FROM track_mbid WHERE id = %s", [old_link])
            fp.execute(
                """INSERT INTO track_mbid_change (track_mbid_id, account_id, disabled, note)
                SELECT id, NULL, disabled, %s FROM track_mbid WHERE id = %s""",
                [note, new_link],
            )
        moved = fp.execute(
            """WITH moved AS (UPDATE track_mbid SET mbid = %s WHERE mbid = %s RETURNING id, disabled)
            INSERT INTO track_mbid_change (track_mbid_id, account_id, disabled, note)
            SELECT id, NULL, disabled, %s FROM moved""",
            [new, old, note],
        ).rowcount
    return max(moved, 0), len(pairs)


def _disable_links(fp: psycopg.Connection[Any], mbid: uuid.UUID, note: str) -> int:
    with fp.transaction():
        changed = fp.execute(
            """WITH changed AS (
                UPDATE track_mbid SET disabled = TRUE WHERE mbid = %s AND NOT disabled RETURNING id)
            INSERT INTO track_mbid_change (track_mbid_id, account_id, disabled, note)
            SELECT id, NULL, TRUE, %s FROM changed""",
            [mbid, note],
        ).rowcount
    return max(changed, 0)
