"""Least privilege through the driver, as real LOGIN users that are members of acoustid_reader,
acoustid_writer and acoustid_admin: a reader looks up but cannot submit or import, a writer
submits and imports but cannot alter the schema or do the owner's maintenance."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

import acoustid_pg
from acoustid_pg import migrate
from acoustid_pg.api import AcoustID
from acoustid_pg.errors import PermissionDeniedError
from acoustid_pg.settings import DEFAULT_NAMES
from tests.support.driver import new_submitter
from tests.support.management import Deployment, scalar, server_conninfo
from tests.support.own_cluster import own_deployment
from tests.support.reliability import duration, queue, recording, stored_rows, submissions

ROLES = {
    "reader_login": "acoustid_reader",
    "writer_login": "acoustid_writer",
    "admin_login": "acoustid_admin",
}


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with own_deployment() as deployed:
        for login, group in ROLES.items():
            deployed.fp.execute(f"CREATE ROLE {login} LOGIN IN ROLE {group}")
        queue(deployed, new_submitter(deployed), 1, 6)
        while deployed.client.process_submissions(50):
            pass
        yield deployed


@pytest.fixture(scope="module")
def clients(deployment: Deployment) -> Iterator[dict[str, AcoustID]]:
    made = {
        login: acoustid_pg.connect(make_conninfo(server_conninfo(deployment.cluster), user=login), max_size=2)
        for login in ROLES
    }
    yield made
    for client in made.values():
        client.close()


def sql_as(deployment: Deployment, login: str, database: str, statement: str) -> None:
    with psycopg.connect(deployment.cluster.conninfo(DEFAULT_NAMES[database], user=login)) as conn:
        conn.execute(statement)


def operations(deployment: Deployment) -> dict[str, Callable[[AcoustID], Any]]:
    """What each test asks of every role, by name."""
    submitter = new_submitter(deployment)
    gids = [row[0] for row in deployment.fp.execute("SELECT gid FROM track ORDER BY id LIMIT 2").fetchall()]
    deployment.fp.execute("INSERT INTO meta (track) VALUES ('an orphan for the cleanup to remove')")
    return {
        "lookup": lambda c: c.lookup(recording(2), duration(2)),
        "validate key": lambda c: c.accounts.validate_application_key(
            scalar(deployment.app, "SELECT apikey FROM application WHERE id = %s", [submitter.application_id])
        ),
        "read changelog": lambda c: c.changelog.changes(0, limit=5),
        "snapshot": lambda c: c.changelog.state(),
        "submit": lambda c: c.submit_many(submissions(submitter, 100, 1)),
        "import": lambda c: c.process_submissions(5),
        "merge": lambda c: c.tracks.merge(gids[0], [gids[1]]),
        "create account": lambda c: c.accounts.create_account("someone"),
        "record lookup": lambda c: c.stats.record_lookup(submitter.application_id, hit=True),
        "bulk load": lambda c: c.bulk_load(stored_rows(1)),
        "remove orphaned meta": lambda c: c.maintenance.remove_orphaned_meta(),
        "refresh track_stats": lambda c: c.maintenance.refresh_track_stats(),
        "create partitions": lambda c: c.maintenance.create_submission_partitions(1),
        "prune changelog": lambda c: c.changelog.prune(older_than=dt.timedelta(days=3650)),
    }


ALLOWED = {
    "reader_login": {"lookup", "validate key", "read changelog", "snapshot"},
    "writer_login": {"lookup", "validate key", "read changelog", "snapshot", "submit", "import", "merge",
                     "create account", "record lookup", "bulk load", "remove orphaned meta"},
}  # fmt: skip


@pytest.mark.parametrize("login", ["reader_login", "writer_login", "admin_login"])
def test_each_role_may_do_its_job_and_nothing_more(
    deployment: Deployment, clients: dict[str, AcoustID], login: str
) -> None:
    client = clients[login]
    for name, operation in operations(deployment).items():
        if login == "admin_login" or name in ALLOWED[login]:
            operation(client)
            continue
        with pytest.raises(PermissionDeniedError, match=r"permission denied|must be owner"):
            operation(client)


@pytest.mark.parametrize("login", ["reader_login", "writer_login"])
@pytest.mark.parametrize(
    ("database", "statement"),
    [
        ("fingerprint", "CREATE TABLE extra (id integer)"),
        ("fingerprint", "ALTER TABLE fingerprint ADD COLUMN extra integer"),
        ("fingerprint", "DROP TABLE track"),
        ("fingerprint", "TRUNCATE track CASCADE"),
        ("fingerprint", "ALTER FUNCTION acoustid_lookup(int4[], int4, int4, float4, int4) RESET search_path"),
        ("fingerprint", "DELETE FROM fingerprint_changelog"),
        ("app", "CREATE INDEX ON account (name)"),
        ("ingest", "ALTER TABLE submission DETACH PARTITION submission_default"),
        ("ingest", "CREATE SCHEMA sneaky"),
    ],
)
def test_readers_and_writers_cannot_alter_the_schema(
    deployment: Deployment, login: str, database: str, statement: str
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql_as(deployment, login, database, statement)


@pytest.mark.parametrize("login", ["reader_login", "writer_login"])
def test_only_the_admin_may_migrate(deployment: Deployment, login: str) -> None:
    login_conninfo = deployment.cluster.conninfo("acoustid_ingest", user=login)
    with (
        psycopg.connect(login_conninfo, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        migrate.downgrade(conn, "ingest", 4)
    with psycopg.connect(
        deployment.cluster.conninfo("acoustid_ingest", user="admin_login"), autocommit=True
    ) as admin:
        assert migrate.current_version(admin, "ingest") == 5
        migrate.upgrade(admin, "ingest")  # nothing to do, but allowed


def test_a_reader_sees_lookup_data_but_not_provenance_or_submissions(deployment: Deployment) -> None:
    reader = "reader_login"
    sql_as(
        deployment,
        reader,
        "fingerprint",
        "SELECT count(*) FROM fingerprint, track_mbid, fingerprint_changelog",
    )
    for database, table in (
        ("fingerprint", "fingerprint_source"),
        ("fingerprint", "source"),
        ("ingest", "submission"),
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql_as(deployment, reader, database, f"SELECT * FROM {table}")
    with acoustid_pg.connect(make_conninfo(server_conninfo(deployment.cluster), user=reader)) as client:
        matches = client.lookup(recording(5), duration(5))  # tracks 1 and 2 were merged above
    assert [m.mbid for m in matches[0].mbids] == [uuid.UUID(int=5)]
