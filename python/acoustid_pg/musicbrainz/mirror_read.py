"""Reading what lookups need from a MusicBrainz database (our mirror or a real one).

Only the tables and columns that both our mirror and a MusicBrainz server's own schema
have are read, so ``--musicbrainz-dsn`` can point at either. One statement reads all the
MBIDs of a lookup at once; MBIDs that MusicBrainz merged away are followed through
``recording_gid_redirect`` to the recording they now belong to.

Our own mirror also holds ``acoustid_recording_summary`` (built by each import, see
``summary``): with ``summaries=True`` each MBID is one probe of that table (two for a
redirected one) instead of some fifty probes of MusicBrainz's tables. Both paths give the
same ``MirrorData``; a real MusicBrainz database has no summaries and takes the other one.
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
    gid: str  # as text: the answer's ids are strings
    title: str
    length: int | None
    artist_credit: int
    isrcs: list[str] = field(default_factory=list)


@dataclass
class TrackRow:
    """One appearance of a recording: the track, its medium and release."""

    recording: int
    gid: str  # as text: the answer's ids are strings
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
    gid: str  # as text: the answer's ids are strings
    title: str
    artist_credit: int
    release_group: int
    medium_count: int = 0
    track_count: int = 0
    events: list[ReleaseEvent] = field(default_factory=list)


@dataclass
class ReleaseGroup:
    id: int
    gid: str  # as text: the answer's ids are strings
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


# Each requested MBID (q.n its position) and the recording it names: its own, else the one a
# redirect leads to. Both statements below start from it.
_REQUESTED_RECORDINGS = """
FROM unnest(%(mbids)s::uuid[]) WITH ORDINALITY AS q (gid, n)
CROSS JOIN LATERAL (
    SELECT own.id, own.gid, own.name, own.length, own.artist_credit
    FROM musicbrainz.recording AS own WHERE own.gid = q.gid
    UNION ALL
    SELECT target.id, target.gid, target.name, target.length, target.artist_credit
    FROM musicbrainz.recording_gid_redirect AS rd
    JOIN musicbrainz.recording AS target ON target.id = rd.new_id
    WHERE rd.gid = q.gid
    LIMIT 1
) AS r
"""

# One statement for everything a lookup's levels need, each part read for all MBIDs at once
# and returned as JSON: one round trip and one (generic, prepared) plan per lookup. Index
# probes are most of what it costs (about 500 for ten results of three MBIDs with their
# releases), so each row is reached by one probe of an index MusicBrainz itself has: a
# recording by its gid (a redirect only when that misses), tracks by recording, media and
# events by release, artist credit names by credit. Each step probes with an array of the ids
# the step before found (= ANY(ARRAY(...)), never a join the planner might turn into a scan of
# a big table). Rows come flat and the caller groups and orders them: a sorted aggregate per
# release or per credit (a sort set up for every group) cost more than the probes themselves.
# %(releases)s, %(groups)s and %(isrcs)s switch parts off. Requested MBIDs are answered by
# position, and gids come as text: the caller builds no UUID objects.
_READ = (
    """
WITH recordings AS MATERIALIZED (
    SELECT q.n, r.id, r.gid, r.name, r.length, r.artist_credit
    """
    + _REQUESTED_RECORDINGS
    + """),
