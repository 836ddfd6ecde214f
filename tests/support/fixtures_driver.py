"""Fixtures for the lookup and ingest tests (helpers live in ``tests.support.driver``).

Builds on ``tests.support.fixtures_management`` (one deployment of three separate migrated
databases, emptied before each test); the root conftest declares both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from acoustid_pg.cluster import Cluster
from tests.support.driver import Submitter, deploy, new_submitter
from tests.support.management import Deployment


@pytest.fixture
def submitter(deployment: Deployment) -> Submitter:
    return new_submitter(deployment)


@pytest.fixture(scope="module")
def module_deployment(cluster: Cluster, database_templates: dict[str, str]) -> Iterator[Deployment]:
    """Databases of its own for one module, kept from test to test."""
    deployed = deploy(cluster, database_templates)
    yield deployed
    deployed.close()
