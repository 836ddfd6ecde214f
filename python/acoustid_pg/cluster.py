"""Throwaway (or persistent) PostgreSQL clusters for tests, demos and benchmarks.

PostgreSQL refuses to run as root, so when we are root the server runs as the
``postgres`` system user in a directory owned by it. The server listens only on
a private unix-socket directory, so clusters never clash over ports.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ClusterError

SUPERUSER = "postgres"
PORT = 5432

# Settings for a cluster whose data we are happy to lose on a crash.
THROWAWAY_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "256MB",
}


def pg_bindir() -> Path:
    """The server binaries' directory, from ``pg_config`` (or $PG_CONFIG)."""
    pg_config = os.environ.get("PG_CONFIG", "pg_config")
    try:
        out = subprocess.run(
            [pg_config, "--bindir"], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ClusterError(
            f"cannot run {pg_config!r}: install PostgreSQL's server development "
            "package (e.g. postgresql-server-dev-15) or set PG_CONFIG"
        ) from exc
    return Path(out)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _server_user() -> str | None:
    """The user to run the server as, or None for the current user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError as exc:
        raise ClusterError("running as root needs a 'postgres' system user to own the server") from exc
    return SUPERUSER


def server_user() -> str | None:
    """The user servers run as (``postgres`` when we are root), or None for the current user."""
    return _server_user()


@dataclass
class Cluster:
    """A PostgreSQL cluster in ``base_dir`` with its socket in the same place.

    ``Cluster.temporary()`` makes one that is deleted on ``stop()`` (and at
    interpreter exit); ``Cluster(base_dir=path, persistent=True)`` keeps its data.
    """

    base_dir: Path
    persistent: bool = False
    settings: dict[str, str] = field(default_factory=dict)
    _bindir: Path = field(default_factory=pg_bindir, repr=False)

    @classmethod
    def temporary(cls, **settings: str) -> Cluster:
        base = Path(tempfile.mkdtemp(prefix="acoustid-pg-"))
        cluster = cls(base_dir=base, settings={**THROWAWAY_SETTINGS, **settings})
        atexit.register(cluster.stop)
        return cluster

    @classmethod
    def standby_of(cls, primary: Cluster, **settings: str) -> Cluster:
        """A temporary streaming replica of ``primary`` (``pg_basebackup -R``, with a fast checkpoint
        rather than a spread one: minutes), not started yet.

        The primary's default pg_hba.conf already lets its superuser replicate over the socket.
        """
        base = Path(tempfile.mkdtemp(prefix="acoustid-pg-standby-"))
        standby = cls(base_dir=base, settings={**THROWAWAY_SETTINGS, **settings})
        atexit.register(standby.stop)
        standby._prepare_base_dir()
        source = ["-h", str(primary.socket_dir), "-p", str(PORT), "-U", SUPERUSER]
        backup = ["-D", str(standby.data_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync", *source]
        result = standby._run([str(standby._bindir / "pg_basebackup"), *backup])
        if result.returncode != 0:
            raise ClusterError(f"pg_basebackup failed: {_last_line(result.stderr or result.stdout)}")
        return standby

    # --- paths and connection details ---

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def conninfo(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        return f"host={self.socket_dir} port={PORT} user={user} dbname={dbname}"

    def env(self) -> dict[str, str]:
        """libpq environment variables pointing at this cluster."""
        return {
            **os.environ,
            "PGHOST": str(self.socket_dir),
            "PGPORT": str(PORT),
            "PGUSER": SUPERUSER,
        }

    # --- lifecycle ---

    def _run(self, args: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        user = _server_user()
        cmd = list(args) if user is None else ["runuser", "-u", user, "--", *args]
        try:
            # cwd: the server user may not be able to enter our working directory
            return subprocess.run(cmd, capture_output=True, text=True, cwd=self.base_dir, **kwargs)  # type: ignore[call-overload, no-any-return]
        except OSError as exc:
            raise ClusterError(f"cannot run {args[0]}: {exc}") from exc

    def run_as_server_user(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Run a program as the user the server runs as (``postgres`` when we are root), in
        ``base_dir``: for tools that, like the server, refuse root (pgBackRest)."""
        return self._run(args)

    def _prepare_base_dir(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base_dir, 0o700)
        user = _server_user()
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(self.base_dir, entry.pw_uid, entry.pw_gid)
            if self._run(["test", "-w", str(self.base_dir)]).returncode != 0:
                raise ClusterError(
                    f"the {user} user cannot write to {self.base_dir}: "
                    "every directory above it must be searchable by that user"
                )

    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        self._prepare_base_dir()
        result = self._run(
            [
                str(self._bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        if result.returncode != 0:
            raise ClusterError(f"initdb failed: {_last_line(result.stderr or result.stdout)}")

    def running(self) -> bool:
        result = self._run([str(self._bindir / "pg_ctl"), "status", "-D", str(self.data_dir)])
        return result.returncode == 0

    def start(self) -> Cluster:
        if not self.initialized():
            self.init()
        if self.running():
            return self
        options = [f"-k {self.socket_dir}", "-c listen_addresses=''", f"-p {PORT}"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        result = self._run(
            [
                str(self._bindir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                " ".join(options),
            ]
        )
        if result.returncode != 0:
            raise ClusterError(
                f"server did not start: {_last_line(self.log_tail() or result.stderr)} (log: {self.log_file})"
            )
        return self

    def halt(self, mode: str = "fast") -> None:
        """Stop the server and keep its data, even a temporary cluster's (a restore needs them)."""
        if self.initialized() and self.running():
            self._run([str(self._bindir / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.data_dir)])

    def stop(self, mode: str = "fast") -> None:
        self.halt(mode)
        if not self.persistent:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def restart(self, mode: str = "fast") -> None:
        self._run([str(self._bindir / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.data_dir)])
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self._run(
                [str(self._bindir / "pg_isready"), "-h", str(self.socket_dir), "-p", str(PORT)]
            )
            if result.returncode == 0:
                return
            time.sleep(0.1)
        raise ClusterError("server did not become ready in time")

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