tracks AS MATERIALIZED (
    SELECT t.recording, t.gid, t.position, t.name, t.artist_credit, t.length, m.position AS medium_position,
        m.track_count, m.name AS medium_name, mf.name AS format_name, m.release
    FROM musicbrainz.track AS t
    JOIN musicbrainz.medium AS m ON m.id = t.medium
    LEFT JOIN musicbrainz.medium_format AS mf ON mf.id = m.format
    WHERE %(releases)s AND t.recording = ANY(ARRAY(SELECT DISTINCT recordings.id FROM recordings))
),
releases AS MATERIALIZED (
    SELECT r.id, r.gid, r.name, r.artist_credit, r.release_group FROM musicbrainz.release AS r
    WHERE r.id = ANY(ARRAY(SELECT DISTINCT tracks.release FROM tracks))
),
release_groups AS MATERIALIZED (
    SELECT rg.id, rg.gid, rg.name, rg.artist_credit, pt.name AS type_name
    FROM musicbrainz.release_group AS rg
    LEFT JOIN musicbrainz.release_group_primary_type AS pt ON pt.id = rg.type
    WHERE %(groups)s AND rg.id = ANY(ARRAY(SELECT DISTINCT releases.release_group FROM releases))
)
SELECT
    (SELECT json_agg(json_build_array(r.n, r.id, r.gid, r.name, r.length, r.artist_credit))
        FROM recordings AS r),
    (SELECT json_agg(json_build_array(t.recording, t.gid, t.position, t.name, t.artist_credit, t.length,
            t.medium_position, t.track_count, t.medium_name, t.format_name, t.release)
        ORDER BY t.recording, t.release, t.medium_position, t.position)
        FROM tracks AS t),
    (SELECT json_agg(json_build_array(r.id, r.gid, r.name, r.artist_credit, r.release_group))
        FROM releases AS r),
    (SELECT json_agg(json_build_array(m.release, m.track_count))
        FROM musicbrainz.medium AS m
        WHERE m.release = ANY(ARRAY(SELECT releases.id FROM releases))),
    -- both halves of MusicBrainz's release_event view
    (SELECT json_agg(json_build_array(rc.release, iso.code, rc.date_year, rc.date_month, rc.date_day))
        FROM musicbrainz.release_country AS rc
        LEFT JOIN musicbrainz.iso_3166_1 AS iso ON iso.area = rc.country
        WHERE rc.release = ANY(ARRAY(SELECT releases.id FROM releases))),
    (SELECT json_agg(json_build_array(ruc.release, NULL, ruc.date_year, ruc.date_month, ruc.date_day))
        FROM musicbrainz.release_unknown_country AS ruc
        WHERE ruc.release = ANY(ARRAY(SELECT releases.id FROM releases))),
    (SELECT json_agg(json_build_array(g.id, g.gid, g.name, g.artist_credit, g.type_name))
        FROM release_groups AS g),
    (SELECT json_agg(json_build_array(j.release_group, st.name) ORDER BY st.child_order, st.name)
        FROM musicbrainz.release_group_secondary_type_join AS j
        JOIN musicbrainz.release_group_secondary_type AS st ON st.id = j.secondary_type
        WHERE j.release_group = ANY(ARRAY(SELECT release_groups.id FROM release_groups))),
    (SELECT json_agg(json_build_array(i.recording, i.isrc) ORDER BY i.isrc)
        FROM musicbrainz.isrc AS i
        WHERE %(isrcs)s AND i.recording = ANY(ARRAY(SELECT recordings.id FROM recordings))),
    (SELECT json_agg(json_build_array(acn.artist_credit, a.gid, acn.name, acn.join_phrase)
            ORDER BY acn.artist_credit, acn.position)
        FROM musicbrainz.artist_credit_name AS acn
        JOIN musicbrainz.artist AS a ON a.id = acn.artist
        WHERE acn.artist_credit = ANY(ARRAY(
            SELECT recordings.artist_credit FROM recordings
            UNION SELECT tracks.artist_credit FROM tracks
            UNION SELECT releases.artist_credit FROM releases
            UNION SELECT release_groups.artist_credit FROM release_groups)))
"""
)


# Recordings alone (the commonest request): a small statement, cheaper to run than the
# whole one with its other parts switched off.
_RECORDINGS_ONLY = (
    """
SELECT q.n, r.id, r.gid::text, r.name, r.length, r.artist_credit,
    (SELECT json_agg(json_build_array(a.gid, acn.name, acn.join_phrase) ORDER BY acn.position)
        FROM musicbrainz.artist_credit_name AS acn JOIN musicbrainz.artist AS a ON a.id = acn.artist
        WHERE acn.artist_credit = r.artist_credit),
    CASE WHEN %(isrcs)s THEN array(SELECT i.isrc FROM musicbrainz.isrc AS i WHERE i.recording = r.id) END
"""
    + _REQUESTED_RECORDINGS
)


# The summary path: one row per requested MBID found, the appearances only when releases
# are asked for (left unread, and so never decompressed, otherwise).
_SUMMARIES = """
SELECT q.n, s.id, s.gid::text, s.name, s.length, s.artist_credit, s.artists,
    CASE WHEN %(isrcs)s THEN s.isrcs END,
    CASE WHEN %(releases)s THEN s.appearances END
