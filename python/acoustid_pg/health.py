"""Whether each database answers (for the web service's ``/_health``)."""

from __future__ import annotations

from typing import Any, Final

import psycopg
from psycopg_pool import PoolTimeout

from .errors import AcoustidError
from .pools import Pools, session_timeout, timeout_milliseconds
from .settings import DATABASES, MUSICBRAINZ

MIRROR_TIMEOUT: Final = 2.0  # seconds: /_health must answer even when the mirror hangs


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

    def musicbrainz(self, timeout: float = MIRROR_TIMEOUT) -> dict[str, Any]:
        """Whether the MusicBrainz mirror (or the external MusicBrainz database) answers a
        read-only query within ``timeout`` seconds. Never raises: only lookups with metadata
        need the mirror, so its absence is reported, not an outage."""
        source = "external" if self._pools.settings.external_musicbrainz else "mirror"
        try:
            # The pool itself, not Pools.connection: its wait is the short timeout here, and
            # the mirror is never on the replicas when external.
            with (
                self._pools.pool(MUSICBRAINZ).connection(timeout=timeout) as conn,
                session_timeout(conn, timeout_milliseconds(timeout)),
            ):
                conn.execute("SELECT 1").fetchone()
        except (AcoustidError, PoolTimeout, psycopg.Error, OSError) as exc:
            reason = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
            return {"source": source, "status": "unavailable", "error": f"MusicBrainz {source}: {reason}"}
        return {"source": source, "status": "ok"}

    def application_count(self) -> int:
        """How many applications exist (none: a deployment nobody has set up for clients yet)."""
        with self._pools.connection("app", "health check") as conn:
            row = conn.execute("SELECT count(*) FROM application").fetchone()
        return int(row[0]) if row is not None else 0
