"""Fixtures for the management API: one deployment of three separate, migrated databases.

Separate databases (not the one-database layout) make a query sent to the wrong
database fail instead of passing by accident. The deployment is made once per
module (closing its pooled connections afterwards) and emptied before each test:
a TRUNCATE is ten times cheaper than three new databases. Test modules load this
file; the root conftest declares it for every test.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

import acoustid_pg
from acoustid_pg import migrate
from acoustid_pg.api import AcoustID
from acoustid_pg.cluster import Cluster
from tests.support.fixtures_cluster import new_database
from tests.support.management import DATABASES, Deployment, server_conninfo


@pytest.fixture(scope="session")
def database_templates(cluster: Cluster) -> dict[str, str]:
    """One template per logical database, holding only that database's schema."""
    templates = {}
    for database in DATABASES:
        name = new_database(cluster, prefix=f"{database}_template")
        with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
            migrate.upgrade(conn, database)
        templates[database] = name
    return templates


@pytest.fixture(scope="module")
def shared_deployment(cluster: Cluster, database_templates: dict[str, str]) -> Iterator[Deployment]:
    names = {db: new_database(cluster, prefix=db, template=database_templates[db]) for db in DATABASES}
    client = acoustid_pg.connect(server_conninfo(cluster), **names, max_size=12)
    deployed = Deployment(cluster, names, client)
    yield deployed
    deployed.close()


@pytest.fixture
def deployment(shared_deployment: Deployment) -> Deployment:
    shared_deployment.reset()
    return shared_deployment


@pytest.fixture
def client(deployment: Deployment) -> AcoustID:
    return deployment.client
