"""Hostile input to the backend: adversarial arrays and text through every SQL
function. Nothing crashes, every answer is sane and equals the in-process
core's, and every refusal is a clean ERROR with the documented SQLSTATE."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acoustid_pg import fingerprint
from acoustid_pg.cluster import Cluster

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
EXTREMES = st.sampled_from([INT_MIN, INT_MAX, 0, -1, 1, 627964279, -262144, 2147221504])
HOSTILE = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

adversarial_arrays = st.one_of(
    st.lists(EXTREMES, max_size=400),
    st.lists(st.integers(INT_MIN, INT_MAX), max_size=400),
    st.builds(lambda value, n: [value] * n, EXTREMES, st.integers(0, 5000)),
    st.builds(lambda n: list(range(n)), st.integers(0, 3000)),
    st.builds(lambda n: [INT_MIN + i for i in range(n)], st.integers(0, 3000)),
)
offsets = st.one_of(EXTREMES, st.integers(-1000, 1000))


def bits(x: float) -> bytes:
    return struct.pack("<f", x)


@pytest.fixture(scope="module")
def sql(cluster: Cluster) -> Iterator[psycopg.Connection]:
    with psycopg.connect(cluster.conninfo("acoustid_template"), autocommit=True) as conn:
        yield conn


def sqlstate(conn: psycopg.Connection, query: str, *params: object) -> str | None:
    try:
        conn.execute(query, params).fetchall()
    except psycopg.Error as exc:
        return exc.sqlstate
    return None


@HOSTILE
@given(a=adversarial_arrays, b=adversarial_arrays, maxoffset=offsets)
def test_adversarial_arrays_are_answered_sanely(
    sql: psycopg.Connection, a: list[int], b: list[int], maxoffset: int
) -> None:
    row = sql.execute(
        """SELECT acoustid_compare2(%(a)s::int4[], %(b)s::int4[], %(m)s),
                  acoustid_compare(%(a)s::int4[], %(b)s::int4[]),
                  acoustid_compare3(%(a)s::int4[], %(b)s::int4[], least(greatest(%(m)s, -1), 50)),
                  acoustid_extract_query(%(a)s::int4[]),
                  acoustid_simhash(%(a)s::int4[]),
                  acoustid_decode_fingerprint(acoustid_encode_fingerprint(%(a)s::int4[])) = %(a)s::int4[]""",
        {"a": a, "b": b, "m": maxoffset},
    ).fetchone()
    assert row is not None
    compare2, compare, compare3, query, simhash, round_trip = row
    for score in (compare2, compare, compare3):
        assert 0.0 <= score <= 1.0
    assert bits(compare2) == bits(fingerprint.compare2(a, b, maxoffset))
    assert query == fingerprint.extract_query(a) and len(query) <= 120
    assert simhash == fingerprint.simhash(a)
    assert round_trip


@HOSTILE
@given(a=st.lists(st.one_of(st.none(), EXTREMES), min_size=1, max_size=50))
def test_null_elements_are_refused_with_22004(sql: psycopg.Connection, a: list[int | None]) -> None:
    functions = ["acoustid_compare2(%s::int4[], '{1}')", "acoustid_extract_query(%s::int4[])",
                 "acoustid_simhash(%s::int4[])", "acoustid_encode_fingerprint(%s::int4[])"]  # fmt: skip
    expected = "22004" if None in a else None
    for function in functions:
        assert sqlstate(sql, f"SELECT {function}", a) == expected


@HOSTILE
@given(rows=st.integers(1, 5), columns=st.integers(1, 5))
def test_many_dimensions_are_refused_with_2202E(sql: psycopg.Connection, rows: int, columns: int) -> None:
    matrix = "{" + ",".join("{" + ",".join(["7"] * columns) + "}" for _ in range(rows)) + "}"
    for function in ("acoustid_compare2(%s::int4[], '{1}')", "acoustid_compare(%s::int4[], '{1}')",
                     "acoustid_extract_query(%s::int4[])", "acoustid_simhash_cube(%s::int4[])"):  # fmt: skip
        assert sqlstate(sql, f"SELECT {function}", matrix) == "2202E"


@HOSTILE
@given(text=st.text(max_size=200).filter(lambda t: "\x00" not in t))
def test_any_text_decodes_or_is_refused_with_22P02(sql: psycopg.Connection, text: str) -> None:
    state = sqlstate(
        sql, "SELECT acoustid_decode_fingerprint(%s), acoustid_fingerprint_algorithm(%s)", text, text
    )
    assert state in (None, "22P02")


@HOSTILE
@given(algorithm=st.one_of(st.integers(INT_MIN, -1), st.integers(256, INT_MAX)))
def test_impossible_algorithms_are_refused_with_22023(sql: psycopg.Connection, algorithm: int) -> None:
    assert sqlstate(sql, "SELECT acoustid_encode_fingerprint('{1}', %s)", algorithm) == "22023"


def test_long_comparisons_can_be_cancelled(sql: psycopg.Connection) -> None:
    """Long work honours statement_timeout (the core checks for interrupts)."""
    sql.execute(
        "CREATE TEMP TABLE IF NOT EXISTS big AS SELECT array_agg(i) AS a FROM generate_series(1, 2000000) i"
    )
    for query in (
        "SELECT acoustid_compare3(a, a, 1000) FROM big",
        "SELECT acoustid_compare(a, a || a) FROM big",
    ):
        with sql.transaction():
            sql.execute("SET LOCAL statement_timeout = '100ms'")
            assert sqlstate(sql, query) == "57014", query
