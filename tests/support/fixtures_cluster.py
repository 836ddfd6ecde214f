"""Cluster fixtures: one throwaway PostgreSQL cluster per test session.

Every test that needs a database gets a fresh one, copied from a template that
already has the extensions, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import psycopg
import pytest

from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster

TEMPLATE = "acoustid_template"
# What init creates in the fingerprint and app databases, in its order, without CASCADE.
TEMPLATE_EXTENSIONS = ("intarray", "cube", "acoustid", "acoustid_cube", "pgcrypto")
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
            for extension in TEMPLATE_EXTENSIONS:
                conn.execute(f"CREATE EXTENSION {extension}")
        yield running


def new_database(cluster: Cluster, prefix: str = "test", template: str = TEMPLATE) -> str:
    name = f"{prefix}_{next(_counter)}"
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name


@pytest.fixture
def dbname(cluster: Cluster) -> str:
    """A fresh database with the extensions of TEMPLATE_EXTENSIONS installed."""
    return new_database(cluster)


@pytest.fixture
def conn(cluster: Cluster, dbname: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as connection:
        yield connection


@pytest.fixture
def make_database(cluster: Cluster) -> Callable[..., str]:
    """new_database for tests: make_database(prefix="test", template=...) returns a fresh database name."""

    def make(prefix: str = "test", template: str = TEMPLATE) -> str:
        return new_database(cluster, prefix, template)

    return make


@pytest.fixture(scope="session")
def schema_template(cluster: Cluster) -> str:
    """A database with all three schemas migrated into it (the one-database layout)."""
    name = new_database(cluster, prefix="schema_template")
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as connection:
        for database in migrate.DATABASES:
            migrate.upgrade(connection, database)
    return name


@pytest.fixture
def schema_dbname(cluster: Cluster, schema_template: str) -> str:
    """A fresh database with the whole schema (app, fingerprint and ingest) at the latest version."""
    return new_database(cluster, prefix="schema", template=schema_template)


@pytest.fixture
def schema_conn(cluster: Cluster, schema_dbname: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(cluster.conninfo(schema_dbname), autocommit=True) as connection:
        yield connection
