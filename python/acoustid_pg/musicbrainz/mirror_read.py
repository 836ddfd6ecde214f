"""Reading what lookups need from a MusicBrainz database (our mirror or a real one).

Only the tables and columns that both our mirror and a MusicBrainz server's own schema
have are read, so ``--musicbrainz-dsn`` can point at either. A handful of queries, each
for all the MBIDs of a lookup at once; MBIDs that MusicBrainz merged away are followed
through ``recording_gid_redirect`` to the recording they now belong to.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

Artists = list[dict[str, str]]


@dataclass
class Recording:
    id: int
    gid: uuid.UUID
    title: str
    length: int | None
    artist_credit: int
    isrcs: list[str] = field(default_factory=list)


@dataclass
class TrackRow:
    """One appearance of a recording: the track, its medium and release."""

    recording: int
    gid: uuid.UUID
    position: int
    title: str
    artist_credit: int
    length: int | None
    medium_position: int
    medium_track_count: int
    medium_title: str
    medium_format: str | None
    release: int


@dataclass
class ReleaseEvent:
    country: str | None
    year: int | None
    month: int | None
    day: int | None


@dataclass
class Release:
    id: int
    gid: uuid.UUID
    title: str
    artist_credit: int
    release_group: int
    medium_count: int = 0
    track_count: int = 0
    events: list[ReleaseEvent] = field(default_factory=list)


@dataclass
class ReleaseGroup:
    id: int
    gid: uuid.UUID
    title: str
    artist_credit: int
    type: str | None
    secondary_types: list[str] = field(default_factory=list)


@dataclass
class MirrorData:
    """Everything the mirror knows about a set of requested MBIDs."""

    recordings: dict[uuid.UUID, Recording] = field(default_factory=dict)  # by requested MBID
    tracks: dict[int, list[TrackRow]] = field(default_factory=dict)  # by recording id
    releases: dict[int, Release] = field(default_factory=dict)
    release_groups: dict[int, ReleaseGroup] = field(default_factory=dict)
    artists: dict[int, Artists] = field(default_factory=dict)  # by artist credit

    def credit(self, artist_credit: int) -> Artists:
        return self.artists.get(artist_credit, [])


_RECORDINGS = """
SELECT q.gid, r.id, r.gid, r.name, r.length, r.artist_credit
FROM unnest(%s::uuid[]) AS q (gid)
JOIN musicbrainz.recording AS r ON r.id = coalesce(
    (SELECT own.id FROM musicbrainz.recording AS own WHERE own.gid = q.gid),
    (SELECT rd.new_id FROM musicbrainz.recording_gid_redirect AS rd WHERE rd.gid = q.gid))
"""

_TRACKS = """
SELECT t.recording, t.gid, t.position, t.name, t.artist_credit, t.length,
    m.position, m.track_count, m.name, mf.name, m.release
FROM musicbrainz.track AS t
JOIN musicbrainz.medium AS m ON m.id = t.medium
LEFT JOIN musicbrainz.medium_format AS mf ON mf.id = m.format
WHERE t.recording = ANY(%s)
ORDER BY t.recording, m.release, m.position, t.position
"""

_RELEASES = """
SELECT r.id, r.gid, r.name, r.artist_credit, r.release_group,
    (SELECT count(*) FROM musicbrainz.medium AS m WHERE m.release = r.id),
    (SELECT coalesce(sum(m.track_count), 0) FROM musicbrainz.medium AS m WHERE m.release = r.id)
FROM musicbrainz.release AS r
WHERE r.id = ANY(%s)
"""

# Both halves of MusicBrainz's release_event view; the earliest event first.
_EVENTS = """
SELECT e.release, e.code, e.date_year, e.date_month, e.date_day
FROM (
    SELECT rc.release, iso.code, rc.date_year, rc.date_month, rc.date_day
    FROM musicbrainz.release_country AS rc
    LEFT JOIN LATERAL (
        SELECT i.code FROM musicbrainz.iso_3166_1 AS i WHERE i.area = rc.country ORDER BY i.code LIMIT 1
    ) AS iso ON TRUE
    WHERE rc.release = ANY(%(ids)s)
    UNION ALL
    SELECT ruc.release, NULL, ruc.date_year, ruc.date_month, ruc.date_day
    FROM musicbrainz.release_unknown_country AS ruc
    WHERE ruc.release = ANY(%(ids)s)
) AS e
ORDER BY e.release, e.date_year NULLS LAST, e.date_month NULLS LAST, e.date_day NULLS LAST, e.code NULLS LAST
"""

_RELEASE_GROUPS = """
SELECT rg.id, rg.gid, rg.name, rg.artist_credit, pt.name,
    array(SELECT st.name FROM musicbrainz.release_group_secondary_type_join AS j
        JOIN musicbrainz.release_group_secondary_type AS st ON st.id = j.secondary_type
        WHERE j.release_group = rg.id ORDER BY st.child_order, st.name)
