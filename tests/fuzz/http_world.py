"""The world the ``http`` target runs in: a throwaway PostgreSQL cluster with the four
databases (app, fingerprint, ingest, an empty MusicBrainz mirror) holding AcoustID's v2
test fixture, and the real service over them, without Redis (no rate limits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import psycopg

import acoustid_pg
from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster
from acoustid_pg.settings import ALL_DATABASES
from acoustid_pg.web.client_ip import parse_networks
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.fuzz.http_target import HttpTarget, LogWatch
from tests.support.management import Deployment, server_conninfo
from tests.support.web import RunningApp
from tests.support.web_fixtures import add_fingerprint, load_fixture

# A short body timeout: a fuzzed request that stalls costs half a second, not ten. The harness
# connects from 127.0.0.1, trusted as a proxy, so X-Forwarded-For is parsed and used.
SETTINGS: Final = WebSettings(
    limits=RateLimits(1e6, 1e6, 1e6), body_timeout=0.5, trusted_proxies=parse_networks(["127.0.0.1"])
)
EXTENSIONS: Final = ("intarray", "cube", "acoustid", "acoustid_cube")


@contextmanager
def databases() -> Iterator[dict[str, Any]]:
    """A running cluster with the fixture loaded; yields how to connect (JSON-able)."""
    with Cluster.temporary() as cluster:
        names = {database: f"fuzz_{database}" for database in ALL_DATABASES}
        with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
            for name in names.values():
                conn.execute(f"CREATE DATABASE {name}")
        for database, name in names.items():
            with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
                if database == "fingerprint":
                    for extension in EXTENSIONS:
                        conn.execute(f"CREATE EXTENSION {extension}")
                migrate.upgrade(conn, database)
        spec = {"conninfo": server_conninfo(cluster), "names": names}
        deployment = Deployment(cluster, names, connect(spec))
        ids = load_fixture(deployment)
        add_fingerprint(deployment, ids["track1"])
        deployment.close()
        yield spec


def connect(spec: dict[str, Any]) -> acoustid_pg.AcoustID:
    return acoustid_pg.connect(spec["conninfo"], **spec["names"], max_size=4)


@contextmanager
def serving(client: acoustid_pg.AcoustID) -> Iterator[HttpTarget]:
    """The service on a port of its own, over ``client``, and the property against it."""
    with RunningApp(lambda: build(client, SETTINGS, None)) as running:
        watch = LogWatch().install()
        yield HttpTarget(running.port, watch)
