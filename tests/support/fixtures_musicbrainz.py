"""MusicBrainz mirror fixtures: a migrated mirror database per test, from a session template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from acoustid_pg.cluster import Cluster
from tests.support.fixtures_cluster import new_database

REPO = Path(__file__).resolve().parents[2]


def migrate_mirror(conn: psycopg.Connection) -> None:
    """Apply the mirror's migrations in order (each file in one transaction, like the runner)."""
    for path in sorted((REPO / "migrations" / "musicbrainz").glob("*.up.sql")):
        with conn.transaction():
            conn.execute(path.read_bytes())


@pytest.fixture(scope="session")
def mirror_template(cluster: Cluster) -> str:
    name = new_database(cluster, prefix="musicbrainz_template")
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        migrate_mirror(conn)
    return name


@pytest.fixture
def mirror_dbname(cluster: Cluster, mirror_template: str) -> str:
    """A fresh database holding the empty MusicBrainz mirror."""
    return new_database(cluster, prefix="musicbrainz", template=mirror_template)


@pytest.fixture
def mirror_conn(cluster: Cluster, mirror_dbname: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(cluster.conninfo(mirror_dbname), autocommit=True) as connection:
        yield connection
