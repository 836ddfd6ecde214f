"""Lookups with ``meta`` through the driver: MusicBrainz metadata on each match."""

from __future__ import annotations

import random
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

import acoustid_pg
from acoustid_pg import deploy
from acoustid_pg.cluster import Cluster
from acoustid_pg.errors import InvalidArgumentError, SettingsError
from acoustid_pg.settings import Settings
from tests.support import musicbrainz_sample as mb
from tests.support.driver import new_submitter, walk
from tests.support.fixtures_cluster import new_database
from tests.support.management import Deployment, server_conninfo

ALVA_AND_SAKAMOTO = [
    {"id": mb.ALVA, "name": "Alva Noto", "joinphrase": " & "},
    {"id": mb.SAKAMOTO, "name": "Ryuichi Sakamoto"},
]
MOON = {"id": mb.MOON, "title": "Moon", "duration": 367.0, "artists": ALVA_AND_SAKAMOTO}


@pytest.fixture(scope="module")
def tracks(mb_deployment: Deployment) -> dict[str, list[int]]:
    """Track "moon" (MBIDs MOON twice, and MOON_OLD, which MusicBrainz merged into it) and track
    "unknown" (an MBID MusicBrainz lacks, and submitted metadata)."""
    client = mb_deployment.client
    submitter = new_submitter(mb_deployment)
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    rng = random.Random(5)
    moon, unknown = walk(rng), walk(rng)
    client.submit(moon, 100, mbids=[mb.MOON, mb.MOON_OLD], **who)
    client.submit(moon, 100, mbids=[mb.MOON], **who)
    meta = {"track": "Custom", "artist": "Someone", "album": "Alb", "year": 2001, "track_no": 3}
    client.submit(unknown, 200, mbids=[mb.MISSING_MBID], meta=meta, **who)
    assert len(client.process_submissions(10)) == 4
    return {"moon": moon, "unknown": unknown}


def test_lookup_without_meta_has_no_metadata(mb_deployment: Deployment, tracks: dict[str, list[int]]) -> None:
    (match,) = mb_deployment.client.lookup(tracks["moon"], 100)
    assert match.metadata == {}


def test_lookup_with_recordings_and_sources(mb_deployment: Deployment, tracks: dict[str, list[int]]) -> None:
    (match,) = mb_deployment.client.lookup(tracks["moon"], 100, meta="recordings sources")
    # MOON_OLD resolves to MOON: one recording, backed by all three submissions.
    assert match.metadata == {"recordings": [{**MOON, "sources": 3}]}


def test_lookup_with_beets_meta(mb_deployment: Deployment, tracks: dict[str, list[int]]) -> None:
    (match,) = mb_deployment.client.lookup(tracks["moon"], 100, meta={"recordings", "releases"})
    (recording,) = match.metadata["recordings"]
    assert [r["id"] for r in recording["releases"]] == [mb.REL_ALBUM, mb.REL_REISSUE, mb.REL_COMPILATION]
    assert recording["releases"][0]["date"] == {"year": 2009, "month": 11, "day": 23}


def test_usermeta_fills_in_for_an_unknown_mbid(
    mb_deployment: Deployment, tracks: dict[str, list[int]]
) -> None:
    (match,) = mb_deployment.client.lookup(tracks["unknown"], 200, meta="recordings usermeta")
    assert match.metadata == {
        "recordings": [
            {"id": mb.MISSING_MBID},
            {"id": None, "title": "Custom", "artists": [{"name": "Someone"}]},
        ]
    }


def test_results_share_one_mirror_read(mb_deployment: Deployment, tracks: dict[str, list[int]]) -> None:
    client = mb_deployment.client
    matches = client.lookup(tracks["moon"], 100) + client.lookup(tracks["unknown"], 200)
    before = client.musicbrainz.reads
    described = client.musicbrainz.metadata(matches, "1")
    assert described == [{"recordings": [{"id": mb.MOON}]}, {"recordings": [{"id": mb.MISSING_MBID}]}]
    assert client.musicbrainz.reads == before + 1  # both results' MBIDs in one read
    assert client.musicbrainz.metadata(matches, "sources compress") == [{}, {}]
    assert client.musicbrainz.reads == before + 1  # no level that needs MusicBrainz


def test_unknown_meta_level_is_refused(mb_deployment: Deployment, tracks: dict[str, list[int]]) -> None:
    with pytest.raises(InvalidArgumentError, match="meta: unknown level"):
        mb_deployment.client.lookup(tracks["moon"], 100, meta="recordings everything")


