"""acoustid_lookup in SQL: the plan goes through the query-term index, and the spec's semantics."""

from __future__ import annotations

import random

import psycopg
import pytest
from psycopg import errors

from acoustid_pg import fingerprint as core
from tests.support.driver import flip, walk
from tests.support.management import scalar

LOOKUP = "SELECT fingerprint_id, track_id, track_gid, score FROM acoustid_lookup(%s::int4[], %s)"


def plans_of_nested_statements(conn: psycopg.Connection, statement: str, params: list[object]) -> list[str]:
    """The plans auto_explain reports for every statement the function runs (as NOTICEs)."""
    notices: list[str] = []
    conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
    conn.execute("LOAD 'auto_explain'")
    for name, value in (("log_min_duration", "0"), ("log_nested_statements", "on"), ("log_level", "notice")):
        conn.execute(f"SET auto_explain.{name} = {value}")
    conn.execute(statement, params).fetchall()
    conn.execute("SET auto_explain.log_min_duration = -1")
    return notices


def test_candidates_come_from_the_query_term_index_never_a_scan(schema_conn: psycopg.Connection) -> None:
    """10,000 analyzed rows, 30% of them in a query's duration window: the plans PL/pgSQL runs
    read candidates from fingerprint_query_idx, and they are its cached generic plans from the
    first call on (planned once a session, not at every call)."""
    conn = schema_conn
    conn.execute("SELECT setseed(0.25)")
    conn.execute("INSERT INTO track SELECT FROM generate_series(1, 10000)")
    conn.execute(
        """INSERT INTO fingerprint (track_id, fingerprint, length)
        SELECT t, (SELECT array_agg((random() * 4294967295 - 2147483648)::int4)
            FROM generate_series(1, 150) WHERE t > 0), 100 + t % 50
        FROM generate_series(1, 10000) AS t"""
    )
    conn.execute("ANALYZE fingerprint")
    conn.execute("ANALYZE track")
    queries = conn.execute(
        "SELECT fingerprint, length FROM fingerprint WHERE id % 1000 = 7 ORDER BY id"
    ).fetchall()
    plans = []
    for query, length in queries:  # ten calls: PL/pgSQL switches to a generic plan after five
        plans += plans_of_nested_statements(conn, LOOKUP, [query, length])
    candidates = [plan for plan in plans if "hit AS MATERIALIZED" in plan]
    scoring = [plan for plan in plans if "scored AS MATERIALIZED" in plan]
    assert len(candidates) == len(queries) and len(scoring) == len(queries)
    assert all("Bitmap Index Scan on fingerprint_query_idx" in plan for plan in candidates)
    assert all("fingerprint_pkey" in plan for plan in scoring)
    assert not [plan for plan in plans if "Seq Scan on fingerprint" in plan]
    # A custom plan would show the query's terms as a constant array; the generic one a parameter.
    assert all("&& $" in plan and "&& '{" not in plan for plan in candidates)
    found = conn.execute(LOOKUP, [queries[0][0], queries[0][1] + 7]).fetchall()
    assert [(row[0], row[3]) for row in found] == [(7, 1.0)]


@pytest.fixture
def library(schema_conn: psycopg.Connection) -> dict[str, object]:
    """Tracks with known fingerprints: a, a close variant of a, an identical copy, b (unrelated)."""
    rng = random.Random(7)
    a = walk(rng)
    near = flip(rng, a, 0.06)
    b = walk(rng)
    conn = schema_conn

    def add(items: list[int], length: int, track: int | None = None) -> tuple[int, int]:
        if track is None:
            track = scalar(conn, "INSERT INTO track DEFAULT VALUES RETURNING id")
        fingerprint = scalar(
            conn,
            "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, %s) RETURNING id",
            [track, items, length],
        )
        return track, fingerprint

    t1, f1 = add(a, 100)
    _, f1near = add(near, 100, t1)  # a second, worse fingerprint of the same track
    t2, f2 = add(near, 101)
    t3, f3 = add(a, 103)  # ties with t1 at score 1: the lower fingerprint id comes first
    t4, f4 = add(b, 100)
    return {"a": a, "near": near, "b": b, "tracks": (t1, t2, t3, t4), "fps": (f1, f1near, f2, f3, f4)}


def test_best_fingerprint_per_track_ordered_by_score_then_id(
    schema_conn: psycopg.Connection, library: dict[str, object]
) -> None:
    t1, t2, t3, _ = library["tracks"]  # type: ignore[misc]
    f1, _, f2, f3, _ = library["fps"]  # type: ignore[misc]
    rows = schema_conn.execute(LOOKUP, [library["a"], 100]).fetchall()
    near = core.compare2(library["a"], library["near"], 80)  # type: ignore[arg-type]
    assert 0.75 < near < 0.95
    assert [(r[0], r[1], r[3]) for r in rows] == [(f1, t1, 1.0), (f3, t3, 1.0), (f2, t2, pytest.approx(near))]
    gids = dict(schema_conn.execute("SELECT id, gid FROM track").fetchall())
    assert all(r[2] == gids[r[1]] for r in rows)
    limited = schema_conn.execute(
        "SELECT track_id FROM acoustid_lookup(%s::int4[], 100, max_results => 2)", [library["a"]]
    ).fetchall()
    assert limited == [(t1,), (t3,)]
    # min_score is exclusive: a fingerprint scoring exactly min_score is not a match.
    strict = schema_conn.execute(
        "SELECT track_id FROM acoustid_lookup(%s::int4[], 100, min_score => %s::real)",
        [library["a"], rows[2][3]],
    ).fetchall()
    assert strict == [(t1,), (t3,)]


