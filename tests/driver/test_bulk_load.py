"""bulk_load(): binary COPY of fingerprints into tracks, all or nothing, optionally rebuilding indexes."""

from __future__ import annotations

import random
import uuid

import psycopg
import pytest

import acoustid_pg
from acoustid_pg import fingerprint as core
from acoustid_pg.api import AcoustID
from acoustid_pg.bulk import BATCH_ROWS, FingerprintRow
from acoustid_pg.cluster import Cluster
from acoustid_pg.errors import InvalidArgumentError
from tests.support.driver import count_mismatches, walk
from tests.support.management import Deployment, scalar, server_conninfo

SHARED = uuid.UUID(int=42)


def index_definitions(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'fingerprint'::regclass ORDER BY 1"
    ).fetchall()
    return [definition for (definition,) in rows]


@pytest.mark.parametrize("rebuild_indexes", [False, True])
def test_rows_become_tracks_and_fingerprints(
    deployment: Deployment, client: AcoustID, rebuild_indexes: bool
) -> None:
    fp = deployment.fp
    existing = scalar(fp, "INSERT INTO track DEFAULT VALUES RETURNING gid")
    indexes = index_definitions(fp)
    rng = random.Random(1)
    prints = [walk(rng) for _ in range(6)]
    rows = [
        FingerprintRow(prints[0], 180, SHARED, 320),
        FingerprintRow(core.encode_fingerprint(prints[1]), 181, str(SHARED)),
        FingerprintRow(prints[2], 60, existing),
        FingerprintRow(prints[3], 61),
        FingerprintRow(prints[4], 62),
        FingerprintRow(prints[5][:1], 1, bitrate=1),  # the smallest fingerprint there is
    ]
    assert client.bulk_load(iter(rows), rebuild_indexes=rebuild_indexes) == 6
    loaded = fp.execute(
        "SELECT t.gid, f.fingerprint, f.length, f.bitrate, f.submission_count"
        " FROM fingerprint AS f JOIN track AS t ON t.id = f.track_id ORDER BY f.id"
    ).fetchall()
    assert [row[1:] for row in loaded] == [
        (prints[0], 180, 320, 0), (prints[1], 181, None, 0), (prints[2], 60, None, 0),
        (prints[3], 61, None, 0), (prints[4], 62, None, 0), (prints[5][:1], 1, 1, 0),
    ]  # fmt: skip
    gids = [row[0] for row in loaded]
    assert gids[:3] == [SHARED, SHARED, existing] and len(set(gids)) == 5
    assert scalar(fp, "SELECT count(*) FROM track") == 5
    assert scalar(fp, "SELECT count(*) FROM fingerprint_changelog WHERE op = 'insert'") == 6
    assert index_definitions(fp) == indexes
    assert count_mismatches(fp) == []
    (match,) = client.lookup(prints[3], 61)
    assert (match.track_gid, match.score) == (gids[3], 1.0)


def test_a_bad_row_loads_nothing(deployment: Deployment, client: AcoustID) -> None:
    rng = random.Random(2)
    good = [FingerprintRow(walk(rng, 20), 30) for _ in range(3)]
    cases = [
        (FingerprintRow([1, 2**31], 30), "fingerprint", "int4 integers"),
        (FingerprintRow([1, "2"], 30), "fingerprint", "int4 integers"),  # type: ignore[list-item]
        (FingerprintRow([], 30), "fingerprint", "must not be empty"),
        (FingerprintRow("AQAAAw", 30), "fingerprint", "invalid compressed fingerprint"),
        (FingerprintRow({1, 2}, 30), "fingerprint", "expected a list"),  # type: ignore[arg-type]
        (FingerprintRow([1], 0), "length", "between 1 and 32767"),
        (FingerprintRow([1], 30, "nope"), "track_gid", "not a valid UUID"),
        (FingerprintRow([1], 30, bitrate=0), "bitrate", "between 1 and 32767"),
        ("not a row", "", "expected a FingerprintRow"),
    ]
    for bad, field, problem in cases:
        with pytest.raises(InvalidArgumentError) as raised:
            client.bulk_load([*good, bad])  # type: ignore[list-item]
        where = f"rows[{len(good)}]" + (f".{field}" if field else "")
        assert raised.value.field == where and problem in raised.value.problem
    # A bad row after a whole batch has been copied: that batch is rolled back too.
    many = [FingerprintRow(walk(rng, 20), 30) for _ in range(BATCH_ROWS + 1)]
    with pytest.raises(InvalidArgumentError, match=rf"rows\[{BATCH_ROWS + 1}\]\.length"):
        client.bulk_load([*many, FingerprintRow([1], 0)])
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint") == 0
    assert scalar(deployment.fp, "SELECT count(*) FROM track") == 0
    assert client.bulk_load([FingerprintRow((5, 6), 30)]) == 1  # a tuple of items will do


def test_everything_works_in_one_database(cluster: Cluster, schema_dbname: str) -> None:
    """A small install keeps app, fingerprint and ingest in one database: no name clashes."""
    name = schema_dbname
    with acoustid_pg.connect(server_conninfo(cluster), app=name, fingerprint=name, ingest=name) as client:
        with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
            account = scalar(
                conn, "INSERT INTO account (name, apikey_hash) VALUES ('one', sha256('k1')) RETURNING id"
            )
            application = scalar(
                conn, "INSERT INTO application (name, apikey_hash) VALUES ('one', sha256('k2')) RETURNING id"
            )
        items = walk(random.Random(3))
        ids = client.submit(items, 90, mbids=[SHARED], account_id=account, application_id=application)
        (result,) = client.process_submissions()
        assert result.submission_id == ids[0] and result.action == "new_track"
        assert client.bulk_load([FingerprintRow(walk(random.Random(4)), 90)]) == 1
        (match,) = client.lookup(items, 90)
        assert match.track_gid == result.track_gid and match.mbids[0].mbid == SHARED
