"""Every ``meta`` level's JSON, read from an imported sample dump, against hand-written answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from acoustid_pg.errors import InvalidArgumentError
from acoustid_pg.lookup import Mbid, Meta
from acoustid_pg.musicbrainz import mirror_read
from acoustid_pg.musicbrainz.mirror_import import import_dump
from acoustid_pg.musicbrainz.shapes import needs, parse_meta, result_metadata
from tests.support import musicbrainz_sample as mb
from tests.support.musicbrainz_sample import write_sample

ALVA_AND_SAKAMOTO = [
    {"id": mb.ALVA, "name": "Alva Noto", "joinphrase": " & "},
    {"id": mb.SAKAMOTO, "name": "Ryuichi Sakamoto"},
]
ALVA = [{"id": mb.ALVA, "name": "Alva Noto"}]
VARIOUS = [{"id": mb.VARIOUS, "name": "Various Artists"}]
ALBUM = "XVI Reflections on Classical Music"
COMPILATION = "Two Discs \\ Live"
MOON_FIELDS = {"title": "Moon", "duration": 367.0, "artists": ALVA_AND_SAKAMOTO}
ALBUM_EVENTS = {
    "releaseevents": [
        {"country": "GB", "date": {"year": 2009, "month": 11, "day": 23}},
        {"country": "DE", "date": {"year": 2009}},
    ],
    "country": "GB",
    "date": {"year": 2009, "month": 11, "day": 23},
}
REISSUE_EVENTS = {"releaseevents": [{"date": {"year": 2010, "month": 1}}], "date": {"year": 2010, "month": 1}}


@dataclass(frozen=True)
class SampleMirror:
    """The imported sample, and which way to read it: summaries, or MusicBrainz's tables."""

    conn: psycopg.Connection
    summaries: bool


@pytest.fixture(scope="module")
def sample_conn(
    tmp_path_factory: pytest.TempPathFactory, cluster: Any, mirror_template: str
) -> Iterator[Any]:
    from tests.support.fixtures_cluster import new_database

    name = new_database(cluster, prefix="musicbrainz_shapes", template=mirror_template)
    path = write_sample(Path(tmp_path_factory.mktemp("dump")) / "mbdump.tar.bz2")
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        import_dump(conn, path)
        yield conn


# Every answer is checked on both read paths: our mirror's summaries and the statement over
# MusicBrainz's own tables that a real MusicBrainz database (--musicbrainz-dsn) gets.
@pytest.fixture(params=["summaries", "fallback"])
def mirror(request: pytest.FixtureRequest, sample_conn: psycopg.Connection) -> SampleMirror:
    return SampleMirror(sample_conn, request.param == "summaries")


def shaped(
    mirror: SampleMirror, meta: str, mbids: list[tuple[str, int]], metas: tuple[Meta, ...] = ()
) -> Any:
    levels = parse_meta(meta)
    releases, groups, isrcs = needs(levels)
    links = [Mbid(uuid.UUID(m), count) for m, count in mbids]
    data = mirror_read.read(
        mirror.conn,
        [link.mbid for link in links],
        releases=releases,
        release_groups=groups,
        isrcs=isrcs,
        summaries=mirror.summaries,
    )
    return result_metadata(levels, links, metas, data)


def test_the_sample_has_one_summary_per_recording(sample_conn: psycopg.Connection) -> None:
    assert mirror_read.has_summaries(sample_conn)
    counts = sample_conn.execute(
        """SELECT (SELECT count(*) FROM musicbrainz.recording),
            (SELECT count(*) FROM musicbrainz.acoustid_recording_summary)"""
    ).fetchone()
    assert counts is not None and counts[0] == counts[1] > 0


def test_recordings_with_artists_escapes_and_unknown_mbids(mirror: SampleMirror) -> None:
    got = shaped(mirror, "recordings sources", [(mb.MOON, 3), (mb.ESCAPED, 1), (mb.MISSING_MBID, 2)])
    assert got == {
        "recordings": [
            {"id": mb.MOON, "sources": 3, **MOON_FIELDS},
            {"id": mb.ESCAPED, "sources": 1, "title": mb.ESCAPED_TITLE, "artists": ALVA},
            {"id": mb.MISSING_MBID, "sources": 2},
        ]
    }


