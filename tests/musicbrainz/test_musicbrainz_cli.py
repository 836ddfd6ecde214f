"""``acoustid-pg musicbrainz import/status`` and ``lookup --meta LEVELS`` in subprocesses."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from acoustid_pg import fingerprint as core
from acoustid_pg.cluster import Cluster
from tests.support import musicbrainz_sample as mb
from tests.support.driver import new_submitter, walk
from tests.support.fixtures_cluster import new_database
from tests.support.management import Deployment
from tests.support.musicbrainz_sample import write_sample

CLI = [sys.executable, "-m", "acoustid_pg.cli"]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=180)


def test_import_and_status(cluster: Cluster, mirror_template: str, tmp_path: Path) -> None:
    name = new_database(cluster, prefix="musicbrainz_cli", template=mirror_template)
    env = cluster.env()
    empty = run("musicbrainz", "status", "--musicbrainz-db", name, env=env)
    assert empty.returncode == 0, empty.stderr
    assert "the MusicBrainz mirror is empty" in empty.stdout
    dump = write_sample(tmp_path / "mbdump.tar.bz2")
    result = run("musicbrainz", "import", str(dump), "--musicbrainz-db", name, env=env)
    assert result.returncode == 0, result.stderr
    assert "schema sequence 31, replication sequence 160000" in result.stdout
    assert "46 rows in 18 tables; " in result.stdout
    assert " recording summaries built in " in result.stdout
    # Without a terminal: one line per table when it is done (and at most every 5 s before),
    # then one for the recording summaries built from them.
    finished = [line for line in result.stderr.splitlines() if "100%" in line]
    assert len(finished) == 19 and any(line.startswith("recording ") for line in finished)
    assert finished[-1].startswith("acoustid_recording_summary ")
    status = run("musicbrainz", "status", "--musicbrainz-db", name, env=env)
    assert "MusicBrainz dump of 2026-07-25 00:00:49.813585+00" in status.stdout


def test_bad_dump_is_a_one_line_error(cluster: Cluster, mirror_template: str, tmp_path: Path) -> None:
    name = new_database(cluster, prefix="musicbrainz_cli", template=mirror_template)
    dump = write_sample(tmp_path / "bad.tar.bz2", replace={"artist_credit_name": b"1\t2\n"})
    result = run("musicbrainz", "import", str(dump), "--musicbrainz-db", name, "--quiet", env=cluster.env())
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f'acoustid-pg: error: {dump}: mbdump/artist_credit_name, line 1: missing data for column "artist"'
    ]


@pytest.mark.parametrize("meta", ["recordings", "recordings releasegroups releases tracks compress sources"])
def test_lookup_meta_prints_the_metadata(mb_deployment: Deployment, meta: str) -> None:
    submitter = new_submitter(mb_deployment)
    items = walk(random.Random(meta.count(" ")))
    mb_deployment.client.submit(
        items, 120, mbids=[mb.MOON], account_id=submitter.account_id, application_id=submitter.application_id
    )
    mb_deployment.client.process_submissions(10)
    names = [arg for db, dbname in mb_deployment.names.items() for arg in (f"--{db}-db", dbname)]
    args = ["lookup", "--fingerprint", core.encode_fingerprint(items), "--duration", "120", *names]
    result = run(*args, "--meta", meta, "--json", env=mb_deployment.cluster.env())
    assert result.returncode == 0, result.stderr
    (found,) = json.loads(result.stdout)["results"]
    (recording,) = found["recordings"]
    assert (recording["id"], recording["title"], recording["duration"]) == (mb.MOON, "Moon", 367.0)
    if "releasegroups" in meta:
        assert recording["sources"] == 1
        assert all("mediums" in r for g in recording["releasegroups"] for r in g["releases"])
    text = run(*args, "--meta", meta, env=mb_deployment.cluster.env())
    assert f"{mb.MOON} | Alva Noto & Ryuichi Sakamoto | Moon" in text.stdout


def test_bench_leaves_the_real_mirror_alone(cluster: Cluster) -> None:
    """The quick bench (like the demo) drops its scratch databases: never acoustid_musicbrainz."""
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        if conn.execute("SELECT FROM pg_database WHERE datname = 'acoustid_musicbrainz'").fetchone() is None:
            conn.execute("CREATE DATABASE acoustid_musicbrainz")
    with psycopg.connect(cluster.conninfo("acoustid_musicbrainz"), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS keep_me ()")
    result = run("bench", "--pairs", "20", "--tracks", "20", "--lookups", "4", env=cluster.env())
    assert result.returncode == 0, result.stderr
    with psycopg.connect(cluster.conninfo("acoustid_musicbrainz")) as conn:
        assert conn.execute("SELECT to_regclass('keep_me') IS NOT NULL").fetchone() == (True,)
    with psycopg.connect(cluster.conninfo()) as conn:
        assert conn.execute("SELECT FROM pg_database WHERE datname LIKE 'acoustid_bench_%'").fetchall() == []
