"""Reading what lookups need from a MusicBrainz database (our mirror or a real one).

Only the tables and columns that both our mirror and a MusicBrainz server's own schema
have are read, so ``--musicbrainz-dsn`` can point at either. A handful of queries, each
for all the MBIDs of a lookup at once; MBIDs that MusicBrainz merged away are followed
through ``recording_gid_redirect`` to the recording they now belong to.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
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


# An artist credit as JSON, read in the same statement as the row that names it.
_CREDIT = """(SELECT json_agg(json_build_object('id', a.gid, 'name', acn.name, 'joinphrase', acn.join_phrase)
        ORDER BY acn.position)
    FROM musicbrainz.artist_credit_name AS acn JOIN musicbrainz.artist AS a ON a.id = acn.artist
    WHERE acn.artist_credit = {credit})"""

_RECORDINGS = f"""
SELECT q.gid, r.id, r.gid, r.name, r.length, r.artist_credit, {_CREDIT.format(credit="r.artist_credit")}
FROM unnest(%s::uuid[]) AS q (gid)
JOIN musicbrainz.recording AS r ON r.id = coalesce(
    (SELECT own.id FROM musicbrainz.recording AS own WHERE own.gid = q.gid),
    (SELECT rd.new_id FROM musicbrainz.recording_gid_redirect AS rd WHERE rd.gid = q.gid))
"""

_TRACKS = f"""
SELECT t.recording, t.gid, t.position, t.name, t.artist_credit, t.length,
    m.position, m.track_count, m.name, mf.name, m.release, {_CREDIT.format(credit="t.artist_credit")}
FROM musicbrainz.track AS t
JOIN musicbrainz.medium AS m ON m.id = t.medium
LEFT JOIN musicbrainz.medium_format AS mf ON mf.id = m.format
WHERE t.recording = ANY(%s)
ORDER BY t.recording, m.release, m.position, t.position
"""

# Release events are both halves of MusicBrainz's release_event view, the earliest first.
# Set-based (one probe per release of each index, a single hash of the country codes)
# rather than subqueries per release.
_RELEASES = f"""
WITH media AS (
    SELECT m.release, count(*) AS medium_count, coalesce(sum(m.track_count), 0) AS track_count
    FROM musicbrainz.medium AS m WHERE m.release = ANY(%(ids)s) GROUP BY m.release
),
events AS (
    SELECT e.release, json_agg(json_build_array(e.code, e.date_year, e.date_month, e.date_day)
        ORDER BY e.date_year NULLS LAST, e.date_month NULLS LAST, e.date_day NULLS LAST,
            e.code NULLS LAST) AS events
    FROM (
        SELECT rc.release, iso.code, rc.date_year, rc.date_month, rc.date_day
        FROM musicbrainz.release_country AS rc
        LEFT JOIN musicbrainz.iso_3166_1 AS iso ON iso.area = rc.country
        WHERE rc.release = ANY(%(ids)s)
        UNION ALL
        SELECT ruc.release, NULL, ruc.date_year, ruc.date_month, ruc.date_day
        FROM musicbrainz.release_unknown_country AS ruc WHERE ruc.release = ANY(%(ids)s)
    ) AS e
    GROUP BY e.release
)
SELECT r.id, r.gid, r.name, r.artist_credit, r.release_group,
    coalesce(media.medium_count, 0), coalesce(media.track_count, 0), events.events,
    {_CREDIT.format(credit="r.artist_credit")}
FROM musicbrainz.release AS r
LEFT JOIN media ON media.release = r.id
LEFT JOIN events ON events.release = r.id
WHERE r.id = ANY(%(ids)s)
"""

_RELEASE_GROUPS = f"""
SELECT rg.id, rg.gid, rg.name, rg.artist_credit, pt.name,
    array(SELECT st.name FROM musicbrainz.release_group_secondary_type_join AS j
        JOIN musicbrainz.release_group_secondary_type AS st ON st.id = j.secondary_type
        WHERE j.release_group = rg.id ORDER BY st.child_order, st.name),
    {_CREDIT.format(credit="rg.artist_credit")}
FROM musicbrainz.release_group AS rg
LEFT JOIN musicbrainz.release_group_primary_type AS pt ON pt.id = rg.type
WHERE rg.id = ANY(%s)
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
    """The mirror's rows for ``mbids``: recordings always, the rest when asked.

    One statement per level (recordings, tracks, releases with their events, release
    groups, ISRCs), each carrying the artist credits it names.
    """
    data = MirrorData()
    if not mbids:
        return data
    by_id: dict[int, Recording] = {}
    for requested, rid, gid, title, length, credit, artists in conn.execute(_RECORDINGS, [list(mbids)]):
        recording = by_id.setdefault(rid, Recording(rid, gid, title, length, credit))
        data.recordings[requested] = recording
        _credit(data, credit, artists)
    if not by_id:
        return data
    if isrcs:
        for rid, code in conn.execute(_ISRCS, [list(by_id)]):
            by_id[rid].isrcs.append(code.strip())
    if releases or release_groups:
        for *row, artists in conn.execute(_TRACKS, [list(by_id)]):
            track = TrackRow(*row)
            data.tracks.setdefault(track.recording, []).append(track)
            _credit(data, track.artist_credit, artists)
        _read_releases(conn, data, {t.release for rows in data.tracks.values() for t in rows})
        if release_groups:
            _read_release_groups(conn, data, {r.release_group for r in data.releases.values()})
    return data


def _credit(data: MirrorData, credit: int, artists: list[dict[str, str]] | None) -> None:
    """Shape an artist credit once: ``joinphrase`` only where there is one, as AcoustID does."""
    if credit in data.artists:
        return
    shaped = []
    for artist in artists or ():
        item = {"id": str(artist["id"]), "name": artist["name"]}
        if artist["joinphrase"]:
            item["joinphrase"] = artist["joinphrase"]
        shaped.append(item)
    data.artists[credit] = shaped


def _read_releases(conn: psycopg.Connection[Any], data: MirrorData, ids: set[int]) -> None:
    if not ids:
        return
    rows = conn.execute(_RELEASES, {"ids": list(ids)})
    for rid, gid, title, credit, group, mediums, tracks, events, artists in rows:
        release = Release(rid, gid, title, credit, group, int(mediums), int(tracks))
        release.events = [ReleaseEvent(*event) for event in events or ()]
        data.releases[release.id] = release
        _credit(data, credit, artists)


def _read_release_groups(conn: psycopg.Connection[Any], data: MirrorData, ids: set[int]) -> None:
    if not ids:
        return
    for rid, gid, title, credit, primary, secondary, artists in conn.execute(_RELEASE_GROUPS, [list(ids)]):
        data.release_groups[rid] = ReleaseGroup(rid, gid, title, credit, primary, list(secondary))
        _credit(data, credit, artists)
