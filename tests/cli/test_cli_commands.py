"""The command line through its real entry point, in subprocesses: help, exit
codes, JSON output, and one-line errors for the mistakes users make."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from acoustid_pg import samples
from acoustid_pg.cluster import Cluster

CLI = [sys.executable, "-m", "acoustid_pg.cli"]
COMMANDS = ["demo", "init", "migrate", "status", "submit", "lookup", "worker", "import", "merge", "mbid",
            "maintenance", "index", "bench", "accounts", "apps", "server", "musicbrainz",
            "serve"]  # fmt: skip
MBID = str(uuid.UUID(int=12345))


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], status: int, text: str) -> None:
    assert result.returncode == status, (result.stdout, result.stderr)
    assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: acoustid-pg")


def test_unknown_command_and_bad_options_exit_2() -> None:
    assert run("frobnicate").returncode == 2
    assert run("lookup", "--max-results", "many").returncode == 2


@pytest.fixture(scope="module")
def deployment(cluster: Cluster) -> Iterator[tuple[dict[str, str], list[str]]]:
    names = ["--app-db", "cli_app", "--fingerprint-db", "cli_fp", "--ingest-db", "cli_ingest"]
    env = cluster.env()
    init = run("init", *names, env=env)
    assert init.returncode == 0, init.stderr
    yield env, names


@pytest.fixture(scope="module")
def audio_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli-audio")
    files = {
        "song": samples.synthesize("melody", 7, 30, folder / "song.wav"),
        "other": samples.synthesize("speech", 8, 30, folder / "other.wav"),
        "unknown": samples.synthesize("melody", 9, 30, folder / "unknown.wav"),
    }
    files["song.mp3"] = samples.make_variant(files["song"], "mp3", folder / "song-copy.mp3")
    return files


def test_submit_then_lookup(
    deployment: tuple[dict[str, str], list[str]], audio_files: dict[str, Path]
) -> None:
    env, names = deployment
    submitted = run("submit", str(audio_files["song"]), str(audio_files["other"]), "--mbid", MBID,
                    "--track", "Song", "--artist", "Band", "--now", "--json", *names, env=env)  # fmt: skip
    assert submitted.returncode == 0, submitted.stderr
    report = json.loads(submitted.stdout)
    assert len(report["submitted"]) == 2
    assert {item["action"] for item in report["imported"]} == {"new_track"}

    found = run("lookup", str(audio_files["song.mp3"]), "--json", "--meta", *names, env=env)
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    assert results and results[0]["score"] > 0.9
    assert results[0]["mbids"] == [{"mbid": MBID, "submissions": 1}]
    assert results[0]["meta"][0]["track"] == "Song"

    table = run("lookup", str(audio_files["song.mp3"]), *names, env=env)
    assert table.returncode == 0 and MBID in table.stdout
    nothing = run("lookup", str(audio_files["unknown"]), *names, env=env)
    assert nothing.returncode == 0 and nothing.stdout.strip() == "no match"


def test_worker_drains_the_queue(
    deployment: tuple[dict[str, str], list[str]], audio_files: dict[str, Path]
) -> None:
    env, names = deployment
    queued = run("submit", str(audio_files["song"]), "--mbid", MBID, "--json", *names, env=env)
    assert queued.returncode == 0, queued.stderr
    drained = run("worker", "--drain", *names, env=env)
    assert drained.returncode == 0, drained.stderr
    status = json.loads(run("status", "--json", *names, env=env).stdout)
    assert status["ingest"]["rows"]["pending_submission"] == 0
    found = json.loads(run("lookup", str(audio_files["song"]), "--json", *names, env=env).stdout)
    assert found["results"][0]["mbids"] == [{"mbid": MBID, "submissions": 2}]


def test_accounts_apps_merge_and_maintenance(deployment: tuple[dict[str, str], list[str]]) -> None:
    env, names = deployment
    account = json.loads(run("accounts", "create", "Ann", "--json", *names, env=env).stdout)
    assert len(account["apikey"]) == 40
    app = json.loads(
        run("apps", "create", "Player", "--account", str(account["id"]), "--json", *names, env=env).stdout
    )
    shown = json.loads(run("apps", "show", str(app["id"]), "--json", *names, env=env).stdout)
    assert shown["active"] is True and "apikey" not in shown
    assert (
        json.loads(run("apps", "deactivate", str(app["id"]), "--json", *names, env=env).stdout)["active"]
        is False
    )

    with psycopg.connect(env_conninfo(env, "cli_fp"), autocommit=True) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "INSERT INTO track (gid) SELECT gen_random_uuid() FROM generate_series(1, 2) RETURNING id"
            )
        ]
    merged = run("merge", str(ids[0]), str(ids[1]), *names, env=env)
    assert merged.returncode == 0 and f"merged {ids[1]} into track {ids[0]}" in merged.stdout
    cycle = run("merge", str(ids[1]), str(ids[0]), *names, env=env)
    assert cycle.returncode == 1 and "Traceback" not in cycle.stderr

    maintenance = run("maintenance", *names, env=env)
    assert maintenance.returncode == 0, maintenance.stderr
    assert "track_stats: refreshed" in maintenance.stdout


def env_conninfo(env: dict[str, str], dbname: str) -> str:
    return f"host={env['PGHOST']} port={env['PGPORT']} user=postgres dbname={dbname}"


def test_user_mistakes_are_one_line_errors(
    deployment: tuple[dict[str, str], list[str]], audio_files: dict[str, Path], tmp_path: Path
) -> None:
    env, names = deployment
    assert_one_line_error(run("lookup", str(tmp_path / "missing.wav"), *names, env=env), 1, "no such file")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 500)
    assert_one_line_error(run("lookup", str(text), *names, env=env), 1, "not an audio file")
    assert_one_line_error(
        run("lookup", "--fingerprint", "AQ==", "--duration", "10", *names, env=env), 1, "fingerprint"
    )
    assert_one_line_error(run("lookup", *names, env=env), 2, "either FILE or --fingerprint")
    assert_one_line_error(
        run("submit", str(audio_files["song"]), "--mbid", "not-a-uuid", *names, env=env), 1, "mbid"
    )
    missing_server = {**env, "PGHOST": str(tmp_path / "no-server")}
    assert_one_line_error(run("status", *names, env=missing_server), 1, "cannot connect")
    assert_one_line_error(run("apps", "show", "999999", *names, env=env), 1, "999999")


def test_wrong_password_is_a_one_line_error(
    cluster: Cluster, deployment: tuple[dict[str, str], list[str]]
) -> None:
    env, names = deployment
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS cli_pw")
        conn.execute("CREATE ROLE cli_pw LOGIN PASSWORD 'right'")
        hba = conn.execute("SHOW hba_file").fetchone()[0]  # type: ignore[index]
        original = Path(hba).read_text()
        Path(hba).write_text("local all cli_pw scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    try:
        result = run("status", "--user", "cli_pw", *names, env={**env, "PGPASSWORD": "wrong"})
        assert_one_line_error(result, 1, "password authentication failed")
    finally:
        Path(hba).write_text(original)
        with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")


def test_bench_prints_its_figures_and_cleans_up(cluster: Cluster) -> None:
    result = run("bench", "--pairs", "50", "--tracks", "60", "--lookups", "10", env=cluster.env())
    assert result.returncode == 0, result.stderr
    for figure in (
        "acoustid_compare2 (SQL)",
        "bulk load (COPY)",
        "lookup latency p50 / p99",
        "known tracks found",
    ):
        assert figure in result.stdout
    assert re.search(r"known tracks found +5 of 5", result.stdout)
    assert re.search(r"unknown prints matched +0 of 5", result.stdout)
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'acoustid_bench_%'"
        ).fetchone()
    assert left == (0,)


def test_submit_takes_keys_from_the_environment(
    deployment: tuple[dict[str, str], list[str]], audio_files: dict[str, Path]
) -> None:
    env, names = deployment
    account = json.loads(run("accounts", "create", "Keyed", "--json", *names, env=env).stdout)
    app = json.loads(
        run("apps", "create", "Tagger", "--account", str(account["id"]), "--json", *names, env=env).stdout
    )
    keyed = {**env, "ACOUSTID_CLIENT_KEY": app["apikey"], "ACOUSTID_USER_KEY": account["apikey"]}
    submitted = run("submit", str(audio_files["other"]), "--mbid", MBID, "--json", *names, env=keyed)
    assert submitted.returncode == 0, submitted.stderr
    submission = json.loads(submitted.stdout)["submitted"][0]["submissions"][0]
    with psycopg.connect(env_conninfo(env, "cli_ingest")) as conn:
        row = conn.execute(
            "SELECT account_id, application_id FROM submission WHERE id = %s", [submission]
        ).fetchone()
    assert row == (account["id"], app["id"])
    assert app["apikey"] not in submitted.stdout + submitted.stderr

    run("apps", "deactivate", str(app["id"]), *names, env=env)
    refused = run("submit", str(audio_files["other"]), *names, env=keyed)
    assert_one_line_error(refused, 1, "inactive")
    half = run("submit", str(audio_files["other"]), *names, env={**env, "ACOUSTID_CLIENT_KEY": app["apikey"]})
    assert_one_line_error(half, 1, "both keys or neither")
