"""A private ``nats-server`` with JetStream, its store in a directory of its own, listening on
127.0.0.1 only: for ``acoustid-pg server start --with-nats`` and for the tests.

The port is chosen free on the first start and kept in ``port`` beside the store, so a
restart (after a crash, or ``server stop`` / ``start``) serves the same URL and the same
streams and consumers.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .errors import AcoustidError
from .server_process import find_program, wait_until_ready

START_TIMEOUT: Final = 15.0
STOP_TIMEOUT: Final = 15.0
HOST: Final = "127.0.0.1"


class NatsServerError(AcoustidError):
    """The private nats-server could not be started or stopped."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class NatsServer:
    base_dir: Path
    persistent: bool = True

    @classmethod
    def temporary(cls) -> NatsServer:
        server = cls(base_dir=Path(tempfile.mkdtemp(prefix="acoustid-nats-")), persistent=False)
        atexit.register(server.stop)
        return server

    @property
    def store_dir(self) -> Path:
        return self.base_dir / "jetstream"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "nats.pid"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "nats.log"

    @property
    def port(self) -> int:
        """The port this server serves on: the one kept beside its store, else a free one (kept)."""
        kept = self.base_dir / "port"
        with contextlib.suppress(OSError, ValueError):
            return int(kept.read_text())
        self.base_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        kept.write_text(f"{port}\n")
        return port

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def running(self) -> bool:
        if self.pid() is None:
            return False
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as conn:
                return conn.recv(4).startswith(b"INFO")
        except OSError:
            return False

    def start(self) -> NatsServer:
        if self.running():
            return self
        self.base_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base_dir, 0o700)
        args = [
            find_program("nats-server", NatsServerError),
            "--jetstream",
            "--store_dir", str(self.store_dir),
            "--addr", HOST,
            "--port", str(self.port),
            "--pid", str(self.pid_file),
            "--log", str(self.log_file),
        ]  # fmt: skip
        try:
            # Its own session: a Ctrl-C meant for the command that started it does not stop it.
            subprocess.Popen(
                args, cwd=self.base_dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise NatsServerError(f"cannot run nats-server: {exc}") from exc
        failure = NatsServerError(f"nats-server did not answer in time (log: {self.log_file})")
        wait_until_ready(self.running, START_TIMEOUT, 0.05, failure)
        return self

    def halt(self) -> None:
        """Stop cleanly (SIGTERM), keeping the store for the next start."""
        self._signal(signal.SIGTERM)

    def stop(self) -> None:
        """Stop cleanly (SIGTERM); a temporary server's directory goes with it."""
        self.halt()
        if not self.persistent:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests): the store keeps what JetStream had synced."""
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid):
            if time.monotonic() > deadline:
                raise NatsServerError(f"nats-server (pid {pid}) did not stop")
            time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs; reaps it if it is our exited child (a zombie is not running)."""
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
