"""Reads the web service needs about tracks (fingerprint database): tracks by gid following
merges, by MBID and by PUID, a track's links, a stored fingerprint, submission results'
tracks. Read-only: they may go to a replica."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .lookup import Mbid, Meta
from .pools import Pools

MAX_MERGE_HOPS: Final = 64  # a longer merge chain would be a bug; stop rather than loop

# Each starting track and the live track at the end of its merge chain.
_FOLLOW_MERGES: Final = f"""
WITH RECURSIVE chain (start_id, id, new_id, depth) AS (
    SELECT id, id, new_id, 0 FROM track WHERE {{where}}
    UNION ALL
    SELECT c.start_id, t.id, t.new_id, c.depth + 1
    FROM chain AS c JOIN track AS t ON t.id = c.new_id
    WHERE c.depth < {MAX_MERGE_HOPS}
)
SELECT c.start_id, t.id, t.gid FROM chain AS c JOIN track AS t ON t.id = c.id
WHERE c.new_id IS NULL AND NOT t.disabled
"""


@dataclass(frozen=True)
class LiveTrack:
    id: int
    gid: uuid.UUID


@dataclass(frozen=True)
class TrackLinks:
    """A track's enabled MBIDs (by MBID) and its user metadata (most submitted first)."""

    mbids: tuple[Mbid, ...] = ()
    metas: tuple[Meta, ...] = ()


@dataclass(frozen=True)
class MbidTrack:
    gid: uuid.UUID
    disabled: bool  # the track-MBID link is disabled


@dataclass(frozen=True)
class StoredFingerprint:
    id: int
    items: list[int]
    duration: int
    track_gid: uuid.UUID


class TrackReads:
    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def resolve_gids(self, gids: Iterable[uuid.UUID]) -> dict[uuid.UUID, LiveTrack]:
        """The live (not merged away, not disabled) track each gid leads to; unknown ones are left out."""
        wanted = list(dict.fromkeys(gids))
        if not wanted:
            return {}
        with self._pools.connection("fingerprint", "track read", read_only=True) as conn:
            rows = conn.execute(
                f"""WITH start AS (SELECT id, gid FROM track WHERE gid = ANY(%s))
                SELECT s.gid, r.id, r.gid FROM start AS s
                JOIN ({_FOLLOW_MERGES.format(where="id IN (SELECT id FROM start)")}) AS r
                    ON r.start_id = s.id""",
                [wanted],
            ).fetchall()
        return {gid: LiveTrack(track_id, live_gid) for gid, track_id, live_gid in rows}

    def resolve_ids(self, track_ids: Iterable[int]) -> dict[int, LiveTrack]:
        """The live track each track id leads to after merges."""
        wanted = sorted(set(track_ids))
        if not wanted:
            return {}
        with self._pools.connection("fingerprint", "track read", read_only=True) as conn:
            rows = conn.execute(_FOLLOW_MERGES.format(where="id = ANY(%s)"), [wanted]).fetchall()
        return {start: LiveTrack(track_id, gid) for start, track_id, gid in rows}

    def links(
        self, track_ids: Iterable[int], *, with_meta: bool = False, max_meta: int = 10
    ) -> dict[int, TrackLinks]:
        """Enabled MBIDs (ordered by MBID) and, if asked, up to ``max_meta`` user metadata per track."""
        wanted = sorted(set(track_ids))
        if not wanted:
            return {}
        mbids: dict[int, list[Mbid]] = {}
        metas: dict[int, list[Meta]] = {}
        with self._pools.connection("fingerprint", "track read", read_only=True) as conn:
            for track_id, mbid, count in conn.execute(
                """SELECT track_id, mbid, submission_count FROM track_mbid
                WHERE track_id = ANY(%s) AND NOT disabled ORDER BY track_id, mbid""",
                [wanted],
            ):
                mbids.setdefault(track_id, []).append(Mbid(mbid, count))
            if with_meta:
                for row in conn.execute(
                    """SELECT track_id, track, artist, album, album_artist, track_no, disc_no, year,
                        submission_count
                    FROM (
                        SELECT tm.track_id, m.*, tm.submission_count, row_number() OVER (
                            PARTITION BY tm.track_id ORDER BY tm.submission_count DESC, m.id) AS n
                        FROM track_meta AS tm JOIN meta AS m ON m.id = tm.meta_id
                        WHERE tm.track_id = ANY(%s)
                    ) AS ranked
                    WHERE n <= %s ORDER BY track_id, n""",
                    [wanted, max_meta],
                ):
                    metas.setdefault(row[0], []).append(Meta(*row[1:]))
        return {t: TrackLinks(tuple(mbids.get(t, ())), tuple(metas.get(t, ()))) for t in wanted}

    def by_mbids(self, mbids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[MbidTrack]]:
        """Live tracks linked to each MBID (disabled links too, flagged), oldest track first."""
        found: dict[uuid.UUID, list[MbidTrack]] = {mbid: [] for mbid in mbids}
        if not found:
            return found
        with self._pools.connection("fingerprint", "track read", read_only=True) as conn:
            for mbid, gid, disabled in conn.execute(
                """SELECT tm.mbid, t.gid, tm.disabled
                FROM track_mbid AS tm JOIN track AS t ON t.id = tm.track_id
                WHERE tm.mbid = ANY(%s) AND t.new_id IS NULL AND NOT t.disabled
                ORDER BY tm.mbid, t.id""",
                [list(found)],
            ):
                found[mbid].append(MbidTrack(gid, disabled))
        return found

    def by_puid(self, puid: uuid.UUID) -> list[uuid.UUID]:
        """Gids of the live tracks linked to a PUID, oldest first."""
        with self._pools.connection("fingerprint", "track read", read_only=True) as conn:
            rows = conn.execute(
                """SELECT t.gid FROM track_puid AS tp JOIN track AS t ON t.id = tp.track_id
                WHERE tp.puid = %s AND t.new_id IS NULL AND NOT t.disabled ORDER BY t.id""",
                [puid],
            ).fetchall()
        return [row[0] for row in rows]

    def fingerprint(self, fingerprint_id: int) -> StoredFingerprint | None:
        with self._pools.connection("fingerprint", "track read", read_only=True) as conn:
            row = conn.execute(
                """SELECT f.id, f.fingerprint, f.length, t.gid
                FROM fingerprint AS f JOIN track AS t ON t.id = f.track_id WHERE f.id = %s""",
                [fingerprint_id],
            ).fetchone()
        return None if row is None else StoredFingerprint(row[0], list(row[1]), row[2], row[3])

    def fingerprint_tracks(self, fingerprint_ids: Iterable[int]) -> dict[int, int]:
        """The track each fingerprint belongs to now."""
        wanted = sorted(set(fingerprint_ids))
        if not wanted:
            return {}
        with self._pools.connection("fingerprint", "track read", read_only=True) as conn:
            rows: list[Any] = conn.execute(
                "SELECT id, track_id FROM fingerprint WHERE id = ANY(%s)", [wanted]
            ).fetchall()
        return dict(rows)