FROM musicbrainz.release_group AS rg
LEFT JOIN musicbrainz.release_group_primary_type AS pt ON pt.id = rg.type
WHERE rg.id = ANY(%s)
"""

_ARTISTS = """
SELECT acn.artist_credit, a.gid, acn.name, acn.join_phrase
FROM musicbrainz.artist_credit_name AS acn
JOIN musicbrainz.artist AS a ON a.id = acn.artist
WHERE acn.artist_credit = ANY(%s)
ORDER BY acn.artist_credit, acn.position
"""

_ISRCS = "SELECT recording, isrc FROM musicbrainz.isrc WHERE recording = ANY(%s) ORDER BY isrc"


def read(
    conn: psycopg.Connection[Any],
    mbids: Collection[uuid.UUID],
    *,
    releases: bool = False,
    release_groups: bool = False,
    isrcs: bool = False,
) -> MirrorData:
    """The mirror's rows for ``mbids``: recordings always, the rest when asked."""
    data = MirrorData()
    if not mbids:
        return data
    by_id: dict[int, Recording] = {}
    for requested, rid, gid, title, length, credit in conn.execute(_RECORDINGS, [list(mbids)]):
        recording = by_id.setdefault(rid, Recording(rid, gid, title, length, credit))
        data.recordings[requested] = recording
    if not by_id:
        return data
    credits = {r.artist_credit for r in by_id.values()}
    if isrcs:
        for rid, code in conn.execute(_ISRCS, [list(by_id)]):
            by_id[rid].isrcs.append(code.strip())
    if releases or release_groups:
        for row in conn.execute(_TRACKS, [list(by_id)]):
            track = TrackRow(*row)
            data.tracks.setdefault(track.recording, []).append(track)
            credits.add(track.artist_credit)
        _read_releases(conn, data, {t.release for rows in data.tracks.values() for t in rows}, credits)
        if release_groups:
            _read_release_groups(conn, data, {r.release_group for r in data.releases.values()}, credits)
    _read_artists(conn, data, credits)
    return data


def _read_releases(
    conn: psycopg.Connection[Any], data: MirrorData, ids: Iterable[int], credits: set[int]
) -> None:
    ids = list(ids)
    if not ids:
        return
    for rid, gid, title, credit, group, medium_count, track_count in conn.execute(_RELEASES, [ids]):
        release = Release(rid, gid, title, credit, group, int(medium_count), int(track_count))
        data.releases[release.id] = release
        credits.add(release.artist_credit)
    for release_id, code, year, month, day in conn.execute(_EVENTS, {"ids": ids}):
        data.releases[release_id].events.append(ReleaseEvent(code, year, month, day))


def _read_release_groups(
    conn: psycopg.Connection[Any], data: MirrorData, ids: Iterable[int], credits: set[int]
) -> None:
    ids = list(ids)
    if not ids:
        return
    for rid, gid, title, credit, primary, secondary in conn.execute(_RELEASE_GROUPS, [ids]):
        data.release_groups[rid] = ReleaseGroup(rid, gid, title, credit, primary, list(secondary))
        credits.add(credit)


def _read_artists(conn: psycopg.Connection[Any], data: MirrorData, credits: set[int]) -> None:
    if not credits:
        return
    for credit, gid, name, join_phrase in conn.execute(_ARTISTS, [list(credits)]):
        artist = {"id": str(gid), "name": name}
        if join_phrase:
            artist["joinphrase"] = join_phrase
        data.artists.setdefault(credit, []).append(artist)
