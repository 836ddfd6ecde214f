"""The mirror's schema of record and its migration: the same schema, and a reversible step."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster, pg_bindir
from tests.schema.test_migrations import schema_dump

REPO = Path(__file__).resolve().parents[2]


def test_migration_gives_the_schema_of_record(
    cluster: Cluster, mirror_template: str, make_database: Callable[..., str]
) -> None:
    recorded = make_database(prefix="mb_record")
    for path in sorted((REPO / "sql" / "musicbrainz").glob("*.sql")):
        subprocess.run(
            [
                str(pg_bindir() / "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-1",
                "-f",
                str(path),
                "-d",
                recorded,
            ],
            env=cluster.env(),
            capture_output=True,
            check=True,
        )
    migrated = schema_dump(cluster, mirror_template)
    assert any(line.startswith("CREATE TABLE musicbrainz.recording (") for line in migrated)
    assert schema_dump(cluster, recorded) == migrated


def test_up_down_up_is_identical(
    cluster: Cluster, mirror_template: str, make_database: Callable[..., str]
) -> None:
    dbname = make_database(prefix="mb_updown", template=mirror_template)
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        assert migrate.downgrade(conn, "musicbrainz", 0) == 0
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'musicbrainz%'"
        ).fetchall()
        assert schemas == []
        assert migrate.upgrade(conn, "musicbrainz") == 2  # the mirror, its recording summaries
    assert schema_dump(cluster, dbname) == schema_dump(cluster, mirror_template)


def test_reader_reads_and_cannot_write(mirror_conn: psycopg.Connection) -> None:
    mirror_conn.execute("SET ROLE acoustid_reader")
    assert mirror_conn.execute("SELECT count(*) FROM musicbrainz.track").fetchone() == (0,)
    summaries = mirror_conn.execute("SELECT count(*) FROM musicbrainz.acoustid_recording_summary")
    assert summaries.fetchone() == (0,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        mirror_conn.execute("INSERT INTO musicbrainz.iso_3166_1 VALUES (1, 'GB')")
