"""The backfills ``acoustid-pg backfill NAME`` runs (see ``acoustid_pg.backfill``).

- ``fingerprint-data``: the compressed string and simhash (``fingerprint_data``) of
  fingerprints loaded without them (the trigger that keeps them was off, or the rows came from
  a dump of another database). A batch inserts only rows still missing, so a redone batch
  writes nothing.
- ``fpindex``: every existing fingerprint published to the ``fpindex`` stream, for a new index.
  A fingerprint is published only if its subject holds no message yet (a message there came from
  the changelog publisher, or from an earlier run of this batch, and is at least as new), so a
  redone batch publishes nothing twice. Before its first batch it records the changelog's
  position in ``backfill:fpindex:changelog_cursor``: a publisher without a cursor of its own
  starts there, so every change the backfill may have missed is published after it.
"""

from __future__ import annotations

from typing import Any, Final

import psycopg
import redis

from .backfill import BackfillError, key
from .fpindex import FingerprintMessage, ensure_stream, subject
from .nats_bridge import ExpectationFailed, JetStream, MessagingError
from .pools import Pools

NAMES: Final = ("fingerprint-data", "fpindex")
CHANGELOG_CURSOR: Final = key("fpindex", "changelog_cursor")

_MISSING_DATA: Final = """
SELECT count(*) FROM fingerprint AS f
WHERE f.id > %s AND NOT EXISTS (SELECT FROM fingerprint_data AS d WHERE d.fingerprint_id = f.id)
"""

# The same values as the fill_fingerprint_data trigger writes.
_FILL_DATA: Final = """
WITH batch AS (
    SELECT f.id, f.fingerprint FROM fingerprint AS f WHERE f.id > %s ORDER BY f.id LIMIT %s
),
filled AS (
    INSERT INTO fingerprint_data (fingerprint_id, fingerprint, simhash)
    SELECT b.id, acoustid_fingerprint_bytes(b.fingerprint), acoustid_simhash_cube(b.fingerprint)
    FROM batch AS b
    WHERE NOT EXISTS (SELECT FROM fingerprint_data AS d WHERE d.fingerprint_id = b.id)
    ON CONFLICT (fingerprint_id) DO NOTHING
    RETURNING 1
)
SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM filled)
"""

_CHANGELOG_HEAD: Final = """
SELECT greatest(
    (SELECT coalesce(max(id), 0) FROM fingerprint_changelog),
    (SELECT last_value FROM fingerprint_changelog_pruned_through))
"""

_FINGERPRINTS: Final = """
SELECT id, acoustid_extract_query(fingerprint), acoustid_simhash(fingerprint)
FROM fingerprint WHERE id > %s ORDER BY id LIMIT %s
"""


class FingerprintDataJob:
    name = "fingerprint-data"

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def remaining(self, after: int) -> int:
        with self._pools.connection("fingerprint", "backfill") as conn:
            return _count(conn, _MISSING_DATA, after)

    def run_batch(self, after: int, limit: int) -> tuple[int, int] | None:
        with self._pools.connection("fingerprint", "backfill") as conn, conn.transaction():
            row = conn.execute(_FILL_DATA, [after, limit]).fetchone()
        assert row is not None
        last_id, written = row
        return None if last_id is None else (int(last_id), int(written))


def redis_client(url: str) -> redis.Redis:
    """A client for ``url`` that fails at once rather than retrying a dead server for seconds."""
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)


class FpindexJob:
    name = "fpindex"

    def __init__(self, pools: Pools, js: JetStream, client: redis.Redis) -> None:
        self._pools = pools
        self._js = js
        self._redis = client
        self.published = 0
        self.skipped = 0  # fingerprints whose subject already held a message

    def remaining(self, after: int) -> int:
        with self._pools.connection("fingerprint", "backfill") as conn:
            return _count(conn, "SELECT count(*) FROM fingerprint WHERE id > %s", after)

    def run_batch(self, after: int, limit: int) -> tuple[int, int] | None:
        ensure_stream(self._js)
        with self._pools.connection("fingerprint", "backfill") as conn:
            if after == 0:
                self._redis.set(CHANGELOG_CURSOR, _count(conn, _CHANGELOG_HEAD), nx=True)
            head = int(self._redis.get(CHANGELOG_CURSOR) or 0)
            rows = conn.execute(_FINGERPRINTS, [after, limit]).fetchall()
        if not rows:
            return None
        # Only onto an empty subject: a message already there is at least as new as this one.
        guard = {"Nats-Expected-Last-Subject-Sequence": "0"}
        messages = [
            (
                subject(fp_id),
                FingerprintMessage("insert", fp_id, head, tuple(query), simhash).encode(),
                None,
                guard,
            )
            for fp_id, query, simhash in rows
        ]
        for result in self._js.publish_many(messages, timeout=30):
            if isinstance(result, ExpectationFailed):
                self.skipped += 1
            elif isinstance(result, MessagingError):
                raise BackfillError(f"backfill fpindex: publishing failed: {result}")
            else:
                self.published += 1
        return int(rows[-1][0]), len(rows)


def _count(conn: psycopg.Connection[Any], query: str, *params: Any) -> int:
    row = conn.execute(query, list(params) or None).fetchone()
    assert row is not None
    return int(row[0])
