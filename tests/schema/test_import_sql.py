"""acoustid_import_submission in SQL: which track an import joins, idempotence, catalog rows, locks."""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

import psycopg
import pytest
from psycopg import errors

from acoustid_pg import fingerprint as core
from acoustid_pg.cluster import Cluster
from tests.support.driver import count_mismatches, flip, walk
from tests.support.management import scalar

IMPORT = """SELECT track_id, fingerprint_id, action, skip_reason, repeated
FROM acoustid_import_submission(%s, %s::int4[], %s, recording => %s, meta_fields => %s::jsonb,
    foreign_ref => %s, application => 1, account => 1)"""
MBID = uuid.UUID(int=5)


def do_import(
    conn: psycopg.Connection, submission: int, items: list[int], length: int = 100, **extra: Any
) -> tuple[Any, ...]:
    row = conn.execute(
        IMPORT, [submission, items, length, extra.get("mbid", MBID), extra.get("meta"), extra.get("foreign")]
    ).fetchone()
    assert row is not None
    return tuple(row)


def snapshot(conn: psycopg.Connection) -> dict[str, object]:
    """Every table's rows, for proving that a call changed nothing."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
            " AND relname IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public') ORDER BY 1"
        ).fetchall()
    ]
    return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in tables}


def test_the_thresholds_are_named_constants(schema_conn: psycopg.Connection) -> None:
    row = schema_conn.execute(
        "SELECT acoustid_track_max_offset(), acoustid_lookup_min_score(), acoustid_track_merge_threshold(),"
        " acoustid_track_group_min(), acoustid_fingerprint_merge_threshold(),"
        " acoustid_fingerprint_max_length_diff(), acoustid_fingerprint_min_unique_items()"
    ).fetchone()
    assert row == (80, pytest.approx(0.4), 0.75, pytest.approx(0.4), pytest.approx(0.9), 7, 80)


def test_match_or_create_follows_the_thresholds(schema_conn: psycopg.Connection) -> None:
    rng = random.Random(3)
    base = walk(rng)
    close = flip(rng, base, 0.02)  # about 0.96: the same fingerprint
    variant = flip(rng, base, 0.06)  # about 0.88: the same track, a fingerprint of its own
    distant = flip(rng, base, 0.16)  # below 0.75: another track
    scores = [core.compare2(base, other, 80) for other in (close, variant, distant)]
    assert scores[0] > 0.9 and 0.75 < scores[1] <= 0.9 and scores[2] <= 0.75
    conn = schema_conn
    first = do_import(conn, 1, base)
    assert first[2:] == ("new_track", None, False)
    assert do_import(conn, 2, close, 104)[:3] == (first[0], first[1], "matched_fingerprint")
    third = do_import(conn, 3, variant, 93)
    assert third[0] == first[0] and third[1] != first[1] and third[2] == "new_fingerprint"
    fourth = do_import(conn, 4, distant)
    assert fourth[0] != first[0] and fourth[2] == "new_track"
    assert do_import(conn, 5, base, 108)[2] == "new_track"  # 8 s from the first: outside the window
    counts = conn.execute("SELECT id, submission_count FROM fingerprint ORDER BY id").fetchall()
    assert counts == [(first[1], 2), (third[1], 1), (fourth[1], 1), (first[1] + 3, 1)]
    assert scalar(conn, "SELECT submission_count FROM track_mbid WHERE track_id = %s", [first[0]]) == 3
    assert count_mismatches(conn) == []


def test_a_track_is_joined_only_if_every_fingerprint_agrees(schema_conn: psycopg.Connection) -> None:
    rng = random.Random(4)
    base, stranger = walk(rng), walk(rng)
    conn = schema_conn
    # Track 1 holds base and an unrelated fingerprint; track 2 holds a copy of base only.
    mixed = do_import(conn, 1, base)[0]
    conn.execute(
        "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 100)", [mixed, stranger]
    )
    clean = scalar(conn, "INSERT INTO track DEFAULT VALUES RETURNING id")
    conn.execute(
        "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 100)",
        [clean, flip(rng, base, 0.03)],
    )
    # The best match is on track 1, but its stranger scores 0 against the new one: track 2 wins.
    joined = do_import(conn, 2, flip(rng, base, 0.01))
    assert joined[0] == clean and joined[2] == "matched_fingerprint"
    # A fingerprint of the track 8 s away from the new one also rules the track out.
    conn.execute("UPDATE fingerprint SET length = 92 WHERE track_id = %s", [clean])
    conn.execute("DELETE FROM fingerprint WHERE track_id = %s AND fingerprint = %s", [mixed, stranger])
    conn.execute(
        "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 109)", [mixed, base]
    )
    assert do_import(conn, 3, base, 101)[2] == "new_track"
    assert do_import(conn, 4, base, 102)[:3] == (
        mixed,
        scalar(conn, "SELECT min(id) FROM fingerprint"),
        "matched_fingerprint",
    )


def test_disabled_tracks_are_not_joined_and_merged_ones_resolve(schema_conn: psycopg.Connection) -> None:
    rng = random.Random(5)
    base, other = walk(rng), walk(rng)
    conn = schema_conn
    disabled = do_import(conn, 1, base)[0]
    conn.execute("UPDATE track SET disabled = TRUE WHERE id = %s", [disabled])
    assert do_import(conn, 2, base)[0] != disabled
    merged = do_import(conn, 3, other)[0]
    target = scalar(conn, "INSERT INTO track DEFAULT VALUES RETURNING id")
    conn.execute(
        "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 100)",
        [target, flip(rng, other, 0.06)],
    )
    conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [target, merged])
    first = scalar(conn, "SELECT min(id) FROM fingerprint WHERE fingerprint = %s", [other])
    assert do_import(conn, 5, other)[:3] == (target, first, "matched_fingerprint")


def test_a_second_run_returns_the_first_result_and_changes_nothing(schema_conn: psycopg.Connection) -> None:
    rng = random.Random(6)
    base = walk(rng)
    conn = schema_conn
    meta = '{"track": "Silver", "year": 1999}'
    results = [
        do_import(conn, 1, base, meta=meta, foreign="discogs:1"),
        do_import(conn, 2, flip(rng, base, 0.06), meta=meta),
        do_import(conn, 3, base, meta=meta),
        do_import(conn, 4, [1, 2, 3]),
    ]
    before = snapshot(conn)
    again = [
        do_import(conn, 1, base, meta=meta, foreign="discogs:1"),
        do_import(conn, 2, flip(random.Random(0), base, 0.06), meta=meta),  # the id decides, not the items
        do_import(conn, 3, base, meta=meta),
        do_import(conn, 4, [1, 2, 3]),
    ]
    assert snapshot(conn) == before
    assert [r[:4] for r in again] == [r[:4] for r in results]
    assert [r[2] for r in results] == ["new_track", "new_fingerprint", "matched_fingerprint", "skipped"]
    assert [r[4] for r in again] == [True, True, True, False]  # a skip writes nothing to repeat
    full = conn.execute(
        "SELECT source_id, meta_id FROM acoustid_import_submission(2, '{1}', 1, meta_fields => %s)", [meta]
    ).fetchone()
    assert full == (scalar(conn, "SELECT id FROM source"), scalar(conn, "SELECT id FROM meta"))


def test_unusable_submissions_are_skipped_without_writes(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn
    before = snapshot(conn)
    assert do_import(conn, 1, list(range(79)) * 3)[2:4] == (
        "skipped",
        "too few distinct items (79, fewer than 80)",
    )
    assert do_import(conn, 2, [627964279] * 500)[3] == "too few distinct items (1, fewer than 80)"
    assert do_import(conn, 3, [])[3] == "too few distinct items (0, fewer than 80)"
    assert conn.execute("SELECT acoustid_unusable_reason(%s)", [list(range(80))]).fetchone() == (None,)
    assert snapshot(conn) == before


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ("NULL, '{1}', 10", errors.InvalidParameterValue, "submission and items must not be null"),
        ("1, NULL, 10", errors.InvalidParameterValue, "submission and items must not be null"),
        ("1, '{1}', 0", errors.InvalidParameterValue, "duration must be between 1 and 32767 seconds, not 0"),
        ("1, '{1}', 40000", errors.InvalidParameterValue, "not 40000"),
        ("1, (SELECT array_agg(n) FROM generate_series(1, 100) n), 10, foreign_ref => 'x'",
         errors.InvalidParameterValue, "foreign id must look like vendor:id, not 'x'"),
        ("1, (SELECT array_agg(n) FROM generate_series(1, 100) n), 10, meta_fields => '{\"year\": \"MMI\"}'",
         errors.InvalidTextRepresentation, "invalid input syntax for type integer"),
        ("1, (SELECT array_agg(n) FROM generate_series(1, 100) n), 10, bitrate => 0",
         errors.CheckViolation, "fingerprint_bitrate_check"),
        ("1, (SELECT array_agg(n) FROM generate_series(1, 100) n), 10, format_ref => 12345",
         errors.ForeignKeyViolation, "fingerprint_format_id_fkey"),
    ],
)  # fmt: skip
def test_bad_submissions_fail_whole(
    schema_conn: psycopg.Connection, arguments: str, error: type[Exception], message: str
) -> None:
    before = snapshot(schema_conn)
    with pytest.raises(error, match=message):
        schema_conn.execute(f"SELECT * FROM acoustid_import_submission({arguments})")
    assert snapshot(schema_conn) == before


def test_catalog_rows_are_found_not_duplicated(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn
    find = "SELECT acoustid_find_or_create_meta(%s::jsonb)"
    first = scalar(conn, find, ['{"track": "A", "artist": "B", "year": 2000}'])
    assert scalar(conn, find, ['{"year": 2000, "artist": "B", "track": "A", "ignored": 1}']) == first
    assert scalar(conn, find, ['{"track": "A", "artist": "B"}']) != first  # a NULL year is a difference
    assert scalar(conn, find, ["{}"]) is None and scalar(conn, find, [None]) is None
    vendor = "SELECT acoustid_find_or_create_foreignid(%s)"
    spotify = scalar(conn, vendor, ["spotify:track:6rqhFgbbKwnb9MLmUQDhG6"])
    assert scalar(conn, vendor, ["spotify:track:6rqhFgbbKwnb9MLmUQDhG6"]) == spotify
    assert conn.execute("SELECT name FROM foreignid WHERE id = %s", [spotify]).fetchone() == (
        "track:6rqhFgbbKwnb9MLmUQDhG6",
    )
    assert scalar(conn, vendor, ["newvendor:1"]) != spotify
    assert scalar(conn, "SELECT count(*) FROM foreignid_vendor WHERE name = 'newvendor'") == 1
    source = "SELECT acoustid_find_or_create_source(%s, %s, %s)"
    unversioned = scalar(conn, source, [1, 2, None])
    assert scalar(conn, source, [1, 2, None]) == unversioned  # NULL versions are one source
    assert scalar(conn, source, [1, 2, "1.0"]) != unversioned
    assert scalar(conn, "SELECT acoustid_find_or_create_format('mp3')") == 1
    assert scalar(conn, "SELECT count(*) FROM meta") == 2 and scalar(conn, "SELECT count(*) FROM source") == 2


def test_metadata_is_found_through_its_key_index(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn
    conn.execute(
        "INSERT INTO meta (track, artist) SELECT 'title ' || n, 'artist' FROM generate_series(1, 5000) n"
    )
    conn.execute("ANALYZE meta")
    plan = conn.execute(
        "EXPLAIN SELECT id FROM meta AS m"
        " WHERE acoustid_meta_key(m.track, m.artist, m.album, m.album_artist, m.track_no, m.disc_no, m.year)"
        " = acoustid_meta_key('title 7', 'artist', NULL, NULL, NULL, NULL, NULL)"
    ).fetchall()
    assert "meta_key_idx" in "\n".join(line for (line,) in plan)
    assert scalar(conn, 'SELECT acoustid_find_meta(\'{"track": "title 7", "artist": "artist"}\')') == 7


def test_concurrent_creators_of_one_meta_row_agree(cluster: Cluster, schema_dbname: str) -> None:
    """The second creator waits for the first one's commit, then finds its row."""
    fields = '{"track": "Thunder", "album": "Canyon"}'
    with (
        psycopg.connect(cluster.conninfo(schema_dbname)) as first,
        psycopg.connect(cluster.conninfo(schema_dbname)) as second,
    ):
        created = scalar(first, "SELECT acoustid_find_or_create_meta(%s::jsonb)", [fields])
        found: list[int] = []
        waiter = threading.Thread(
            target=lambda: found.append(
                scalar(second, "SELECT acoustid_find_or_create_meta(%s::jsonb)", [fields])
            )
        )
        waiter.start()
        waiter.join(0.5)
        assert waiter.is_alive()  # blocked on the first creator's lock
        first.commit()
        waiter.join(10)
        second.commit()
        assert found == [created]


