"""Helpers for the management API tests: a deployment of three databases and row builders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from acoustid_pg.accounts import ApiKeyCaches
from acoustid_pg.api import AcoustID
from acoustid_pg.cluster import Cluster
from acoustid_pg.settings import DATABASES

# Rows the migrations seed: a reset keeps them.
SEEDED_TABLES = ("format", "foreignid_vendor")


def server_conninfo(cluster: Cluster) -> str:
    """The cluster's connection string without a database name, as connect() wants it."""
    params = conninfo_to_dict(cluster.conninfo())
    params.pop("dbname", None)
    return make_conninfo(**params)


@dataclass
class Deployment:
    """Three separate databases and a client; ``db(name)`` gives raw connections for checks."""

    cluster: Cluster
    names: dict[str, str]
    client: AcoustID
    _connections: dict[str, psycopg.Connection] = field(default_factory=dict)

    def db(self, database: str) -> psycopg.Connection:
        if database not in self._connections:
            self._connections[database] = psycopg.connect(
                self.cluster.conninfo(self.names[database]), autocommit=True
            )
        return self._connections[database]

    @property
    def app(self) -> psycopg.Connection:
        return self.db("app")

    @property
    def fp(self) -> psycopg.Connection:
        return self.db("fingerprint")

    @property
    def ingest(self) -> psycopg.Connection:
        return self.db("ingest")

    def reset(self) -> None:
        """Empty every table (ids restart), drop month partitions, forget cached keys."""
        for database in DATABASES:
            conn = self.db(database)
            tables = [
                name
                for (name,) in conn.execute(
                    """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                    AND c.relname NOT LIKE 'schema_version_%%' AND c.relname <> ALL(%s)""",
                    [list(SEEDED_TABLES)],
                )
            ]
            if tables:
                conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        for (partition,) in self.ingest.execute(
            """SELECT inhrelid::regclass::text FROM pg_inherits
            WHERE inhparent = 'submission'::regclass AND inhrelid <> 'submission_default'::regclass"""
        ).fetchall():
            # Detached first: the foreign keys to submission depend on every attached partition.
            self.ingest.execute(f"ALTER TABLE submission DETACH PARTITION {partition}")
            self.ingest.execute(f"DROP TABLE {partition}")
        self.fp.execute("REFRESH MATERIALIZED VIEW track_stats")
        self.client.accounts.key_cache = ApiKeyCaches()

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self.client.close()


class FakeClock:
    """A monotonic clock the tests move by hand (``clock.now += 60``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scalar(conn: psycopg.Connection, query: str, params: Sequence[object] | None = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


# --- rows in the fingerprint database ---


def new_track(conn: psycopg.Connection, *, disabled: bool = False) -> int:
    return int(scalar(conn, "INSERT INTO track (disabled) VALUES (%s) RETURNING id", [disabled]))


def track_gid(conn: psycopg.Connection, track: int) -> uuid.UUID:
    gid = scalar(conn, "SELECT gid FROM track WHERE id = %s", [track])
    assert isinstance(gid, uuid.UUID)
    return gid


def new_fingerprint(conn: psycopg.Connection, track: int, length: int = 30) -> int:
    items = [(track * 7919 + i * 104729) % 2**31 for i in range(100)]
    return int(
        scalar(
            conn,
            "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, %s) RETURNING id",
            [track, items, length],
        )
    )


def link_mbid(conn: psycopg.Connection, track: int, mbid: uuid.UUID, backers: int = 1) -> int:
    """A track-MBID link with ``backers`` provenance rows (its submission_count)."""
    link = int(
        scalar(conn, "INSERT INTO track_mbid (track_id, mbid) VALUES (%s, %s) RETURNING id", [track, mbid])
    )
    conn.execute(
        "INSERT INTO track_mbid_source (track_mbid_id) SELECT %s FROM generate_series(1, %s)",
        [link, backers],
    )
    return link


def new_meta(conn: psycopg.Connection, title: str) -> int:
    return int(scalar(conn, "INSERT INTO meta (track) VALUES (%s) RETURNING id", [title]))


def link_meta(conn: psycopg.Connection, track: int, meta: int) -> int:
    return int(
        scalar(conn, "INSERT INTO track_meta (track_id, meta_id) VALUES (%s, %s) RETURNING id", [track, meta])
    )
