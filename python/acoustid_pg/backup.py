"""Backups with point-in-time recovery of a cluster acoustid-pg runs (the embedded server),
done by pgBackRest: full backups, continuous WAL archiving, and restores to any moment
between the end of the oldest backup and the last archived WAL.

All three databases live in the one cluster, so a restore brings them back to the same
instant: they stay consistent with each other. pgBackRest refuses root like PostgreSQL, so
it runs as the server's user (``Cluster.run_as_server_user``). Its configuration, logs and
lock files live next to the data directory; the repository defaults to ``<base>/backup``
(the same disk: it undoes mistakes, not the loss of the disk; give ``repo`` elsewhere).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import shlex
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psycopg
from psycopg import sql

from .cluster import PORT, SUPERUSER, Cluster, server_user
from .errors import AcoustidError

STANZA: Final = "acoustid"
PGBACKREST: Final = "pgbackrest"
DEFAULT_RETENTION_FULL: Final = 7  # a week of daily full backups, and the WAL to restore into any of it
ARCHIVE_TIMEOUT: Final = "60s"  # a quiet server still archives its WAL within a minute
RECOVERY_TIMEOUT: Final = 600.0  # seconds a restored server may take to replay up to the target
BACKUP_KINDS: Final = ("full", "diff", "incr")

Report = Callable[[str], None]


class BackupError(AcoustidError):
    """pgBackRest is missing, refused, or a restore target cannot be reached."""


@dataclass(frozen=True)
class Backup:
    label: str
    kind: str  # full, diff or incr
    started: dt.datetime
    stopped: dt.datetime  # the earliest moment a restore from this backup can reach
    size: int  # bytes of the cluster when backed up
    stored: int  # bytes in the repository (compressed, and only changes for diff/incr)


@dataclass(frozen=True)
class Inventory:
    backups: list[Backup]
    wal_min: str | None  # oldest and newest WAL segment in the archive
    wal_max: str | None

    @property
    def earliest(self) -> dt.datetime | None:
        """The earliest moment a restore can reach: the second after the oldest backup ended
        (pgBackRest records whole seconds, and picks a backup that stopped before the target's)."""
        oldest = min((b.stopped for b in self.backups), default=None)
        return None if oldest is None else oldest + dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Restored:
    target: dt.datetime | None  # None: the end of the archive
    seconds: float  # from stopping the server to the server accepting writes again
    timeline: int


def config_path(cluster: Cluster) -> Path:
    return cluster.base_dir / "pgbackrest.conf"


def _tool() -> str:
    found = shutil.which(PGBACKREST)
    if found is None:
        raise BackupError("pgbackrest is not installed (Debian: apt-get install pgbackrest)")
    return found


def _as_server_user(path: Path, *, mode: int) -> None:
    """Make ``path`` (a directory) exist, owned by the server's user, with ``mode``."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    user = server_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _write_config(cluster: Cluster, repo: Path, retention_full: int) -> None:
    state = cluster.base_dir / "pgbackrest"
    # pgBackRest's spool (archive-get queue) defaults to /var/spool/pgbackrest, which only root
    # and the packaged server's user may write: keep it beside the log and the locks.
    for directory in (state, state / "log", state / "lock", state / "spool"):
        _as_server_user(directory, mode=0o700)
    _as_server_user(repo, mode=0o750)
    text = f"""# Written by acoustid-pg backup configure; run it again rather than editing this file.
[global]
repo1-path={repo}
repo1-retention-full={retention_full}
log-path={state / "log"}
lock-path={state / "lock"}
spool-path={state / "spool"}
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=lz4
process-max=2

[{STANZA}]
pg1-path={cluster.data_dir}
pg1-socket-path={cluster.socket_dir}
pg1-port={PORT}
pg1-user={SUPERUSER}
"""
    path = config_path(cluster)
    path.write_text(text)
    os.chmod(path, 0o600)
    user = server_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _require_configured(cluster: Cluster) -> None:
    if not config_path(cluster).exists():
        raise BackupError("backups are not configured: run 'acoustid-pg backup configure' first")


def pgbackrest(cluster: Cluster, command: str, *options: str) -> str:
    """Run one pgBackRest command on this cluster's stanza, as the server's user; its output."""
    _require_configured(cluster)
    args = [_tool(), f"--config={config_path(cluster)}", f"--stanza={STANZA}", *options, command]
    result = cluster.run_as_server_user(args)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"pgbackrest {command} failed: {message[-1] if message else result.returncode}")
    return result.stdout


def _archive_command(cluster: Cluster) -> str:
    config = shlex.quote(str(config_path(cluster)))
    return f"{shlex.quote(_tool())} --config={config} --stanza={STANZA} archive-push %p"


def configure(
    cluster: Cluster,
    *,
    repo: Path | None = None,
    retention_full: int = DEFAULT_RETENTION_FULL,
    report: Report = print,
) -> Path:
    """Set up WAL archiving to a pgBackRest repository (restarting the server once, if archiving
    was off) and check that it works. Safe to run again. Returns the repository path."""
    if retention_full < 1:
        raise BackupError("retention must keep at least 1 full backup")
    repo = (repo or cluster.base_dir / "backup").absolute()
    if any(ord(c) < 32 or ord(c) == 127 for c in str(repo)):  # it goes into a line of the config
        raise BackupError("the repository path must not contain control characters (newlines, tabs)")
    _tool()
    if not cluster.initialized():
        raise BackupError(
            f"no server in {cluster.base_dir}: create it first (acoustid-pg server start, init)"
        )
    cluster.start()
    _write_config(cluster, repo, retention_full)
    settings = {
        "archive_mode": "on",
        "archive_command": _archive_command(cluster),
        "archive_timeout": ARCHIVE_TIMEOUT,
    }
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        if conn.execute("SHOW wal_level").fetchone() == ("minimal",):  # keep 'logical' if it is set
            settings["wal_level"] = "replica"
        for name, value in settings.items():
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
        conn.execute("SELECT pg_reload_conf()")
        row = conn.execute(
            "SELECT current_setting('archive_mode') <> 'on' OR current_setting('wal_level') = 'minimal'"
        ).fetchone()
    if row is not None and row[0]:
        report("restarting the server to turn WAL archiving on")
        cluster.restart()
    pgbackrest(cluster, "stanza-create")
    pgbackrest(cluster, "check")  # a WAL switch that must reach the repository
    report(f"backups configured: repository {repo}, {retention_full} full backups kept, WAL archived")
    return repo


def run_backup(cluster: Cluster, kind: str = "full") -> Backup:
    """Take a backup while the server runs; the new backup."""
    if kind not in BACKUP_KINDS:
        raise BackupError(f"unknown backup type {kind!r}: expected one of {', '.join(BACKUP_KINDS)}")
    _require_configured(cluster)
    cluster.start()
    pgbackrest(cluster, "backup", f"--type={kind}")
    backups = inventory(cluster).backups
    if not backups:
        raise BackupError("pgbackrest backup reported success but lists no backup")
    return backups[-1]


def _instant(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)


def inventory(cluster: Cluster) -> Inventory:
    """The backups in the repository, oldest first, and the archived WAL."""
    stanzas = json.loads(pgbackrest(cluster, "info", "--output=json"))
    stanza: dict[str, Any] = next((s for s in stanzas if s.get("name") == STANZA), {})
    backups = [
        Backup(
            label=b["label"],
            kind=b["type"],
            started=_instant(b["timestamp"]["start"]),
            stopped=_instant(b["timestamp"]["stop"]),
            size=int(b["info"]["size"]),
            stored=int(b["info"]["repository"]["delta"]),
        )
        for b in stanza.get("backup", [])
    ]
    archives = stanza.get("archive", [])
    return Inventory(
        backups=backups,
        wal_min=min((a["min"] for a in archives if a.get("min")), default=None),
        wal_max=max((a["max"] for a in archives if a.get("max")), default=None),
    )


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 moment (``2026-11-28 10:30:00``, ``...T10:30:00+01:00``, ``...Z``); one
    without a zone is this machine's local time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BackupError(f"not a time: {text!r} (expected e.g. 2026-11-28 10:30:00+00:00)") from None
    return moment.astimezone() if moment.tzinfo is None else moment


def restore(
    cluster: Cluster,
    target: dt.datetime | None = None,
    *,
    report: Report = print,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
) -> Restored:
    """Bring the whole cluster back to ``target`` (None: to the last archived WAL) and open it
    for writes on a new timeline. The server is stopped for the restore and started after it.

    Everything written after ``target`` is gone afterwards, in all three databases alike.
    """
    if target is not None and target.tzinfo is None:
        raise BackupError("a restore target needs a time zone")
    known = inventory(cluster)
    earliest = known.earliest
    if earliest is None:
        raise BackupError("there is no backup to restore: run 'acoustid-pg backup run' first")
    if target is not None and target < earliest:
        raise BackupError(
            f"no backup ends before {target.isoformat()}: the earliest moment to restore to is "
            f"{earliest.isoformat()}"
        )
    if target is not None and target > now():
        raise BackupError(f"{target.isoformat()} is in the future")
    started = time.monotonic()
    if cluster.running():
        # Switch to a new WAL segment and wait until it is archived: the writes up to now must be
        # in the repository, since the restore replaces pg_wal.
        pgbackrest(cluster, "check")
        report("stopping the server")
        cluster.halt()
    options = ["--delta"]  # rewrite only the files that differ from the backup
    if target is not None:  # without one, recovery replays the whole archive and then opens
        moment = target.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")
        options += ["--type=time", f"--target={moment}", "--target-action=promote"]
    report(f"restoring to {target.isoformat() if target else 'the end of the archive'}")
    try:
        pgbackrest(cluster, "restore", *options)
    except BackupError as exc:
        raise BackupError(
            f"{exc}; the server is stopped and its data directory may be partly restored: "
            "run the restore again (it resumes), with another target if this one is wrong"
        ) from None
    try:
        cluster.start()
    except AcoustidError as exc:
        raise BackupError(f"the restored server did not start: {exc}") from exc
    timeline = _wait_for_promotion(cluster, time.monotonic() + RECOVERY_TIMEOUT)
    seconds = time.monotonic() - started
    report(f"restored in {seconds:.1f} s; the server is open on timeline {timeline}")
    return Restored(target=target, seconds=seconds, timeline=timeline)


# The timeline is the first 8 hex digits of the current WAL file's name (NULL during recovery).
TIMELINE_AFTER_RECOVERY: Final = """SELECT CASE WHEN NOT pg_is_in_recovery() THEN
    ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::integer END"""


def _wait_for_promotion(cluster: Cluster, deadline: float) -> int:
    """Wait until recovery has replayed to its target and the server accepts writes; its timeline."""
    while True:
        try:
            with psycopg.connect(cluster.conninfo(), autocommit=True, connect_timeout=5) as conn:
                row = conn.execute(TIMELINE_AFTER_RECOVERY).fetchone()
            if row is not None and row[0] is not None:
                return int(row[0])
        except psycopg.OperationalError:
            if not cluster.running():
                raise BackupError(f"the restored server stopped: {cluster.log_tail(3)}") from None
        if time.monotonic() > deadline:
            raise BackupError(f"recovery did not finish in {RECOVERY_TIMEOUT:.0f} s: {cluster.log_tail(3)}")
        time.sleep(0.2)
