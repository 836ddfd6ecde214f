"""Reading what lookups need from a MusicBrainz database (our mirror or a real one).

Only the tables and columns that both our mirror and a MusicBrainz server's own schema
have are read, so ``--musicbrainz-dsn`` can point at either. One statement reads all the
MBIDs of a lookup at once; MBIDs that MusicBrainz merged away are followed through
``recording_gid_redirect`` to the recording they now belong to.
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


# One statement for everything a lookup's levels need, each part read for all MBIDs at once
# and returned as JSON: one round trip and one (generic, prepared) plan per lookup. Index
# probes are what it costs (about 500 for ten results of three MBIDs with their releases),
# so each row is reached by one probe of an index MusicBrainz itself has: a recording by its
# gid (a redirect only when that misses), tracks by recording, a release's media and events
# by release, once per release (LATERAL, no sort and merge of the whole set). Each step probes
# with an array of the ids the step before found (= ANY(ARRAY(...)), never a join the planner
# might turn into a scan of a big table); %(releases)s, %(groups)s and %(isrcs)s switch parts
# off. Requested MBIDs are answered by position, and gids come as text: the caller builds
# no UUID objects.
_READ = """
WITH recordings AS MATERIALIZED (
    SELECT q.n, r.id, r.gid, r.name, r.length, r.artist_credit
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
),
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
    SELECT rg.id, rg.gid, rg.name, rg.artist_credit, pt.name AS type_name,
        array(SELECT st.name FROM musicbrainz.release_group_secondary_type_join AS j
            JOIN musicbrainz.release_group_secondary_type AS st ON st.id = j.secondary_type
            WHERE j.release_group = rg.id ORDER BY st.child_order, st.name) AS secondary
    FROM musicbrainz.release_group AS rg
    LEFT JOIN musicbrainz.release_group_primary_type AS pt ON pt.id = rg.type
    WHERE %(groups)s AND rg.id = ANY(ARRAY(SELECT DISTINCT releases.release_group FROM releases))
),
credits AS (
    SELECT acn.artist_credit,
        json_agg(json_build_array(a.gid, acn.name, acn.join_phrase) ORDER BY acn.position) AS artists
    FROM musicbrainz.artist_credit_name AS acn
    JOIN musicbrainz.artist AS a ON a.id = acn.artist
    WHERE acn.artist_credit = ANY(ARRAY(
        SELECT recordings.artist_credit FROM recordings
        UNION SELECT tracks.artist_credit FROM tracks
        UNION SELECT releases.artist_credit FROM releases
        UNION SELECT release_groups.artist_credit FROM release_groups))
    GROUP BY acn.artist_credit
)
SELECT
    (SELECT json_agg(json_build_array(r.n, r.id, r.gid, r.name, r.length, r.artist_credit))
        FROM recordings AS r),
    (SELECT json_agg(json_build_array(t.recording, t.gid, t.position, t.name, t.artist_credit, t.length,
            t.medium_position, t.track_count, t.medium_name, t.format_name, t.release)
        ORDER BY t.recording, t.release, t.medium_position, t.position)
        FROM tracks AS t),
    (SELECT json_agg(json_build_array(r.id, r.gid, r.name, r.artist_credit, r.release_group,
            media.medium_count, media.track_count, events.events))
        FROM releases AS r
        CROSS JOIN LATERAL (
            SELECT count(*) AS medium_count, coalesce(sum(m.track_count), 0) AS track_count
            FROM musicbrainz.medium AS m WHERE m.release = r.id
        ) AS media
        -- both halves of MusicBrainz's release_event view, the earliest event first
        CROSS JOIN LATERAL (
            SELECT json_agg(json_build_array(e.code, e.date_year, e.date_month, e.date_day)
                ORDER BY e.date_year NULLS LAST, e.date_month NULLS LAST, e.date_day NULLS LAST,
                    e.code NULLS LAST) AS events
            FROM (
                SELECT (SELECT iso.code FROM musicbrainz.iso_3166_1 AS iso WHERE iso.area = rc.country)
                    AS code, rc.date_year, rc.date_month, rc.date_day
                FROM musicbrainz.release_country AS rc WHERE rc.release = r.id
                UNION ALL
                SELECT NULL, ruc.date_year, ruc.date_month, ruc.date_day
                FROM musicbrainz.release_unknown_country AS ruc WHERE ruc.release = r.id
            ) AS e
        ) AS events),
    (SELECT json_agg(json_build_array(g.id, g.gid, g.name, g.artist_credit, g.type_name, g.secondary))
        FROM release_groups AS g),
    (SELECT json_agg(json_build_array(i.recording, i.isrc) ORDER BY i.isrc)
        FROM musicbrainz.isrc AS i
        WHERE %(isrcs)s AND i.recording = ANY(ARRAY(SELECT recordings.id FROM recordings))),
    (SELECT json_object_agg(c.artist_credit, c.artists) FROM credits AS c)
"""


# Recordings alone (the commonest request): a small statement, cheaper to run than the
# whole one with its other parts switched off.
_RECORDINGS_ONLY = """
SELECT q.n, r.id, r.gid::text, r.name, r.length, r.artist_credit,
    (SELECT json_agg(json_build_array(a.gid, acn.name, acn.join_phrase) ORDER BY acn.position)
        FROM musicbrainz.artist_credit_name AS acn JOIN musicbrainz.artist AS a ON a.id = acn.artist
        WHERE acn.artist_credit = r.artist_credit),
    CASE WHEN %(isrcs)s THEN array(SELECT i.isrc FROM musicbrainz.isrc AS i WHERE i.recording = r.id) END
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


def read(
    conn: psycopg.Connection[Any],
    mbids: Collection[uuid.UUID],
    *,
    releases: bool = False,
    release_groups: bool = False,
    isrcs: bool = False,
) -> MirrorData:
    """The mirror's rows for ``mbids``: recordings always, the rest when asked (one statement)."""
    data = MirrorData()
    if not mbids:
        return data
    requested = list(mbids)
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
    recordings, tracks, release_rows, group_rows, isrc_rows, credits = row
    by_id: dict[int, Recording] = {}
    for n, rid, gid, title, length, credit in recordings or ():
        recording = by_id.get(rid)
        if recording is None:
            recording = by_id[rid] = Recording(rid, gid, title, length, credit)
        data.recordings[requested[n - 1]] = recording
    for rid, code in isrc_rows or ():
        by_id[rid].isrcs.append(code.strip())
    for track in tracks or ():
        data.tracks.setdefault(track[0], []).append(TrackRow(*track))
    for rid, gid, title, credit, group, mediums, track_count, events in release_rows or ():
        release = Release(rid, gid, title, credit, group, mediums, track_count)
        release.events = [ReleaseEvent(*event) for event in events or ()]
        data.releases[rid] = release
    for rid, gid, title, credit, primary, secondary in group_rows or ():
        data.release_groups[rid] = ReleaseGroup(rid, gid, title, credit, primary, secondary)
    for credit, artists in (credits or {}).items():
        data.artists[int(credit)] = [_artist(gid, name, join_phrase) for gid, name, join_phrase in artists]
    return data


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


def _artist(gid: str, name: str, join_phrase: str) -> dict[str, str]:
    """One credited artist; ``joinphrase`` only where there is one, as AcoustID does."""
    artist = {"id": gid, "name": name}
    if join_phrase:
        artist["joinphrase"] = join_phrase
    return artist
