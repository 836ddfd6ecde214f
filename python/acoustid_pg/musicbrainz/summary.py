"""Building ``musicbrainz.acoustid_recording_summary``: what lookups read, one row per recording.

MusicBrainz's layout is normalized: the releases of ten results with three MBIDs each take
about 500 index probes over a dozen tables. The import therefore ends by folding, for every
recording, what the meta levels read into one row of our own table (not a MusicBrainz one):

- ``artists``: the recording's artist credit, as the answer's artist objects;
- ``isrcs``: its ISRCs;
- ``appearances``: ``[tracks, releases, release groups, credits]``, each a list of arrays in
  the order ``mirror_read`` builds its rows from (tracks already sorted by release, medium and
  position, release events by date), and ``credits`` the artists of every credit they name.

It is built from the staged tables, in the staging schema, before the swap: the swap moves it
in with them, so lookups never see tables without their summaries, and a failed import leaves
the old ones in place.
"""

from __future__ import annotations

from typing import Any, Final

import psycopg
from psycopg import sql

TABLE: Final = "acoustid_recording_summary"

# Set-based (hash joins and one aggregate per kind of row): a pass over each table, never a
# probe per recording. {s} is the staging schema.
_BUILD = """
INSERT INTO {s}.acoustid_recording_summary
    (gid, id, name, length, artist_credit, artists, isrcs, appearances)
WITH credits AS (
    SELECT acn.artist_credit AS id,
        json_agg(CASE WHEN coalesce(acn.join_phrase, '') = ''
                THEN json_build_object('id', a.gid, 'name', acn.name)
                ELSE json_build_object('id', a.gid, 'name', acn.name, 'joinphrase', acn.join_phrase) END
            ORDER BY acn.position) AS artists
    FROM {s}.artist_credit_name AS acn
    INNER JOIN {s}.artist AS a ON acn.artist = a.id
    GROUP BY acn.artist_credit
),
events AS (
    SELECT e.release,
        json_agg(json_build_array(e.country, e.date_year, e.date_month, e.date_day)
            ORDER BY e.date_year NULLS LAST, e.date_month NULLS LAST, e.date_day NULLS LAST,
                e.country NULLS LAST) AS events
    FROM (
        SELECT rc.release, iso.code::text AS country, rc.date_year, rc.date_month, rc.date_day
        FROM {s}.release_country AS rc
        LEFT JOIN {s}.iso_3166_1 AS iso ON rc.country = iso.area
        UNION ALL
        SELECT ruc.release, NULL, ruc.date_year, ruc.date_month, ruc.date_day
        FROM {s}.release_unknown_country AS ruc
    ) AS e
    GROUP BY e.release
),
media AS (
    SELECT m.release, count(*) AS medium_count, coalesce(sum(m.track_count), 0) AS track_count
    FROM {s}.medium AS m
    GROUP BY m.release
),
releases AS (
    SELECT r.id, r.release_group, r.artist_credit,
        json_build_array(r.id, r.gid, r.name, r.artist_credit, r.release_group,
            coalesce(media.medium_count, 0), coalesce(media.track_count, 0),
            coalesce(events.events, '[]')) AS summary
    FROM {s}.release AS r
    LEFT JOIN media ON r.id = media.release
    LEFT JOIN events ON r.id = events.release
),
secondary_types AS (
    SELECT j.release_group, json_agg(st.name ORDER BY st.child_order, st.name) AS names
    FROM {s}.release_group_secondary_type_join AS j
    INNER JOIN {s}.release_group_secondary_type AS st ON j.secondary_type = st.id
    GROUP BY j.release_group
),
release_groups AS (
    SELECT rg.id, rg.artist_credit,
        json_build_array(rg.id, rg.gid, rg.name, rg.artist_credit, pt.name,
            coalesce(secondary_types.names, '[]')) AS summary
    FROM {s}.release_group AS rg
    LEFT JOIN {s}.release_group_primary_type AS pt ON rg.type = pt.id
    LEFT JOIN secondary_types ON rg.id = secondary_types.release_group
),
tracks AS MATERIALIZED (
    SELECT t.recording, m.release, t.artist_credit, m.position AS medium_position, t.position,
        json_build_array(t.gid, t.position, t.name, t.artist_credit, t.length, m.position,
            m.track_count, m.name, mf.name, m.release) AS summary
    FROM {s}.track AS t
    INNER JOIN {s}.medium AS m ON t.medium = m.id
    LEFT JOIN {s}.medium_format AS mf ON m.format = mf.id
),
appearances AS MATERIALIZED (
    SELECT DISTINCT tracks.recording, releases.id AS release, releases.release_group
    FROM tracks
    INNER JOIN releases ON tracks.release = releases.id
),
recording_tracks AS (
    SELECT tracks.recording,
        json_agg(tracks.summary ORDER BY tracks.release, tracks.medium_position, tracks.position) AS rows
    FROM tracks
    GROUP BY tracks.recording
),
recording_releases AS (
    SELECT a.recording, json_agg(releases.summary) AS rows
    FROM appearances AS a
    INNER JOIN releases ON a.release = releases.id
    GROUP BY a.recording
),
recording_groups AS (
    SELECT g.recording, json_agg(release_groups.summary) AS rows
    FROM (SELECT DISTINCT a.recording, a.release_group FROM appearances AS a) AS g
    INNER JOIN release_groups ON g.release_group = release_groups.id
    GROUP BY g.recording
),
recording_credits AS (
    SELECT named.recording, json_agg(json_build_array(named.artist_credit, credits.artists)) AS rows
    FROM (
        SELECT tracks.recording, tracks.artist_credit FROM tracks
        UNION
        SELECT a.recording, releases.artist_credit
        FROM appearances AS a INNER JOIN releases ON a.release = releases.id
        UNION
        SELECT a.recording, release_groups.artist_credit
        FROM appearances AS a INNER JOIN release_groups ON a.release_group = release_groups.id
    ) AS named
    INNER JOIN credits ON named.artist_credit = credits.id
    GROUP BY named.recording
),
recording_isrcs AS (
    SELECT i.recording, array_agg(btrim(i.isrc::text) ORDER BY i.isrc) AS codes
    FROM {s}.isrc AS i
    GROUP BY i.recording
)
SELECT rec.gid, rec.id, rec.name, rec.length, rec.artist_credit, credits.artists, recording_isrcs.codes,
    CASE WHEN recording_tracks.recording IS NOT NULL THEN
        json_build_array(recording_tracks.rows, coalesce(recording_releases.rows, '[]'),
            coalesce(recording_groups.rows, '[]'), coalesce(recording_credits.rows, '[]'))
    END
FROM {s}.recording AS rec
LEFT JOIN credits ON rec.artist_credit = credits.id
LEFT JOIN recording_isrcs ON rec.id = recording_isrcs.recording
LEFT JOIN recording_tracks ON rec.id = recording_tracks.recording
LEFT JOIN recording_releases ON rec.id = recording_releases.recording
LEFT JOIN recording_groups ON rec.id = recording_groups.recording
LEFT JOIN recording_credits ON rec.id = recording_credits.recording
"""


def build(conn: psycopg.Connection[Any], live: str, staging: str) -> int:
    """Create and fill ``staging``'s summary table from ``staging``'s tables; its row count.

    Shaped like ``live``'s (``CREATE TABLE ... LIKE``), its indexes built after the rows are in.
    The caller copies the live table's constraints and grants, and commits.
    """
    target = sql.Identifier(staging, TABLE)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
    conn.execute(sql.SQL("CREATE TABLE {} (LIKE {})").format(target, sql.Identifier(live, TABLE)))
    # The aggregates hash a million recordings' rows: give them room rather than spill.
    conn.execute("SET LOCAL work_mem = '256MB'")
    query = sql.SQL(_BUILD).format(s=sql.Identifier(staging))
    return conn.execute(query).rowcount
