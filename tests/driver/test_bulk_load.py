"""bulk_load(): binary COPY of fingerprints into tracks, a transaction per batch, optionally
rebuilding the lookup indexes."""

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
from acoustid_pg.errors import InvalidArgumentError, StatementCancelled
from acoustid_pg.indexes import LOOKUP_INDEXES
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


def test_a_bad_row_loads_nothing_of_its_batch(deployment: Deployment, client: AcoustID) -> None:
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
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint") == 0
    assert scalar(deployment.fp, "SELECT count(*) FROM track") == 0
    # A bad row in the second batch: the first batch stays loaded (a load resumes, never restarts),
    # and progress was told so; nothing of the second batch is left.
    many = [FingerprintRow(walk(rng, 20), 30) for _ in range(BATCH_ROWS + 1)]
    committed: list[int] = []
    with pytest.raises(InvalidArgumentError, match=rf"rows\[{BATCH_ROWS + 1}\]\.length"):
        client.bulk_load([*many, FingerprintRow([1], 0)], progress=committed.append)
    assert committed == [BATCH_ROWS]
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint") == BATCH_ROWS
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint_data") == BATCH_ROWS
    assert scalar(deployment.fp, "SELECT count(*) FROM fingerprint_changelog") == BATCH_ROWS
    assert count_mismatches(deployment.fp) == []
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


def test_the_loader_writes_what_the_triggers_write(deployment: Deployment, client: AcoustID) -> None:
    """fingerprint_data computed in the client (bytes, binary cube) equals the SQL functions',
    and the changelog holds one entry per row, in id order, with the SQL query terms."""
    fp = deployment.fp
    rng = random.Random(8)
    prints = [walk(rng, rng.randrange(1, 1200)) for _ in range(40)] + [[-1, 0, 2**31 - 1, -(2**31)]]
    assert client.bulk_load((FingerprintRow(p, 100) for p in prints), batch_rows=7) == len(prints)
    rows = fp.execute(
        """SELECT f.fingerprint, d.fingerprint = acoustid_fingerprint_bytes(f.fingerprint),
            d.simhash = acoustid_simhash_cube(f.fingerprint) AND cube_is_point(d.simhash),
            d.simhash::text = acoustid_simhash_cube(f.fingerprint)::text
        FROM fingerprint AS f JOIN fingerprint_data AS d ON d.fingerprint_id = f.id ORDER BY f.id"""
    ).fetchall()
    assert [row[0] for row in rows] == prints
    assert all(row[1:] == (True, True, True) for row in rows)
    log = fp.execute(
        """SELECT c.fingerprint_id = f.id AND c.query = acoustid_extract_query(f.fingerprint)
        FROM fingerprint_changelog AS c JOIN fingerprint AS f ON f.id = c.fingerprint_id
        WHERE c.op = 'insert' ORDER BY c.id"""
    ).fetchall()
    assert log == [(True,)] * len(prints)
    assert fp.execute("SELECT fingerprint_id FROM fingerprint_changelog ORDER BY id").fetchall() == sorted(
        fp.execute("SELECT id FROM fingerprint").fetchall()
    )


def test_lookup_index_definitions_are_the_schemas(deployment: Deployment) -> None:
    """The definitions a first load rebuilds from are those a migrated database has."""
    found = dict(
        deployment.fp.execute(
            "SELECT relname, pg_get_indexdef(oid) FROM pg_class WHERE relname = any(%s)",
            [list(LOOKUP_INDEXES)],
        ).fetchall()
    )
    assert set(found) == set(LOOKUP_INDEXES)
    for name, definition in LOOKUP_INDEXES.items():
        assert found[name].replace("public.", "") == f"CREATE INDEX {name} {definition}"


def test_a_failed_rebuilding_load_still_builds_the_indexes(deployment: Deployment, client: AcoustID) -> None:
    fp = deployment.fp
    rng = random.Random(9)
    rows = [FingerprintRow(walk(rng), 100) for _ in range(10)]
    with pytest.raises(InvalidArgumentError):
        client.bulk_load([*rows, FingerprintRow([], 1)], rebuild_indexes=True, batch_rows=5)
    assert scalar(fp, "SELECT count(*) FROM fingerprint") == 10
    assert client.indexes.missing() == []
    # What an operator does after a crash mid-load: build whatever is missing.
    fp.execute("DROP INDEX fingerprint_query_idx")
    fp.execute("DROP INDEX fingerprint_length_idx")
    assert client.indexes.missing() == ["fingerprint_length_idx", "fingerprint_query_idx"]
    assert set(client.indexes.restore()) == {"fingerprint_length_idx", "fingerprint_query_idx"}
    assert client.indexes.missing() == []
    (match,) = client.lookup(rows[3].fingerprint, 100)
    assert match.score == 1.0


def test_a_copy_the_server_stops_midway_raises_and_keeps_the_batches_before(
    deployment: Deployment, client: AcoustID
) -> None:
    """The loader queues a batch's COPY data for a writer thread: a server error in the middle of
    the stream (here a trigger's, on a row several chunks in) must reach the caller as the
    facade's typed error, without hanging, and leave the connection fit for the next load."""
    fp = deployment.fp
    fp.execute(
        """CREATE FUNCTION stop_at_4242() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.length = 4242 THEN
                RAISE EXCEPTION 'stopped at row %', NEW.id USING ERRCODE = 'query_canceled';
            END IF;
            RETURN NEW;
        END $$"""
    )
    fp.execute(
        "CREATE TRIGGER stop_at_4242 BEFORE INSERT ON fingerprint"
        " FOR EACH ROW EXECUTE FUNCTION stop_at_4242()"
    )
    rng = random.Random(11)
    rows = [FingerprintRow(walk(rng), 100) for _ in range(700)]
    rows[550] = FingerprintRow(walk(rng), 4242)  # the third 128-row chunk of the second batch
    committed: list[int] = []
    with pytest.raises(StatementCancelled, match="stopped at row"):
        client.bulk_load(rows, batch_rows=300, progress=committed.append)
    assert committed == [300]
    assert scalar(fp, "SELECT count(*) FROM fingerprint") == 300
    assert scalar(fp, "SELECT count(*) FROM fingerprint_data") == 300
    fp.execute("DROP TRIGGER stop_at_4242 ON fingerprint")
    assert client.bulk_load(rows[300:], batch_rows=300) == 400
    assert scalar(fp, "SELECT count(*) FROM fingerprint") == 700
    assert count_mismatches(fp) == []
