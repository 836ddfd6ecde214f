"""MusicBrainz mirror fixtures: a migrated mirror per test, and a deployment whose mirror
holds the sample dump (tests/support/musicbrainz_sample.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import acoustid_pg
from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster
from acoustid_pg.musicbrainz.mirror_import import import_dump
from tests.support.fixtures_cluster import new_database
from tests.support.management import DATABASES, Deployment, server_conninfo
from tests.support.musicbrainz_sample import write_sample


def migrate_mirror(conn: psycopg.Connection) -> None:
    migrate.upgrade(conn, "musicbrainz")


@pytest.fixture(scope="session")
def mirror_template(cluster: Cluster) -> str:
    name = new_database(cluster, prefix="musicbrainz_template")
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        migrate_mirror(conn)
    return name


@pytest.fixture(scope="session")
def sample_mirror_template(cluster: Cluster, mirror_template: str) -> str:
    """A mirror holding the sample dump (copied, never used directly)."""
    name = new_database(cluster, prefix="musicbrainz_sample", template=mirror_template)
    with (
        tempfile.TemporaryDirectory() as scratch,
        psycopg.connect(cluster.conninfo(name), autocommit=True) as conn,
    ):
        import_dump(conn, write_sample(Path(scratch) / "mbdump.tar.bz2"))
    return name


@pytest.fixture
def mirror_dbname(cluster: Cluster, mirror_template: str) -> str:
    """A fresh database holding the empty MusicBrainz mirror."""
    return new_database(cluster, prefix="musicbrainz", template=mirror_template)


@pytest.fixture
def mirror_conn(cluster: Cluster, mirror_dbname: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(cluster.conninfo(mirror_dbname), autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def mb_deployment(
    cluster: Cluster, database_templates: dict[str, str], sample_mirror_template: str
) -> Iterator[Deployment]:
    """Fresh app, fingerprint and ingest databases, and a mirror holding the sample dump."""
    names = {db: new_database(cluster, prefix=db, template=database_templates[db]) for db in DATABASES}
    names["musicbrainz"] = new_database(cluster, prefix="musicbrainz", template=sample_mirror_template)
    client = acoustid_pg.connect(server_conninfo(cluster), **names, max_size=6)
    deployed = Deployment(cluster, names, client)
    yield deployed
    deployed.close()
