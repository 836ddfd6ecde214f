"""Shared fixtures: one throwaway PostgreSQL cluster per test session.

Every test that needs a database gets a fresh one, copied from a template that
already has the extensions, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest

from acoustid_pg.cluster import Cluster

TEMPLATE = "acoustid_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    with Cluster.temporary() as running:
        with psycopg.connect(running.conninfo(), autocommit=True) as conn:
            available = conn.execute(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'acoustid'"
            ).fetchone()
            if available is None or available[0] == 0:
                pytest.exit("the acoustid extension is not installed: run `make install` first", 2)
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        with psycopg.connect(running.conninfo(TEMPLATE), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION acoustid CASCADE")
            conn.execute("CREATE EXTENSION pgcrypto")
        yield running


def new_database(cluster: Cluster, prefix: str = "test") -> str:
    name = f"{prefix}_{next(_counter)}"
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return name


@pytest.fixture
def dbname(cluster: Cluster) -> str:
    """A fresh database with intarray, cube, pgcrypto and acoustid installed."""
    return new_database(cluster)


@pytest.fixture
def conn(cluster: Cluster, dbname: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as connection:
        yield connection
