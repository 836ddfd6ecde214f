"""The embedded NATS: a private nats-server (JetStream) beside the embedded PostgreSQL, its store
in ``<data directory>/nats``, on a free port of 127.0.0.1 kept across restarts; started by
``acoustid-pg server start --with-nats``. Commands using the embedded PostgreSQL use it when it
runs and no NATS server is configured."""

from __future__ import annotations

from .embedded import data_directory
from .nats_server import NatsServer


def embedded_nats() -> NatsServer:
    return NatsServer(base_dir=data_directory() / "nats", persistent=True)


def running_url() -> str | None:
    """The embedded NATS server's URL if it runs, else None."""
    server = embedded_nats()
    return server.url if server.pid() is not None and server.running() else None
