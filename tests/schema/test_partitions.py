"""Monthly submission partitions: no insert ever fails, rows move into new months, months drop."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest

from acoustid_pg.cluster import Cluster

DATES = [
    "1970-01-01 00:00:00+00",
    "1999-12-31 23:59:59+00",
    "2000-02-29 12:00:00+00",
    "2024-12-31 23:59:59.999+00",
    "2025-01-01 00:00:00+00",
    "2025-03-31 23:30:00-02",  # April in UTC
    "2100-07-04 09:00:00+09",
    "2999-12-31 23:00:00+00",
]


QUEUE_AND_RESULTS = """SELECT 'pending', id, submission_id, submission_created FROM pending_submission
UNION ALL SELECT 'result', id, submission_id, submission_created FROM submission_result ORDER BY 1, 2"""


def insert(conn: psycopg.Connection, created: str, handled: bool = False) -> int:
    row = conn.execute(
        "INSERT INTO submission (fingerprint, length, created, handled)"
        " VALUES ('{1,2}', 30, %s, %s) RETURNING id",
        [created, handled],
    ).fetchone()
    assert row is not None
    return int(row[0])


def partition_of(conn: psycopg.Connection, submission: int) -> str:
    row = conn.execute(
        "SELECT tableoid::regclass::text FROM submission WHERE id = %s", [submission]
    ).fetchone()
    assert row is not None
    return str(row[0])


def partitions(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'submission'::regclass"
    )
    return {name for (name,) in rows}


def test_any_date_is_accepted(schema_conn: psycopg.Connection) -> None:
    ids = [insert(schema_conn, created) for created in [*DATES, "now"]]
    assert {partition_of(schema_conn, i) for i in ids} == {"submission_default"}
    assert schema_conn.execute("SELECT count(*) FROM submission").fetchone() == (len(ids),)


def test_new_months_take_their_rows_out_of_the_default(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn
    ids = {created: insert(conn, created) for created in DATES}
    queued = ids["2025-03-31 23:30:00-02"]
    done = ids["2000-02-29 12:00:00+00"]
    conn.execute("INSERT INTO pending_submission (submission_id) VALUES (%s)", [queued])
    conn.execute("INSERT INTO submission_result (submission_id, track_id) VALUES (%s, 42)", [done])
    before = conn.execute(QUEUE_AND_RESULTS).fetchall()

    conn.execute("SET TimeZone = 'Asia/Tokyo'")  # bounds are UTC months whatever the session says
    for month in ("2025-04-01", "2000-02-10", "1970-01-31", "2999-12-01"):
        assert conn.execute("SELECT create_submission_partition(%s)", [month]).fetchone() == (True,)
    assert conn.execute("SELECT create_submission_partition('2025-04-15')").fetchone() == (False,)

    assert partition_of(conn, queued) == "submission_2025_04"
    assert partition_of(conn, done) == "submission_2000_02"
    assert partition_of(conn, ids["1970-01-01 00:00:00+00"]) == "submission_1970_01"
    assert partition_of(conn, ids["2999-12-31 23:00:00+00"]) == "submission_2999_12"
    assert partition_of(conn, ids["2025-01-01 00:00:00+00"]) == "submission_default"
    assert conn.execute("SELECT count(*) FROM submission").fetchone() == (len(DATES),)
    after = conn.execute(QUEUE_AND_RESULTS).fetchall()
    assert after == before
    bound = conn.execute(
        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'submission_2025_04'"
    ).fetchone()
    assert bound == ("FOR VALUES FROM ('2025-04-01 09:00:00+09') TO ('2025-05-01 09:00:00+09')",)
    # new rows of those months go straight to their partition
    assert partition_of(conn, insert(conn, "2025-04-30 23:59:59+00")) == "submission_2025_04"
    assert partition_of(conn, insert(conn, "2025-05-01 00:00:00+00")) == "submission_default"


def test_partitions_ahead(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn
    assert conn.execute("SELECT create_submission_partitions(2)").fetchone() == (3,)
    assert conn.execute("SELECT create_submission_partitions(2)").fetchone() == (0,)
    today = dt.datetime.now(dt.timezone.utc).date().replace(day=1)
    months = [today]
    for _ in range(2):
        months.append((months[-1] + dt.timedelta(days=32)).replace(day=1))
    expected = {f"submission_{m:%Y_%m}" for m in months} | {"submission_default"}
    assert partitions(conn) == expected
    assert partition_of(conn, insert(conn, "now")) == f"submission_{today:%Y_%m}"
    owners = conn.execute(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname LIKE 'submission\\_%%'"
    ).fetchall()
    assert owners == [("acoustid_admin",)]
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute("SELECT create_submission_partitions(-1)")


def test_dropping_a_month(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn
    for month in ("2024-01-01", "2024-02-01"):
        conn.execute("SELECT create_submission_partition(%s)", [month])
    old = [insert(conn, "2024-01-05", handled=True), insert(conn, "2024-01-20")]
    kept = insert(conn, "2024-02-03", handled=True)
    for submission in [*old, kept]:
        conn.execute("INSERT INTO submission_result (submission_id) VALUES (%s)", [submission])
    conn.execute("INSERT INTO pending_submission (submission_id) VALUES (%s)", [old[1]])

    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="unhandled submissions"):
        conn.execute("SELECT drop_submission_partition('2024-01-31')")
    conn.execute("UPDATE submission SET handled = TRUE")
    assert conn.execute("SELECT drop_submission_partition('2024-01-31')").fetchone() == (True,)
    assert conn.execute("SELECT drop_submission_partition('2024-01-31')").fetchone() == (False,)
    assert "submission_2024_01" not in partitions(conn)
    assert conn.execute("SELECT array_agg(id) FROM submission").fetchone() == ([kept],)
    assert conn.execute("SELECT array_agg(submission_id) FROM submission_result").fetchone() == ([kept],)
    assert conn.execute("SELECT count(*) FROM pending_submission").fetchone() == (0,)


def test_queue_rows_find_their_submission(schema_conn: psycopg.Connection) -> None:
    submission = insert(schema_conn, "2011-11-11 11:11:11+00")
    row = schema_conn.execute(
        "INSERT INTO pending_submission (submission_id) VALUES (%s) RETURNING submission_created",
        [submission],
    ).fetchone()
    assert row == (dt.datetime(2011, 11, 11, 11, 11, 11, tzinfo=dt.timezone.utc),)
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="submission -5 does not exist"):
        schema_conn.execute("INSERT INTO pending_submission (submission_id) VALUES (-5)")


def test_two_maintenance_runs_at_once(cluster: Cluster, schema_dbname: str) -> None:
    created: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def maintain() -> None:
        try:
            with psycopg.connect(cluster.conninfo(schema_dbname)) as conn:
                start.wait(10)
                row = conn.execute("SELECT create_submission_partitions(2)").fetchone()
                assert row is not None
                created.append(row[0])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=maintain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(created) == [0, 3]
