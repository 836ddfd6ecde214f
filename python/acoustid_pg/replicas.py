"""Read replicas: lookups go to streaming replicas (``connect(..., replicas=[...])``), and
``wait_for_replicas`` lets a caller read its own writes there.

A replica is a hot standby of the whole primary cluster (``pg_basebackup -R``), so it holds all
three databases under the same names. Only read-only work is routed to it; everything else,
and everything when no replica is given, goes to the primary.
"""

from __future__ import annotations

import time
from typing import Final

from .client import ClientBase
from .dberrors import translated
from .errors import InvalidArgumentError, ReplicaLagTimeout

POLL_SECONDS: Final = 0.02


class ReplicasMixin(ClientBase):
    """Waiting for the replicas to catch up with the primary."""

    def wait_for_replicas(self, timeout: float = 10.0) -> None:
        """Return once every replica has replayed everything the primary had written when called.

        Raises ReplicaLagTimeout after ``timeout`` seconds. Without replicas it returns at once.
        """
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise InvalidArgumentError("timeout", f"must be a positive number of seconds, got {timeout!r}")
        if not self.replicas:
            return
        dbname = self.settings.dbname("fingerprint")
        with self.connection("fingerprint") as conn, translated(dbname, "replica wait"):
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        target = row[0]
        deadline = time.monotonic() + timeout
        for replica in range(len(self.replicas)):
            while not self._replayed(replica, target):
                if time.monotonic() > deadline:
                    raise ReplicaLagTimeout(
                        f"replica {replica} has not replayed WAL {target} after {timeout} s"
                    )
                time.sleep(POLL_SECONDS)

    def _replayed(self, replica: int, lsn: str) -> bool:
        dbname = self.settings.dbname("fingerprint")
        pool = self.replica_pool(replica, "fingerprint")
        with pool.connection() as conn, translated(dbname, "replica wait"):
            # NULL on a server that is not in recovery (a promoted replica): it has everything.
            row = conn.execute(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, TRUE)", [lsn]
            ).fetchone()
        return bool(row and row[0])
