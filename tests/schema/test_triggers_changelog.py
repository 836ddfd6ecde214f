"""fingerprint_changelog: what it logs, and that its ids follow commit order.

A consumer reads ``WHERE id > cursor`` and moves its cursor to the largest id
it saw. If a transaction could take a smaller id and commit after a larger one
was read, that row would be skipped for ever; the trigger's advisory lock
prevents it. The control test removes the lock and shows the skip happening, so
the commit-order test is known to be able to fail.
"""

from __future__ import annotations

import random
import threading
import time

import psycopg

from acoustid_pg.cluster import Cluster

# Inserts are logged by the statement trigger's function: the same body without its lock.
UNLOCKED_TRIGGER = """
CREATE OR REPLACE FUNCTION log_fingerprint_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO fingerprint_changelog (fingerprint_id, op, query)
    SELECT r.id, lower(TG_OP), acoustid_extract_query(r.fingerprint) FROM changed_rows AS r ORDER BY r.id;
    RETURN NULL;
END
$$
"""

INSERT = "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 30) RETURNING id"


def items(rng: random.Random) -> list[int]:
    return [rng.getrandbits(31) for _ in range(40)]


def new_track(conn: psycopg.Connection) -> int:
    return conn.execute("INSERT INTO track DEFAULT VALUES RETURNING id").fetchone()[0]


def poll(reader: psycopg.Connection, cursor: int) -> list[int]:
    rows = reader.execute("SELECT id FROM fingerprint_changelog WHERE id > %s ORDER BY id", [cursor])
    return [i for (i,) in rows]


def test_log_entries(schema_conn: psycopg.Connection) -> None:
    conn, rng = schema_conn, random.Random(1)
    first, second = items(rng), items(rng)
    track, other = new_track(conn), new_track(conn)
    fingerprint = conn.execute(INSERT, [track, first]).fetchone()[0]
    conn.execute("INSERT INTO fingerprint_source (fingerprint_id) VALUES (%s)", [fingerprint])  # count only
    conn.execute("UPDATE fingerprint SET fingerprint = %s WHERE id = %s", [second, fingerprint])
    conn.execute("UPDATE fingerprint SET bitrate = 128 WHERE id = %s", [fingerprint])  # not logged
    conn.execute("UPDATE fingerprint SET track_id = %s WHERE id = %s", [other, fingerprint])
    conn.execute("DELETE FROM fingerprint WHERE id = %s", [fingerprint])
    log = conn.execute(
        """SELECT fingerprint_id, op, query = acoustid_extract_query(%s::integer[]),
            query = acoustid_extract_query(%s::integer[])
        FROM fingerprint_changelog ORDER BY id""",
        [first, second],
    ).fetchall()
    assert log == [
        (fingerprint, "insert", True, False),
        (fingerprint, "update", False, True),
        (fingerprint, "update", False, True),
        (fingerprint, "delete", False, True),
    ]


def interleave(cluster: Cluster, dbname: str, expect_wait: bool) -> tuple[list[int], list[int]]:
    """Session 1 takes an id first and commits last; returns (ids a polling reader saw, all ids)."""
    rng = random.Random(2)
    with (
        psycopg.connect(cluster.conninfo(dbname), autocommit=True) as reader,
        psycopg.connect(cluster.conninfo(dbname)) as first,
        psycopg.connect(cluster.conninfo(dbname)) as second,
    ):
        track = new_track(reader)
        first.execute(INSERT, [track, items(rng)])  # takes the smaller id, stays open
        committed = threading.Event()

        def later_session() -> None:
            second.execute(INSERT, [track, items(rng)])
            second.commit()
            committed.set()

        thread = threading.Thread(target=later_session)
        thread.start()
        if expect_wait:
            wait_for_advisory_lock(reader, second.info.backend_pid)
            assert not committed.is_set()
        else:
            thread.join(30)
        seen = poll(reader, 0)
        cursor = max(seen, default=0)
        first.commit()
        thread.join(30)
        seen += poll(reader, cursor)
        return seen, poll(reader, 0)


def wait_for_advisory_lock(conn: psycopg.Connection, pid: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s AND NOT granted", [pid]
        ).fetchone()
        if waiting == (1,):
            return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for the changelog lock")


def test_a_later_transaction_waits_and_the_reader_skips_nothing(cluster: Cluster, schema_dbname: str) -> None:
    seen, everything = interleave(cluster, schema_dbname, expect_wait=True)
    assert len(everything) == 2
    assert seen == everything


def test_control_without_the_lock_the_reader_skips(cluster: Cluster, schema_dbname: str) -> None:
    with psycopg.connect(cluster.conninfo(schema_dbname), autocommit=True) as conn:
        conn.execute(UNLOCKED_TRIGGER)
    seen, everything = interleave(cluster, schema_dbname, expect_wait=False)
    assert len(everything) == 2
    assert seen == everything[1:]  # the first id committed after the second was read


def test_many_writers_one_reader(cluster: Cluster, schema_dbname: str) -> None:
    conninfo = cluster.conninfo(schema_dbname)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        track = new_track(conn)
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(conninfo) as conn:
                for _ in range(15):
                    for _ in range(rng.randint(1, 3)):
                        conn.execute(INSERT, [track, items(rng)])
                    time.sleep(rng.random() * 0.004)  # hold the transaction open a little
                    conn.commit()
        except BaseException as exc:
            errors.append(exc)

    seen: list[int] = []
    with psycopg.connect(conninfo, autocommit=True) as reader:
        threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(3)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            seen += poll(reader, max(seen, default=0))
        seen += poll(reader, max(seen, default=0))
        everything = poll(reader, 0)
    assert errors == []
    assert len(everything) >= 45
    assert seen == everything


def test_a_statement_that_changes_no_fingerprint_takes_no_lock(cluster: Cluster, schema_dbname: str) -> None:
    """Inserts and deletes are logged per statement, and a statement fires for no rows too (a
    track delete cascading to no fingerprint): it must not wait for another writer's lock."""
    rng = random.Random(4)
    with (
        psycopg.connect(cluster.conninfo(schema_dbname), autocommit=True) as setup,
        psycopg.connect(cluster.conninfo(schema_dbname)) as writer,
        psycopg.connect(cluster.conninfo(schema_dbname)) as other,
    ):
        track, empty = new_track(setup), new_track(setup)
        writer.execute(INSERT, [track, items(rng)])  # holds the changelog lock until commit
        other.execute("SET lock_timeout = '5s'")
        other.execute("DELETE FROM track WHERE id = %s", [empty])  # cascades to no fingerprint
        other.execute("DELETE FROM fingerprint WHERE track_id = %s", [empty])
        other.commit()
        writer.commit()
        assert poll(setup, 0) and setup.execute("SELECT count(*) FROM fingerprint_changelog").fetchone() == (
            1,
        )
