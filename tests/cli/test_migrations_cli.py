"""``acoustid-pg init`` and ``acoustid-pg migrate`` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from acoustid_pg import migrate
from acoustid_pg.cli import main
from acoustid_pg.cluster import Cluster
from acoustid_pg.errors import SettingsError
from acoustid_pg.settings import Settings


def server(cluster: Cluster) -> list[str]:
    return ["--host", str(cluster.socket_dir), "--port", "5432", "--user", "postgres"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_init_in_one_database_twice(
    cluster: Cluster, make_database: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    dbname = make_database(prefix="small")
    status, out, err = run(capsys, "init", *server(cluster), "--dbname", dbname, "--months-ahead", "1")
    assert (status, err) == (0, [])
    assert out[0] == f"{dbname}: exists"
    assert "fingerprint: applied 0009_track_stats" in out
    assert "ingest: 2 submission partitions created" in out
    assert "musicbrainz: applied 0001_mirror" in out
    status, out, err = run(capsys, "init", *server(cluster), "--dbname", dbname, "--months-ahead", "1")
    assert (status, err) == (0, [])
    assert not any(": applied " in line for line in out)
    assert "ingest: 0 submission partitions created" in out
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)",
            [["account", "fingerprint", "submission", "track_stats"]],
        ).fetchone()
        assert tables == (3,)  # track_stats is a view, not a table


def test_migrate_to_down_and_status(
    cluster: Cluster, dbname: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = [*server(cluster), "--database", "fingerprint", "--fingerprint-db", dbname]
    status, out, _ = run(capsys, "migrate", *target, "--to", "3")
    assert status == 0
    assert out == [
        "fingerprint: applied 0001_roles",
        "fingerprint: applied 0002_catalog",
        "fingerprint: applied 0003_track",
        "fingerprint: at version 0003",
    ]
    status, out, _ = run(capsys, "migrate", *target, "--status")
    assert status == 0
    assert [line.split()[1:3] for line in out] == [
        [step.label, "applied" if step.version <= 3 else "pending"]
        for step in migrate.load_migrations("fingerprint")
    ]
    status, out, _ = run(capsys, "migrate", *target, "--down", "1")
    assert status == 0
    assert out == [
        "fingerprint: reverted 0003_track",
        "fingerprint: reverted 0002_catalog",
        "fingerprint: at version 0001",
    ]
    status, out, _ = run(capsys, "migrate", *target)
    assert status == 0
    latest = max(step.version for step in migrate.load_migrations("fingerprint"))
    assert out[-1] == f"fingerprint: at version {latest:04d}"


def test_status_fails_when_a_file_was_edited(
    cluster: Cluster,
    dbname: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "0001_t.up.sql").write_text("CREATE TABLE t (id integer);\n")
    (tmp_path / "app" / "0001_t.down.sql").write_text("DROP TABLE t;\n")
    monkeypatch.setenv(migrate.ENV_VAR, str(tmp_path))
    target = [*server(cluster), "--database", "app", "--app-db", dbname]
    assert run(capsys, "migrate", *target)[0] == 0
    (tmp_path / "app" / "0001_t.up.sql").write_text("CREATE TABLE t (id bigint);\n")
    status, out, _ = run(capsys, "migrate", *target, "--status")
    assert status == 1
    assert out[0].split()[1:3] == ["0001_t", "edited"]
    status, out, err = run(capsys, "migrate", *target)
    assert status == 1
    assert len(err) == 1
    assert err[0].startswith("acoustid-pg: error: app migration 0001_t.up.sql was edited after")


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["migrate", "--to", "2"], 2, "acoustid-pg migrate: error: --to and --down need --database"),
        (["migrate", "--dsn", "dbname=x"], 1, "acoustid-pg: error: the connection string must not name"),
        (["migrate", "--app-db", "no_such_db", "--database", "app"], 1, "acoustid-pg: error: cannot connect"),
    ],
)
def test_user_mistakes_are_one_line(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], args: list[str], status: int, message: str
) -> None:
    found, _, err = run(capsys, *args, *server(cluster))
    assert found == status
    assert len(err) == 1
    assert err[0].startswith(message)


def test_the_installed_command_prints_no_traceback(cluster: Cluster) -> None:
    command = Path(sys.executable).parent / "acoustid-pg"
    result = subprocess.run(
        [str(command), "migrate", "--status", "--app-db", "no_such_db", "--database", "app"],
        env={**os.environ, **cluster.env()},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert 'database "no_such_db" does not exist' in result.stderr


def test_conflicting_modes_are_refused_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["migrate", "--to", "1", "--down", "0"])
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_settings_from_options() -> None:
    settings = Settings.from_options(dsn="host=db.example port=6000 user=me", port=7000, dbname="small")
    assert settings.names == {
        "app": "small",
        "fingerprint": "small",
        "ingest": "small",
        "musicbrainz": "small",
    }
    params = conninfo_to_dict(settings.dsn(settings.dbname("ingest")))
    assert params == {"host": "db.example", "port": "7000", "user": "me", "dbname": "small"}
    settings = Settings.from_options(names={"fingerprint": "fp", "app": None})
    assert settings.names == {
        "app": "acoustid_app",
        "fingerprint": "fp",
        "ingest": "acoustid_ingest",
        "musicbrainz": "acoustid_musicbrainz",
    }
    assert conninfo_to_dict(settings.dsn("fp")) == {"dbname": "fp"}
    with pytest.raises(SettingsError, match="must not name a database"):
        Settings.from_options(dsn="postgresql://host/acoustid")
    with pytest.raises(SettingsError, match="unknown database 'discogs'"):
        Settings.from_options(names={"discogs": "mb"})
    with pytest.raises(SettingsError, match="invalid MusicBrainz connection string"):
        Settings.from_options(musicbrainz_dsn="host='unterminated")
