"""Fixtures for the message-layer tests: a real nats-server (JetStream) per test, and a driver
client of the shared deployment that announces its submits there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.nats_server import NatsServer
from tests.support.management import Deployment


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer.temporary().start()
    yield server
    server.stop()


@pytest.fixture
def nats_client(deployment: Deployment, nats_server: NatsServer) -> Iterator[AcoustID]:
    """A client of ``deployment`` whose submits are announced on ``nats_server``."""
    client = AcoustID(deployment.client.settings, max_size=4, nats=nats_server.url)
    yield client
    client.close()