def test_the_duration_window_is_inclusive(
    schema_conn: psycopg.Connection, library: dict[str, object]
) -> None:
    t1, t2, t3, _ = library["tracks"]  # type: ignore[misc]

    def tracks(duration: int, diff: int = 7) -> set[int]:
        found = schema_conn.execute(
            "SELECT track_id FROM acoustid_lookup(%s::int4[], %s, max_duration_diff => %s)",
            [library["a"], duration, diff],
        ).fetchall()
        return {row[0] for row in found}

    assert tracks(110) == {t3}  # 103 is 7 away, 100 and 101 are not
    assert tracks(111) == set()
    assert tracks(111, 8) == {t3}
    assert tracks(96) == {t1, t2, t3}  # lengths 100, 101 and 103
    assert tracks(94) == {t1, t2}
    assert tracks(93) == {t1}
    assert tracks(92) == set()


def test_merged_tracks_resolve_and_disabled_ones_drop_out(
    schema_conn: psycopg.Connection, library: dict[str, object]
) -> None:
    t1, t2, t3, _ = library["tracks"]  # type: ignore[misc]
    conn = schema_conn
    conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [t2, t3])  # t3 merged into t2
    # A fingerprint written to t3 after the merge (a racing writer) still resolves to t2.
    late = scalar(
        conn,
        "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 100) RETURNING id",
        [t3, library["a"]],
    )
    conn.execute("UPDATE track SET disabled = TRUE WHERE id = %s", [t1])
    rows = conn.execute(LOOKUP, [library["a"], 100]).fetchall()
    gid2 = scalar(conn, "SELECT gid FROM track WHERE id = %s", [t2])
    f3 = library["fps"][3]  # type: ignore[index]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [(f3, t2, gid2, 1.0)]
    assert late > f3


def test_compressed_strings_give_the_same_answer(
    schema_conn: psycopg.Connection, library: dict[str, object]
) -> None:
    compressed = core.encode_fingerprint(library["a"])  # type: ignore[arg-type]
    by_items = schema_conn.execute(LOOKUP, [library["a"], 100]).fetchall()
    by_text = schema_conn.execute("SELECT * FROM acoustid_lookup(%s::text, 100)", [compressed]).fetchall()
    assert by_text == by_items and len(by_items) == 3


def test_unknown_audio_silence_and_empty_queries_match_nothing(
    schema_conn: psycopg.Connection, library: dict[str, object]
) -> None:
    for query in (walk(random.Random(99)), [627964279] * 300, []):
        assert schema_conn.execute(LOOKUP, [query, 100]).fetchall() == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("NULL::int4[], 100", "query must not be null"),
        ("'{1,2}'::int4[], NULL", "duration must be between 1 and 32767 seconds, not null"),
        ("'{1,2}'::int4[], 0", "duration must be between 1 and 32767 seconds, not 0"),
        ("'{1,2}'::int4[], 32768", "duration must be between 1 and 32767 seconds, not 32768"),
        ("'{1,2}'::int4[], 100, 0", "max_duration_diff must be between 1 and 30 seconds, not 0"),
        ("'{1,2}'::int4[], 100, 31", "max_duration_diff must be between 1 and 30 seconds, not 31"),
        ("'{1,2}'::int4[], 100, 7, -0.1", "min_score must be between 0 and 1, not -0.1"),
        ("'{1,2}'::int4[], 100, 7, 1.5", "min_score must be between 0 and 1, not 1.5"),
        ("'{1,2}'::int4[], 100, 7, 0.4, 0", "max_results must be 1 or more, not 0"),
        ("'{1,2}'::int4[], 100, 7, NULL, 1", "min_score must be between 0 and 1, not null"),
    ],
)
def test_bad_arguments_are_invalid_parameter_values(
    schema_conn: psycopg.Connection, arguments: str, message: str
) -> None:
    with pytest.raises(errors.InvalidParameterValue) as raised:
        schema_conn.execute(f"SELECT * FROM acoustid_lookup({arguments})")
    assert raised.value.diag.message_primary == message


def test_malformed_queries(schema_conn: psycopg.Connection) -> None:
    with pytest.raises(errors.NullValueNotAllowed):
        schema_conn.execute("SELECT * FROM acoustid_lookup('{1,NULL}'::int4[], 100)")
    with pytest.raises(errors.InvalidTextRepresentation, match="invalid compressed fingerprint"):
        schema_conn.execute("SELECT * FROM acoustid_lookup('AQAAAw', 100)")
    with pytest.raises(errors.ArraySubscriptError):
        schema_conn.execute("SELECT * FROM acoustid_lookup('{{1,2},{3,4}}'::int4[], 100)")


def test_a_reader_may_look_up(schema_conn: psycopg.Connection, library: dict[str, object]) -> None:
    with schema_conn.transaction(force_rollback=True):
        schema_conn.execute("SET LOCAL ROLE acoustid_reader")
        assert len(schema_conn.execute(LOOKUP, [library["a"], 100]).fetchall()) == 3
