"""The message layer's commands: server start --with-nats (a private nats-server beside the
embedded PostgreSQL and Redis, used by the worker), publish-changes on a changelog gap, and
clear errors for bad settings."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.nats_server import NatsServer
from acoustid_pg.redis_server import RedisServer
from tests.cli.test_cli_config import CLI, clean_env, cli
from tests.support.driver import REPO, worker_command
from tests.support.management import Deployment
from tests.support.reliability import stored_rows


@pytest.fixture
def embedded_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    data = Path(tempfile.mkdtemp(prefix="acoustid-embedded-"))  # postgres must enter it (see test_cli_config)
    env = clean_env(ACOUSTID_PG_DATA=str(data), XDG_CONFIG_HOME=str(tmp_path / "no-config"))
    yield env
    cli("server", "stop", env=env)
    shutil.rmtree(data, ignore_errors=True)


def test_server_start_with_nats_runs_a_private_jetstream_the_worker_uses(
    embedded_env: dict[str, str],
) -> None:
    started = cli("server", "start", "--with-nats", env=embedded_env)
    assert started.returncode == 0, started.stderr
    private = NatsServer(Path(embedded_env["ACOUSTID_PG_DATA"]) / "nats")
    assert f"embedded nats running: {private.url}" in started.stdout
    assert private.url.startswith("nats://127.0.0.1:")
    with JetStream.connect(private.url) as js:  # JetStream is on, its store in the data directory
        js.ensure_stream("probe", ["probe.>"])
        js.publish("probe.x", b"kept")
    assert private.store_dir.is_dir()
    assert f"embedded nats: running ({private.url})" in cli("server", "status", env=embedded_env).stdout
    assert cli("init", env=embedded_env).returncode == 0

    # With nothing configured, the worker consumes the embedded NATS.
    worker = subprocess.Popen([*CLI, "worker"], env=embedded_env, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stderr is not None
        line = ""
        for line in worker.stderr:
            if "consuming" in line:
                break
        assert f"consuming {private.url}" in line
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=30)
    assert worker.returncode == 0

    stopped = cli("server", "stop", env=embedded_env)
    assert "embedded nats stopped" in stopped.stdout and private.pid() is None
    # Started again: the same URL, and the stream kept its message.
    assert cli("server", "start", "--with-nats", env=embedded_env).returncode == 0
    with JetStream.connect(private.url) as js:
        kept = js.last_message("probe", "probe.x")
    assert kept is not None and kept.data == b"kept"


def test_publish_changes_stops_with_a_clear_error_on_a_changelog_gap(
    deployment: Deployment, redis_server: RedisServer, nats_server: NatsServer
) -> None:
    deployment.fp.execute("SELECT setval('fingerprint_changelog_pruned_through', 0)")
    deployment.client.bulk_load(stored_rows(4))
    deployment.client.changelog.prune(through=2)
    command = worker_command(
        deployment, "-m", "acoustid_pg", "publish-changes", "--once",
        "--redis", redis_server.url, "--nats", nats_server.url,
    )  # fmt: skip
    redis_server.client().flushall()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "changelog gap: entries after 0 up to 2 were pruned" in result.stderr
    assert "backfill fpindex" in result.stderr and "Traceback" not in result.stderr


def test_bad_messaging_settings_are_refused_clearly(deployment: Deployment, tmp_path: Path) -> None:
    bad_url = worker_command(deployment, "-m", "acoustid_pg", "publish-changes", "--nats", "localhost")
    result = subprocess.run(bad_url, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "nats must be a URL starting with nats://" in result.stderr
    no_nats = worker_command(deployment, "-m", "acoustid_pg", "backfill", "fpindex", "--redis", "redis://x")
    result = subprocess.run(no_nats, cwd=REPO, capture_output=True, text=True, timeout=60, env=clean_env())
    assert result.returncode == 2 and "needs a NATS server" in result.stderr
    unreachable = worker_command(deployment, "-m", "acoustid_pg", "publish-changes", "--nats", "nats://127.0.0.1:1",
                                 "--redis", "redis://127.0.0.1:1")  # fmt: skip
    result = subprocess.run(unreachable, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "NATS" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_redis_is_one_line_not_a_traceback(
    deployment: Deployment, nats_server: NatsServer
) -> None:
    for args in (
        ["backfill", "fingerprint-data", "--status", "--redis", "redis://127.0.0.1:1"],
        ["backfill", "fingerprint-data", "--redis", "redis://127.0.0.1:1"],
        ["publish-changes", "--once", "--redis", "redis://127.0.0.1:1", "--nats", nats_server.url],
    ):
        command = worker_command(deployment, "-m", "acoustid_pg", *args)
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1, (args, result.stderr)
        assert "Redis" in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr  # the start line, the error