def test_an_existing_musicbrainz_database_is_read_only(
    cluster: Cluster, mb_deployment: Deployment, tracks: dict[str, list[int]], tmp_path: Path
) -> None:
    """--musicbrainz-dsn: metadata from another MusicBrainz database, never written to."""
    names = {db: mb_deployment.names[db] for db in ("app", "fingerprint", "ingest")}
    external = cluster.conninfo(mb_deployment.names["musicbrainz"])
    with acoustid_pg.connect(server_conninfo(cluster), **names, musicbrainz_dsn=external) as client:
        (match,) = client.lookup(tracks["moon"], 100, meta="recordings")
        assert match.metadata == {"recordings": [MOON]}
        with pytest.raises(SettingsError, match="read only"):
            client.musicbrainz.import_dump(tmp_path / "mbdump.tar.bz2")
        with (
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
            client.pools.connection("musicbrainz", "w") as conn,
        ):
            conn.execute("DELETE FROM musicbrainz.recording")
    with psycopg.connect(external) as conn:
        assert conn.execute("SELECT count(*) FROM musicbrainz.recording").fetchone() == (3,)


def test_init_creates_the_mirror_database(cluster: Cluster) -> None:
    suffix = uuid.uuid4().hex[:8]
    names: dict[str, str | None] = {db: f"init_{db}_{suffix}" for db in ("app", "fingerprint", "ingest")}
    names["musicbrainz"] = f"init_musicbrainz_{suffix}"
    settings = Settings.from_options(dsn=server_conninfo(cluster), names=names)
    lines: list[Any] = []
    deploy.initialize(settings, report=lines.append)
    try:
        assert f"init_musicbrainz_{suffix}: created" in lines
        with settings.connect("musicbrainz") as conn:
            assert conn.execute("SELECT to_regclass('musicbrainz.recording') IS NOT NULL").fetchone() == (
                True,
            )
    finally:
        deploy.drop_databases(settings)
    external = Settings.from_options(
        dsn=server_conninfo(cluster), names=names, musicbrainz_dsn="dbname=other"
    )
    assert deploy.deployed_databases(external) == ("app", "fingerprint", "ingest")


def test_a_musicbrainz_database_without_summaries_is_read_from_its_tables(
    cluster: Cluster, mb_deployment: Deployment, tracks: dict[str, list[int]], sample_mirror_template: str
) -> None:
    """A real MusicBrainz database has no acoustid_recording_summary: the same answers, read
    from MusicBrainz's tables (found out once, on the first read)."""
    (ours,) = mb_deployment.client.lookup(tracks["moon"], 100, meta="recordings releases sources")
    assert mb_deployment.client.musicbrainz.summaries is True
    bare = new_database(cluster, prefix="musicbrainz_bare", template=sample_mirror_template)
    with psycopg.connect(cluster.conninfo(bare), autocommit=True) as conn:
        conn.execute("DROP TABLE musicbrainz.acoustid_recording_summary")
    names = {db: mb_deployment.names[db] for db in ("app", "fingerprint", "ingest")}
    with acoustid_pg.connect(
        server_conninfo(cluster), **names, musicbrainz_dsn=cluster.conninfo(bare)
    ) as client:
        assert client.musicbrainz.summaries is None
        for meta in (
            "recordings releases sources",
            "recordings releasegroups releases tracks compress sources",
        ):
            (match,) = client.lookup(tracks["moon"], 100, meta=meta)
            assert client.musicbrainz.summaries is False
            (expected,) = mb_deployment.client.lookup(tracks["moon"], 100, meta=meta)
            assert match.metadata == expected.metadata
        assert match.metadata["recordings"][0]["releasegroups"]
    assert ours.metadata["recordings"][0]["releases"][0]["id"] == mb.REL_ALBUM


def test_pyacoustid_reads_titles_and_artists(mb_deployment: Deployment, tracks: dict[str, list[int]]) -> None:
    """pyacoustid's parse_lookup_result on an answer built from the driver's metadata."""
    import acoustid  # pyacoustid

    results = []
    for items, duration in ((tracks["moon"], 100), (tracks["unknown"], 200)):
        for match in mb_deployment.client.lookup(items, duration, meta="recordings releases usermeta"):
            results.append({"id": str(match.track_gid), "score": match.score, **match.metadata})
    parsed = list(acoustid.parse_lookup_result({"status": "ok", "results": results}))
    assert parsed[0] == (1.0, mb.MOON, "Moon", "Alva Noto & Ryuichi Sakamoto")
    assert parsed[1:] == [(1.0, mb.MISSING_MBID, None, None), (1.0, None, "Custom", "Someone")]
