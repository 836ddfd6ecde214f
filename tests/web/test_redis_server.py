"""The private redis-server: started on a unix socket only, stopped, restarted with its data."""

from __future__ import annotations

import socket
from pathlib import Path

from acoustid_pg.redis_server import RedisServer


def test_temporary_server_lives_in_its_directory_and_leaves_nothing() -> None:
    server = RedisServer.temporary().start()
    try:
        assert server.running()
        assert server.socket_path.is_socket()
        assert server.url == f"unix://{server.socket_path}"
        with server.client() as client:
            assert client.config_get("port") == {"port": "0"}  # no TCP port at all
            client.set("k", "v")
    finally:
        server.stop()
    assert not server.running()
    assert not server.base_dir.exists()


def test_persistent_server_keeps_its_data_across_a_restart(tmp_path: Path) -> None:
    server = RedisServer(base_dir=tmp_path / "redis")
    with server:
        with server.client() as client:
            client.hincrby("stats:lookups", "x", 3)
        assert server.start() is server  # starting a running server is a no-op
    assert not server.running()
    with server, server.client() as client:
        assert client.hget("stats:lookups", "x") == b"3"


def test_a_stale_socket_file_does_not_stop_a_start(tmp_path: Path) -> None:
    server = RedisServer(base_dir=tmp_path / "redis", persistent=False)
    server.base_dir.mkdir()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(server.socket_path))
    stale.close()
    with server:
        assert server.running()
