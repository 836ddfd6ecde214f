"""``acoustid-pg serve`` as users run it: a subprocess on a real port, first keys on an empty
deployment, a private redis-server started and stopped with it, several workers, SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from acoustid_pg.redis_server import RedisServer
from tests.support.management import Deployment, server_conninfo

REPO = Path(__file__).resolve().parents[2]


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    deployment: Deployment, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, list[str], int]]:
    port = free_port()
    names = deployment.names
    command = [sys.executable, "-m", "acoustid_pg.cli", "serve", "--dsn", server_conninfo(deployment.cluster)]
    command += [
        "--app-db",
        names["app"],
        "--fingerprint-db",
        names["fingerprint"],
        "--ingest-db",
        names["ingest"],
    ]
    command += ["--port", str(port), *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while True:
            line = process.stdout.readline()
            assert line, f"serve exited: {process.wait()} {process.stderr.read() if process.stderr else ''}"
            lines.append(line)
            if line.startswith("serving the AcoustID API on"):
                break
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:  # with several workers, the announcement can come before every worker listens
            try:
                requests.get(url + "/_health", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        yield url, lines, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=30) == 0, process.stderr.read() if process.stderr else ""
        finally:
            if process.poll() is None:
                process.kill()


def test_serve_with_a_private_redis_and_first_keys(deployment: Deployment, tmp_path: Path) -> None:
    env = {**os.environ, "ACOUSTID_PG_DATA": str(tmp_path / "data")}
    redis_dir = tmp_path / "data" / "redis"
    with serving(deployment, env=env) as (url, lines, _):
        text = "".join(lines)
        assert "shown once" in text
        app_key = text.split("client (application) key:")[1].split()[0]
        user_key = text.split("user (account) key:")[1].split()[0]
        assert (redis_dir / "redis.sock").is_socket()
        assert f"unix://{redis_dir}/redis.sock" in lines[-1]
        health = requests.get(url + "/_health", timeout=10).json()
        assert health["status"] == "ok" and health["databases"]["app"] == "ok"
        user = requests.post(url + "/v2/user/lookup", data={"user": user_key}, timeout=10).json()
        assert user == {"status": "ok", "user": {"apikey": user_key}}
        form = {"client": app_key, "trackid": "00000000-0000-4000-8000-000000000000"}
        lookup = requests.post(url + "/v2/lookup", data=form, timeout=10)
        assert lookup.json() == {"results": [], "status": "ok"}
    assert not (redis_dir / "redis.sock").exists()  # stopped with the service


def test_serve_with_workers_and_a_given_redis(deployment: Deployment, redis_server: RedisServer) -> None:
    deployment.app.execute("INSERT INTO account (name, apikey) VALUES ('a', 'userKEY1')")
    deployment.app.execute("INSERT INTO application (name, apikey, account_id) VALUES ('b', 'appKEY1', 1)")
    with serving(deployment, "--workers", "2", "--redis", redis_server.url) as (url, lines, pid):
        assert len(children(pid)) == 2
        assert "shown once" not in "".join(lines)  # the deployment has an application already
        for _ in range(40):
            response = requests.post(url + "/v2/user/lookup", data={"user": "userKEY1"}, timeout=10)
            assert response.status_code == 200
        health = requests.get(url + "/_health", timeout=10).json()
        assert health["redis"]["configured"] is True


def test_serve_refuses_bad_flags(deployment: Deployment) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "acoustid_pg.cli", "serve", "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 2 and "--workers" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "text"),
    [
        (["--host", "no such host.invalid"], "cannot listen on"),
        (["--redis", "http://example.org"], "must start with"),
        (["--redis", "redis://'); DROP TABLE x; --"], "cannot reach Redis"),
        (["--redis", "unix:///nonexistent/redis.sock"], "cannot reach Redis"),
    ],
)
def test_serve_refuses_what_it_cannot_use_in_one_line(
    deployment: Deployment, flags: list[str], text: str
) -> None:
    names = deployment.names
    command = [sys.executable, "-m", "acoustid_pg.cli", "serve", "--dsn", server_conninfo(deployment.cluster)]
    command += [
        "--app-db",
        names["app"],
        "--fingerprint-db",
        names["fingerprint"],
        "--ingest-db",
        names["ingest"],
    ]
    result = subprocess.run([*command, *flags], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 1 and text in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert deployment.app.execute("SELECT count(*) FROM application").fetchone() == (0,)  # nothing made


def test_server_start_and_stop_include_redis(tmp_path: Path) -> None:
    # Directly under /tmp: as root PostgreSQL runs as postgres, who cannot enter pytest's directories.
    data = Path(tempfile.mkdtemp(prefix="acoustid-embedded-"))
    env = {**os.environ, "ACOUSTID_PG_DATA": str(data), "XDG_CONFIG_HOME": str(tmp_path / "no-config")}
    for var in ("PGHOST", "PGPORT", "ACOUSTID_PG_DSN", "ACOUSTID_PG_CONFIG"):
        env.pop(var, None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "acoustid_pg.cli", "server", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=REPO, env=env)

    started = cli("start")
    try:
        assert started.returncode == 0, started.stderr
        socket_path = data / "redis" / "redis.sock"
        assert f"embedded redis running: unix://{socket_path}" in started.stdout
        assert RedisServer(base_dir=socket_path.parent).running()
        assert "embedded redis: running" in cli("status").stdout
    finally:
        stopped = cli("stop")
        shutil.rmtree(data, ignore_errors=True)
    assert stopped.returncode == 0 and "embedded redis stopped" in stopped.stdout
    assert not socket_path.exists()