FROM unnest(%(mbids)s::uuid[]) WITH ORDINALITY AS q (gid, n)
CROSS JOIN LATERAL (
    SELECT own.* FROM musicbrainz.acoustid_recording_summary AS own WHERE own.gid = q.gid
    UNION ALL
    SELECT target.*
    FROM musicbrainz.recording_gid_redirect AS rd
    JOIN musicbrainz.acoustid_recording_summary AS target ON target.id = rd.new_id
    WHERE rd.gid = q.gid
    LIMIT 1
) AS s
"""


def has_summaries(conn: psycopg.Connection[Any]) -> bool:
    """Whether the database on ``conn`` is our mirror, with its recording summaries.

    A MusicBrainz database has no summary table; a mirror migrated from before the summaries
    has an empty one until its next import: both are read from MusicBrainz's tables.
    """
    row = conn.execute("SELECT to_regclass('musicbrainz.acoustid_recording_summary') IS NOT NULL").fetchone()
    if not (row and row[0]):
        return False
    row = conn.execute(
        """SELECT EXISTS (SELECT FROM musicbrainz.acoustid_recording_summary)
            OR NOT EXISTS (SELECT FROM musicbrainz.recording)"""
    ).fetchone()
    return bool(row and row[0])


def read(
    conn: psycopg.Connection[Any],
    mbids: Collection[uuid.UUID],
    *,
    releases: bool = False,
    release_groups: bool = False,
    isrcs: bool = False,
    summaries: bool = False,
) -> MirrorData:
    """The mirror's rows for ``mbids``: recordings always, the rest when asked (one statement).

    ``summaries`` reads them from ``acoustid_recording_summary`` (our mirror has it: see
    ``has_summaries``), otherwise from MusicBrainz's own tables.
    """
    data = MirrorData()
    if not mbids:
        return data
    requested = list(mbids)
    if summaries:
        return _read_summaries(conn, requested, releases or release_groups, release_groups, isrcs)
    if not (releases or release_groups):
        return _read_recordings(conn, requested, isrcs)
    params = {
        "mbids": requested,
        "releases": releases or release_groups,
        "groups": release_groups,
        "isrcs": isrcs,
    }
    row = conn.execute(_READ, params).fetchone()
    assert row is not None
    (
        recordings,
        tracks,
        release_rows,
        media,
        countries,
        unknown_countries,
        groups,
        secondary,
        codes,
        credits,
    ) = row
    by_id: dict[int, Recording] = {}
    for n, rid, gid, title, length, credit in recordings or ():
        recording = by_id.get(rid)
        if recording is None:
            recording = by_id[rid] = Recording(rid, gid, title, length, credit)
        data.recordings[requested[n - 1]] = recording
    for rid, code in codes or ():
        by_id[rid].isrcs.append(code.strip())
    for track in tracks or ():
        data.tracks.setdefault(track[0], []).append(TrackRow(*track))
    for rid, gid, title, credit, group in release_rows or ():
        data.releases[rid] = Release(rid, gid, title, credit, group)
    for rid, track_count in media or ():
        release = data.releases[rid]
        release.medium_count += 1
        release.track_count += track_count or 0
    for rid, *event in (countries or []) + (unknown_countries or []):
        data.releases[rid].events.append(ReleaseEvent(*event))
    for release in data.releases.values():
        if len(release.events) > 1:
            release.events.sort(key=_earliest_first)
    for rid, gid, title, credit, primary in groups or ():
        data.release_groups[rid] = ReleaseGroup(rid, gid, title, credit, primary)
    for rid, name in secondary or ():
        data.release_groups[rid].secondary_types.append(name)
    for credit, gid, name, join_phrase in credits or ():
        data.artists.setdefault(credit, []).append(_artist(gid, name, join_phrase))
    return data


def _earliest_first(event: ReleaseEvent) -> tuple[Any, ...]:
    """MusicBrainz's order of release events: by date (unknown parts last), then country."""
    return (
        event.year is None, event.year or 0,
        event.month is None, event.month or 0,
        event.day is None, event.day or 0,
        event.country is None, event.country or "",
    )  # fmt: skip


def _read_recordings(conn: psycopg.Connection[Any], requested: list[uuid.UUID], isrcs: bool) -> MirrorData:
    data = MirrorData()
    by_id: dict[int, Recording] = {}
    rows = conn.execute(_RECORDINGS_ONLY, {"mbids": requested, "isrcs": isrcs})
    for n, rid, gid, title, length, credit, artists, codes in rows:
        if rid not in by_id:
            by_id[rid] = Recording(rid, gid, title, length, credit, sorted(c.strip() for c in codes or ()))
        data.recordings[requested[n - 1]] = by_id[rid]
        data.artists[credit] = [_artist(*artist) for artist in artists or ()]
    return data


def _read_summaries(
    conn: psycopg.Connection[Any], requested: list[uuid.UUID], releases: bool, groups: bool, isrcs: bool
) -> MirrorData:
    data = MirrorData()
    by_id: dict[int, Recording] = {}
    rows = conn.execute(_SUMMARIES, {"mbids": requested, "isrcs": isrcs, "releases": releases})
    for n, rid, gid, title, length, credit, artists, codes, appearances in rows:
        recording = by_id.get(rid)
        if recording is None:  # two MBIDs of one recording: its summary is read twice, used once
            recording = by_id[rid] = Recording(rid, gid, title, length, credit, list(codes or ()))
            data.artists[credit] = artists or []
            if appearances is not None:
                _add_appearances(data, rid, appearances, groups)
        data.recordings[requested[n - 1]] = recording
    return data


def _add_appearances(data: MirrorData, recording: int, appearances: list[Any], groups: bool) -> None:
    """A summary's tracks, releases, release groups and credits (arrays in the build's order)."""
    tracks, releases, release_groups, credits = appearances
    data.tracks[recording] = [TrackRow(recording, *track) for track in tracks]
    known = data.releases
    for rid, gid, title, credit, group, medium_count, track_count, events in releases:
        if rid not in known:
            known[rid] = Release(
                rid, gid, title, credit, group, medium_count, track_count, [ReleaseEvent(*e) for e in events]
            )
    if groups:
        for rid, gid, title, credit, primary, secondary in release_groups:
            if rid not in data.release_groups:
                data.release_groups[rid] = ReleaseGroup(rid, gid, title, credit, primary, secondary)
    for credit, artists in credits:
        data.artists[credit] = artists


def _artist(gid: str, name: str, join_phrase: str) -> dict[str, str]:
    """One credited artist; ``joinphrase`` only where there is one, as AcoustID does."""
    artist = {"id": gid, "name": name}
    if join_phrase:
        artist["joinphrase"] = join_phrase
    return artist
