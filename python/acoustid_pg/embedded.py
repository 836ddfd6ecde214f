"""The embedded server: a PostgreSQL cluster acoustid-pg creates and runs itself
when no server is configured, kept between runs in the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path

from .cluster import PORT, SUPERUSER, Cluster


def data_directory() -> Path:
    """``$ACOUSTID_PG_DATA``; else /var/lib/acoustid-pg for root (the server runs
    as ``postgres``, which cannot enter /root); else ``$XDG_DATA_HOME/acoustid-pg``."""
    explicit = os.environ.get("ACOUSTID_PG_DATA")
    if explicit:
        return Path(explicit)
    if os.geteuid() == 0:
        return Path("/var/lib/acoustid-pg")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "acoustid-pg"


def embedded_cluster() -> Cluster:
    return Cluster(base_dir=data_directory(), persistent=True)


def ensure_running() -> Cluster:
    """Create the embedded cluster on first use and start it if it is stopped."""
    return embedded_cluster().start()


def connection_parameters(cluster: Cluster) -> dict[str, str]:
    return {"host": str(cluster.socket_dir), "port": str(PORT), "user": SUPERUSER}