def test_recordingids_and_isrcs(mirror: SampleMirror) -> None:
    assert shaped(mirror, "1", [(mb.MOON, 1), (mb.MISSING_MBID, 1)]) == {
        "recordings": [{"id": mb.MOON}, {"id": mb.MISSING_MBID}]
    }
    assert shaped(mirror, "recordings isrcs", [(mb.MOON, 1)]) == {
        "recordings": [{"id": mb.MOON, **MOON_FIELDS, "isrcs": ["DEA620900101", "GBAAA0900001"]}]
    }


def test_redirected_mbid_is_its_target_recording(mirror: SampleMirror) -> None:
    got = shaped(mirror, "recordings sources", [(mb.MOON_OLD, 2), (mb.MOON, 3)])
    assert got == {"recordings": [{"id": mb.MOON, "sources": 5, **MOON_FIELDS}]}
    alone = shaped(mirror, "recordings", [(mb.MOON_OLD, 2)])
    assert alone == {"recordings": [{"id": mb.MOON, **MOON_FIELDS}]}


def test_picard_request(mirror: SampleMirror) -> None:
    got = shaped(mirror, "recordings releasegroups releases tracks compress sources", [(mb.MOON, 4)])
    album_group = {
        "id": mb.RG_ALBUM,
        "title": ALBUM,
        "type": "Album",
        "releases": [
            {
                "id": mb.REL_ALBUM,
                "medium_count": 1,
                "track_count": 16,
                **ALBUM_EVENTS,
                "mediums": [
                    {
                        "position": 1,
                        "track_count": 16,
                        "format": "CD",
                        "tracks": [{"id": mb.TRACK_ALBUM, "position": 5}],
                    }
                ],
            },
            {
                "id": mb.REL_REISSUE,
                "medium_count": 1,
                "track_count": 16,
                **REISSUE_EVENTS,
                "mediums": [
                    {
                        "position": 1,
                        "track_count": 16,
                        "format": "Digital Media",
                        "tracks": [{"id": mb.TRACK_REISSUE, "position": 5}],
                    }
                ],
            },
        ],
    }
    compilation_group = {
        "id": mb.RG_COMPILATION,
        "title": COMPILATION,
        "type": "Album",
        "secondarytypes": ["Compilation", "Live"],
        "artists": VARIOUS,
        "releases": [
            {
                "id": mb.REL_COMPILATION,
                "medium_count": 2,
                "track_count": 4,
                "mediums": [
                    {
                        "position": 1,
                        "track_count": 2,
                        "format": "CD",
                        "title": "Disc One",
                        "tracks": [
                            {
                                "id": mb.TRACK_DISC1_MOON_LIVE,
                                "position": 2,
                                "title": "Moon (live)",
                                "artists": ALVA_AND_SAKAMOTO,
                            }
                        ],
                    },
                    {"position": 2, "track_count": 2, "tracks": [{"id": mb.TRACK_DISC2_MOON, "position": 2}]},
                ],
            }
        ],
    }
    assert got == {
        "recordings": [
            {"id": mb.MOON, "sources": 4, **MOON_FIELDS, "releasegroups": [album_group, compilation_group]}
        ]
    }
    # Every release Picard sees carries mediums.
    releases = [r for g in got["recordings"][0]["releasegroups"] for r in g["releases"]]
    assert releases and all("mediums" in r for r in releases)


def test_compress_applies_to_every_release_group(mirror: SampleMirror) -> None:
    """AcoustID compresses only the last release group's artists; both are compressed here."""
    got = shaped(mirror, "recordings releasegroups compress", [(mb.MOON, 1)])
    groups = got["recordings"][0]["releasegroups"]
    assert [g["id"] for g in groups] == [mb.RG_ALBUM, mb.RG_COMPILATION]
    assert "artists" not in groups[0]  # equal to the recording's: dropped
    assert groups[1]["artists"] == VARIOUS


def test_beets_request_recordings_releases(mirror: SampleMirror) -> None:
    got = shaped(mirror, "recordings releases", [(mb.MOON, 1), (mb.ESCAPED, 1)])
    assert got == {
        "recordings": [
            {
                "id": mb.MOON,
                **MOON_FIELDS,
                "releases": [
                    {
                        "id": mb.REL_ALBUM,
                        "title": ALBUM,
                        "medium_count": 1,
                        "track_count": 16,
                        "artists": ALVA_AND_SAKAMOTO,
                        **ALBUM_EVENTS,
                    },
                    {
                        "id": mb.REL_REISSUE,
                        "title": ALBUM,
                        "medium_count": 1,
                        "track_count": 16,
                        "artists": ALVA_AND_SAKAMOTO,
                        **REISSUE_EVENTS,
                    },
                    {
                        "id": mb.REL_COMPILATION,
                        "title": COMPILATION,
                        "medium_count": 2,
                        "track_count": 4,
                        "artists": VARIOUS,
                    },
                ],
            },
            # On no release: AcoustID drops its title; here it keeps it, with no releases.
            {"id": mb.ESCAPED, "title": mb.ESCAPED_TITLE, "artists": ALVA, "releases": []},
        ]
    }