def duration_buckets(conn: psycopg.Connection, duration: int) -> set[int]:
    """The advisory locks acoustid_lock_duration_window takes, read from pg_locks."""
    with conn.transaction(force_rollback=True):
        conn.execute("SELECT acoustid_lock_duration_window(%s)", [duration])
        rows = conn.execute(
            "SELECT objid::integer FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            " AND classid = hashtext('acoustid_pg.import.duration')::oid"
        ).fetchall()
    return {objid for (objid,) in rows}


def test_imports_that_could_match_share_a_duration_lock(schema_conn: psycopg.Connection) -> None:
    buckets = {duration: duration_buckets(schema_conn, duration) for duration in range(1, 200)}
    for a in buckets:
        for b in range(a, min(a + 8, 200)):  # |a - b| <= 7: they could match each other
            assert buckets[a] & buckets[b], (a, b)
    assert not buckets[100] & buckets[130]  # far apart: they run in parallel


def test_a_writer_may_import_a_reader_may_not(schema_conn: psycopg.Connection) -> None:
    items = walk(random.Random(8))
    with schema_conn.transaction(force_rollback=True):
        schema_conn.execute("SET LOCAL ROLE acoustid_writer")
        imported = do_import(schema_conn, 1, items, meta='{"track": "x"}', foreign="newvendor:1")
        assert imported[2] == "new_track"
    with schema_conn.transaction(force_rollback=True), pytest.raises(errors.InsufficientPrivilege):
        schema_conn.execute("SET LOCAL ROLE acoustid_reader")
        do_import(schema_conn, 1, items)
