"""A private ``redis-server`` on a unix socket in a directory of its own, started and
stopped like the embedded PostgreSQL (``cluster.py``): for ``acoustid-pg serve`` when no
Redis is configured, for ``acoustid-pg server start``, and for the tests.

It listens on no TCP port. A persistent one snapshots to ``dump.rdb`` every minute
(the lookup counts waiting for their flush); a temporary one keeps nothing.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .errors import AcoustidError
from .server_process import find_program, wait_until_ready

SOCKET_NAME: Final = "redis.sock"
START_TIMEOUT: Final = 10.0


class RedisServerError(AcoustidError):
    """The private redis-server could not be started or stopped."""


@dataclass
class RedisServer:
    base_dir: Path
    persistent: bool = True

    @classmethod
    def temporary(cls) -> RedisServer:
        server = cls(base_dir=Path(tempfile.mkdtemp(prefix="acoustid-redis-")), persistent=False)
        atexit.register(server.stop)
        return server

    @property
    def socket_path(self) -> Path:
        return self.base_dir / SOCKET_NAME

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "redis.log"

    def client(self) -> redis.Redis:
        # No retries: a SHUTDOWN's closed connection must not be retried for seconds.
        return redis.Redis(
            unix_socket_path=str(self.socket_path), socket_timeout=5, retry=Retry(NoBackoff(), 0)
        )

    def running(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            with self.client() as client:
                return bool(client.ping())
        except (redis.RedisError, OSError):
            return False

    def start(self) -> RedisServer:
        if self.running():
            return self
        self.base_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base_dir, 0o700)
        self.socket_path.unlink(missing_ok=True)  # left by a crash
        save = ["--save", "60 1", "--dbfilename", "dump.rdb"] if self.persistent else ["--save", ""]
        args = [
            find_program("redis-server", RedisServerError),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.base_dir),
            "--daemonize", "yes",
            "--pidfile", str(self.base_dir / "redis.pid"),
            "--logfile", str(self.log_file),
            "--appendonly", "no",
            *save,
        ]  # fmt: skip
        try:
            result = subprocess.run(args, capture_output=True, text=True, cwd=self.base_dir, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RedisServerError(f"cannot run redis-server: {exc}") from exc
        if result.returncode != 0:
            raise RedisServerError(f"redis-server did not start: {(result.stderr or result.stdout).strip()}")
        failure = RedisServerError(f"redis-server did not answer in time (log: {self.log_file})")
        wait_until_ready(self.running, START_TIMEOUT, 0.02, failure)
        return self

    def stop(self) -> None:
        if self.running():
            try:
                with self.client() as client:
                    client.shutdown(save=self.persistent, nosave=not self.persistent)
            except redis.ConnectionError:
                pass  # the server closes the connection as it exits
            except (redis.RedisError, OSError) as exc:
                raise RedisServerError(f"redis-server did not stop: {exc}") from exc
            deadline = time.monotonic() + START_TIMEOUT
            while self.socket_path.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        if not self.persistent:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