def test_release_levels_without_recordings(mirror: SampleMirror) -> None:
    got = shaped(mirror, "releasegroupids releaseids", [(mb.MOON, 1), (mb.MISSING_MBID, 1)])
    assert got == {
        "releasegroups": [
            {"id": mb.RG_ALBUM, "releases": [{"id": mb.REL_ALBUM}, {"id": mb.REL_REISSUE}]},
            {"id": mb.RG_COMPILATION, "releases": [{"id": mb.REL_COMPILATION}]},
        ]
    }
    assert shaped(mirror, "releaseids", [(mb.LANDSCAPE, 1)]) == {"releases": [{"id": mb.REL_COMPILATION}]}
    assert shaped(mirror, "releases", [(mb.ESCAPED, 1)]) == {"releases": []}


def test_m2_tolerates_a_track_without_length(mirror: SampleMirror) -> None:
    got = shaped(mirror, "2", [(mb.MOON, 1), (mb.MISSING_MBID, 1)])

    def medium(release: str, title: str, position: int, count: int, fmt: str | None) -> dict[str, Any]:
        shaped_medium: dict[str, Any] = {
            "track_count": count,
            "position": position,
            "release": {"id": release, "title": title},
        }
        if fmt:
            shaped_medium["format"] = fmt
        return shaped_medium

    assert got == {
        "recordings": [
            {
                "id": mb.MOON,
                "duration": 367.0,
                "tracks": [
                    {"title": "Moon", "artists": ALVA_AND_SAKAMOTO, "position": 5, "duration": 367.0,
                     "medium": medium(mb.REL_ALBUM, ALBUM, 1, 16, "CD")},
                    {"title": "Moon", "artists": ALVA_AND_SAKAMOTO, "position": 5,
                     "medium": medium(mb.REL_REISSUE, ALBUM, 1, 16, "Digital Media")},
                    {"title": "Moon (live)", "artists": ALVA_AND_SAKAMOTO, "position": 2, "duration": 370.0,
                     "medium": medium(mb.REL_COMPILATION, COMPILATION, 1, 2, "CD")},
                    {"title": "Moon", "artists": VARIOUS, "position": 2, "duration": 367.0,
                     "medium": medium(mb.REL_COMPILATION, COMPILATION, 2, 2, None)},
                ],
            },
            {"id": mb.MISSING_MBID},
        ]
    }  # fmt: skip


def test_usermeta_only_for_tracks_musicbrainz_does_not_know(mirror: SampleMirror) -> None:
    metas = (Meta(track="Custom", artist="Someone", album="Alb", album_artist="Band", track_no=3, year=2001),)
    got = shaped(mirror, "recordings releases tracks usermeta", [(mb.MISSING_MBID, 1)], metas)
    assert got == {
        "recordings": [
            {"id": mb.MISSING_MBID},
            {
                "id": None,
                "title": "Custom",
                "artists": [{"name": "Someone"}],
                "releases": [
                    {
                        "title": "Alb",
                        "artists": [{"name": "Band"}],
                        "releaseevents": [{"date": {"year": 2001}}],
                        "date": {"year": 2001},
                        "mediums": [
                            {"tracks": [{"position": 3, "title": "Custom", "artists": [{"name": "Someone"}]}]}
                        ],
                    }
                ],
            },
        ]
    }
    known = shaped(mirror, "recordings usermeta", [(mb.MOON, 1)], metas)
    assert known == {"recordings": [{"id": mb.MOON, **MOON_FIELDS}]}


def test_parse_meta() -> None:
    assert parse_meta("0") == frozenset()
    assert parse_meta("") == frozenset()
    assert parse_meta(None) == frozenset()
    assert parse_meta("1") == {"recordingids"}
    assert parse_meta("2") == {"m2"}
    assert parse_meta("recordings+releases compress") == {"recordings", "releases", "compress"}
    assert parse_meta(["recordings", "tracks"]) == {"recordings", "tracks"}
    assert parse_meta("recordings bogus", strict=False) == {"recordings"}
    with pytest.raises(InvalidArgumentError, match=r"unknown level.*bogus"):
        parse_meta("recordings bogus")
