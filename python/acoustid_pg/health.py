"""Whether each database answers (for the web service's ``/_health``)."""

from __future__ import annotations

from .pools import Pools
from .settings import DATABASES


class HealthCheck:
    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def check(self) -> dict[str, str]:
        """``{"app": "ok", ...}``; a database that cannot answer raises (ConnectError and kin)."""
        states = {}
        for database in DATABASES:
            with self._pools.connection(
                database, "health check", read_only=database == "fingerprint"
            ) as conn:
                conn.execute("SELECT 1").fetchone()
            states[database] = "ok"
        return states

    def application_count(self) -> int:
        """How many applications exist (none: a deployment nobody has set up for clients yet)."""
        with self._pools.connection("app", "health check") as conn:
            row = conn.execute("SELECT count(*) FROM application").fetchone()
        return int(row[0]) if row is not None else 0
