"""Least privilege: what acoustid_reader, acoustid_writer and acoustid_admin may do.

Each statement runs in a transaction under ``SET LOCAL ROLE`` and is rolled back,
so one database serves every case.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from acoustid_pg.cluster import Cluster

BASE_ROWS = {
    "track": "INSERT INTO track DEFAULT VALUES RETURNING id",
    "other_track": "INSERT INTO track DEFAULT VALUES RETURNING id",
    "fingerprint": "INSERT INTO fingerprint (track_id, fingerprint, length)"
    " VALUES (%(track)s, '{1,2}', 9) RETURNING id",
    "submission": "INSERT INTO submission (fingerprint, length) VALUES ('{1}', 10) RETURNING id",
}  # fmt: skip

READER_MAY = [
    "SELECT * FROM track, fingerprint, fingerprint_data, track_mbid, track_meta, meta, track_puid",
    "SELECT * FROM track_foreignid, foreignid, foreignid_vendor, format",
    "SELECT * FROM fingerprint_changelog, track_stats",
    "SELECT * FROM account, application, stats, stats_lookups, stats_user_agents, stats_top_accounts",
    "SELECT * FROM submission_result",
    "SELECT acoustid_compare2(fingerprint, fingerprint, 80) FROM fingerprint",
]

READER_MAY_NOT = [
    "INSERT INTO track DEFAULT VALUES",
    "UPDATE fingerprint SET length = 10",
    "DELETE FROM track_mbid",
    "INSERT INTO account (name, apikey_hash) VALUES ('a', sha256('b'))",
    "UPDATE submission SET handled = TRUE",
    "SELECT * FROM fingerprint_source",  # provenance is not lookup data
    "SELECT * FROM source",
    "SELECT * FROM submission",
    "SELECT * FROM account_openid",
]

WRITER_MAY = [
    "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%(track)s, '{5,6}', 9)",
    "INSERT INTO fingerprint_source (fingerprint_id, submission_id) VALUES (%(fingerprint)s, 1)",
    "UPDATE track SET new_id = %(track)s WHERE id = %(other_track)s",  # a merge, with its triggers
    "DELETE FROM fingerprint WHERE id = %(fingerprint)s",
    "INSERT INTO account (name, apikey_hash) VALUES ('a', sha256('b'))",
    "INSERT INTO pending_submission (submission_id) VALUES (%(submission)s)",
    "UPDATE submission SET handled = TRUE, handled_at = now()",
    "SELECT * FROM fingerprint_changelog, source, fingerprint_source, submission",
]

WRITER_MAY_NOT = [
    "ALTER TABLE fingerprint ADD COLUMN extra integer",
    "CREATE TABLE extra (id integer)",
    "CREATE FUNCTION extra() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
    "CREATE INDEX ON track (created)",
    "DROP MATERIALIZED VIEW track_stats",
    "DROP TABLE meta CASCADE",
    "TRUNCATE track CASCADE",
    "ALTER TABLE submission DETACH PARTITION submission_default",
    "INSERT INTO fingerprint_changelog (fingerprint_id, op, query) VALUES (1, 'delete', '{}')",
    "DELETE FROM fingerprint_changelog",
    "REFRESH MATERIALIZED VIEW track_stats",
    "SELECT create_submission_partitions(1)",
    "SELECT drop_submission_partition('2000-01-01')",
    "CREATE TRIGGER extra BEFORE INSERT ON track FOR EACH ROW EXECUTE FUNCTION fill_submission_created()",
]

ADMIN_MAY = [
    "ALTER TABLE fingerprint ADD COLUMN extra integer",
    "CREATE TABLE extra (id integer)",
    "REFRESH MATERIALIZED VIEW track_stats",
    "SELECT create_submission_partitions(1)",
]


@pytest.fixture(scope="module")
def base(cluster: Cluster, schema_template: str) -> Iterator[tuple[psycopg.Connection, dict[str, object]]]:
    with psycopg.connect(cluster.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE roles_base TEMPLATE {schema_template}")
    with psycopg.connect(cluster.conninfo("roles_base"), autocommit=True) as conn:
        values: dict[str, object] = {}
        for name, statement in BASE_ROWS.items():
            row = conn.execute(statement, values).fetchone()
            assert row is not None
            values[name] = row[0]
        yield conn, values


def run_as(base: tuple[psycopg.Connection, dict[str, object]], role: str, statement: str) -> None:
    conn, values = base
    with conn.transaction(force_rollback=True):
        conn.execute(f"SET LOCAL ROLE {role}")
        conn.execute(statement, values if "%(" in statement else None)


def cases(role: str, allowed: list[str], refused: list[str]) -> list[tuple[str, str, bool]]:
    return [(role, s, True) for s in allowed] + [(role, s, False) for s in refused]


@pytest.mark.parametrize(
    ("role", "statement", "allowed"),
    cases("acoustid_reader", READER_MAY, READER_MAY_NOT)
    + cases("acoustid_writer", WRITER_MAY, WRITER_MAY_NOT)
    + cases("acoustid_admin", ADMIN_MAY, []),
)
def test_privileges(
    base: tuple[psycopg.Connection, dict[str, object]], role: str, statement: str, allowed: bool
) -> None:
    if allowed:
        run_as(base, role, statement)
        return
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(base, role, statement)


def test_a_writer_insert_is_logged_by_the_trigger(base: tuple[psycopg.Connection, dict[str, object]]) -> None:
    """The writer may not write the changelog itself, but its fingerprint inserts are logged."""
    conn, values = base
    with conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL ROLE acoustid_writer")
        fingerprint = conn.execute(
            "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, '{7,8}', 9) RETURNING id",
            [values["track"]],
        ).fetchone()
        assert fingerprint is not None
        logged = conn.execute(
            "SELECT op FROM fingerprint_changelog WHERE fingerprint_id = %s", [fingerprint[0]]
        ).fetchall()
        assert logged == [("insert",)]
