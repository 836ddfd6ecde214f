"""Where the command line finds its server: flags over environment over config
file, and the embedded server when nothing names one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from acoustid_pg.cluster import Cluster

CLI = [sys.executable, "-m", "acoustid_pg.cli"]
LIBPQ = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGSERVICE", "PGDATABASE", "ACOUSTID_PG_DSN")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LIBPQ and not k.startswith("ACOUSTID_PG_")}
    return {**env, **extra}


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def write_config(path: Path, **values: str) -> Path:
    path.write_text("[database]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
    return path


def test_config_file_is_used(cluster: Cluster, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.ini", host=str(cluster.socket_dir), user="postgres")
    result = cli("migrate", "--status", "--config", str(config), env=clean_env())
    # the databases do not exist in this cluster: the error proves which server was asked
    assert result.returncode == 1
    assert str(cluster.socket_dir) in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_environment_beats_config_and_flags_beat_environment(cluster: Cluster, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.ini", host="/nonexistent/config-host")
    env = clean_env(ACOUSTID_PG_CONFIG=str(config), PGHOST="/nonexistent/env-host", PGUSER="postgres")
    from_env = cli("migrate", "--status", env=env)
    assert from_env.returncode == 1 and "/nonexistent/env-host" in from_env.stderr
    from_flag = cli("migrate", "--status", "--host", "/nonexistent/flag-host", env=env)
    assert from_flag.returncode == 1 and "/nonexistent/flag-host" in from_flag.stderr


def test_bad_config_files_are_one_line_errors(tmp_path: Path) -> None:
    missing = cli("migrate", "--status", "--config", str(tmp_path / "absent.ini"), env=clean_env())
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    odd = write_config(tmp_path / "odd.ini", hostname="x")
    unknown = cli("migrate", "--status", "--config", str(odd), env=clean_env())
    assert unknown.returncode == 1 and "unknown key(s) hostname" in unknown.stderr
    assert "Traceback" not in missing.stderr + unknown.stderr
    port = cli("migrate", "--status", "--port", "x", env=clean_env(PGHOST="/tmp"))
    assert port.returncode == 2 and "Traceback" not in port.stderr


@pytest.fixture
def embedded_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    # directly under /tmp: as root the server runs as postgres, which cannot
    # enter pytest's private temporary directories
    data = Path(tempfile.mkdtemp(prefix="acoustid-embedded-"))
    env = clean_env(ACOUSTID_PG_DATA=str(data), XDG_CONFIG_HOME=str(tmp_path / "no-config"))
    yield env
    cli("server", "stop", env=env)
    shutil.rmtree(data, ignore_errors=True)


def test_embedded_server_lifecycle(embedded_env: dict[str, str]) -> None:
    status = cli("server", "status", env=embedded_env)
    assert status.returncode == 3 and "not created yet" in status.stdout
    started = cli("server", "start", env=embedded_env)
    assert started.returncode == 0, started.stderr
    assert cli("server", "status", env=embedded_env).stdout.startswith("embedded server: running")
    stopped = cli("server", "stop", env=embedded_env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert "stopped" in cli("server", "status", env=embedded_env).stdout


def test_commands_use_the_embedded_server_when_none_is_configured(embedded_env: dict[str, str]) -> None:
    init = cli("init", env=embedded_env)
    assert init.returncode == 0, init.stderr
    assert "embedded server: running" in cli("server", "status", env=embedded_env).stdout
    status = cli("migrate", "--status", env=embedded_env)
    assert status.returncode == 0, status.stderr
    assert "fingerprint" in status.stdout
    # it persists: stopped and started again, the databases are still there
    cli("server", "stop", env=embedded_env)
    again = cli("migrate", "--status", env=embedded_env)
    assert again.returncode == 0, again.stderr
