"""The submission-count and track-merge triggers of the fingerprint database."""

from __future__ import annotations

import random
import uuid

import psycopg
import pytest

LINKS = {  # link table -> (key column, provenance table)
    "track_mbid": ("mbid", "track_mbid_source"),
    "track_meta": ("meta_id", "track_meta_source"),
    "track_puid": ("puid", "track_puid_source"),
    "track_foreignid": ("foreignid_id", "track_foreignid_source"),
}
COUNTED = {"fingerprint": "fingerprint_source", **{link: source for link, (_, source) in LINKS.items()}}


def count_mismatches(conn: psycopg.Connection) -> list[tuple[str, int, int, int]]:
    """Rows whose submission_count differs from the number of their provenance rows."""
    found = []
    for table, source in COUNTED.items():
        found += conn.execute(
            f"""SELECT '{table}', t.id, t.submission_count,
                (SELECT count(*) FROM {source} s WHERE s.{table}_id = t.id)::integer AS provenance
            FROM {table} t"""
        ).fetchall()
    return [row for row in found if row[2] != row[3]]


def new_track(conn: psycopg.Connection) -> int:
    return conn.execute("INSERT INTO track DEFAULT VALUES RETURNING id").fetchone()[0]


def new_fingerprint(conn: psycopg.Connection, track: int, items: list[int] | None = None) -> int:
    items = items or [random.getrandbits(31) for _ in range(20)]
    return conn.execute(
        "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 30) RETURNING id",
        [track, items],
    ).fetchone()[0]


def new_meta(conn: psycopg.Connection, title: str) -> int:
    return conn.execute("INSERT INTO meta (track) VALUES (%s) RETURNING id", [title]).fetchone()[0]


def new_foreignid(conn: psycopg.Connection, name: str) -> int:
    return conn.execute(
        """INSERT INTO foreignid (vendor_id, name)
        SELECT id, %s FROM foreignid_vendor WHERE name = 'discogs' RETURNING id""",
        [name],
    ).fetchone()[0]


def link(conn: psycopg.Connection, table: str, track: int, key: object, backers: int) -> int:
    """A link with ``backers`` provenance rows behind it."""
    column, source = LINKS[table]
    link_id = conn.execute(
        f"INSERT INTO {table} (track_id, {column}) VALUES (%s, %s) RETURNING id", [track, key]
    ).fetchone()[0]
    conn.execute(
        f"INSERT INTO {source} ({table}_id) SELECT %s FROM generate_series(1, %s)", [link_id, backers]
    )
    return link_id


# --- submission counts ---


def test_counts_start_at_zero(schema_conn: psycopg.Connection) -> None:
    track = new_track(schema_conn)
    fingerprint = new_fingerprint(schema_conn, track)
    mbid = link(schema_conn, "track_mbid", track, uuid.uuid4(), 0)
    counts = schema_conn.execute(
        "SELECT (SELECT submission_count FROM fingerprint WHERE id = %s),"
        " (SELECT submission_count FROM track_mbid WHERE id = %s)",
        [fingerprint, mbid],
    ).fetchone()
    assert counts == (0, 0)


def test_counts_equal_provenance_rows_after_many_changes(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn
    rng = random.Random(7)
    tracks = [new_track(conn) for _ in range(4)]
    targets = {
        "fingerprint": [new_fingerprint(conn, rng.choice(tracks)) for _ in range(8)],
        "track_mbid": [link(conn, "track_mbid", t, uuid.uuid4(), 0) for t in tracks for _ in range(2)],
        "track_meta": [link(conn, "track_meta", t, new_meta(conn, f"m{t}"), 0) for t in tracks],
        "track_puid": [link(conn, "track_puid", t, uuid.uuid4(), 0) for t in tracks],
        "track_foreignid": [
            link(conn, "track_foreignid", t, new_foreignid(conn, f"f{t}"), 0) for t in tracks
        ],
    }
    for table, ids in targets.items():
        source = COUNTED[table]
        # one many-row statement, then single rows
        conn.execute(
            f"INSERT INTO {source} ({table}_id) SELECT unnest(%s::integer[])",
            [[rng.choice(ids) for _ in range(150)]],
        )
        for _ in range(30):
            conn.execute(f"INSERT INTO {source} ({table}_id) VALUES (%s)", [rng.choice(ids)])
    assert count_mismatches(conn) == []
    total = conn.execute("SELECT sum(submission_count) FROM fingerprint").fetchone()[0]
    assert total == 180

    for table, ids in targets.items():
        source = COUNTED[table]
        conn.execute(f"DELETE FROM {source} WHERE id IN (SELECT id FROM {source} ORDER BY random() LIMIT 40)")
        conn.execute(
            f"UPDATE {source} SET {table}_id = %s WHERE id IN (SELECT id FROM {source} ORDER BY id LIMIT 25)",
            [ids[0]],
        )
        conn.execute(f"UPDATE {source} SET created = created - interval '1 day'")  # not a move
    assert count_mismatches(conn) == []
    total = conn.execute("SELECT sum(submission_count) FROM fingerprint").fetchone()[0]
    assert total == 140


def test_deleting_a_fingerprint_takes_its_provenance(schema_conn: psycopg.Connection) -> None:
    track = new_track(schema_conn)
    keep, drop = new_fingerprint(schema_conn, track), new_fingerprint(schema_conn, track)
    schema_conn.execute(
        "INSERT INTO fingerprint_source (fingerprint_id) VALUES (%s), (%s), (%s)", [keep, drop, drop]
    )
    schema_conn.execute("DELETE FROM fingerprint WHERE id = %s", [drop])
    assert schema_conn.execute("SELECT count(*) FROM fingerprint_source").fetchone() == (1,)
    assert count_mismatches(schema_conn) == []


# --- track merges ---


def references_to(conn: psycopg.Connection, tracks: list[int]) -> list[tuple[str, int]]:
    """Rows outside the merged tracks themselves that still name one of them."""
    found = []
    for table in ("fingerprint", *LINKS):
        found += conn.execute(
            f"SELECT '{table}', track_id FROM {table} WHERE track_id = ANY(%s)", [tracks]
        ).fetchall()
    found += conn.execute(
        "SELECT 'track.new_id', new_id FROM track WHERE new_id = ANY(%s)", [tracks]
    ).fetchall()
    return found


@pytest.mark.parametrize("order", ["chained", "together"])
def test_merging_three_tracks(schema_conn: psycopg.Connection, order: str) -> None:
    conn = schema_conn
    a, b, c = (new_track(conn) for _ in range(3))
    fingerprints = [new_fingerprint(conn, t) for t in (a, a, b, b, c)]
    conn.execute(
        "INSERT INTO fingerprint_source (fingerprint_id) SELECT unnest(%s::integer[])", [fingerprints]
    )
    m1, m2, m3, m4 = (uuid.uuid4() for _ in range(4))
    x, y = new_meta(conn, "x"), new_meta(conn, "y")
    puid = uuid.uuid4()
    f = new_foreignid(conn, "r1")
    # (table, key) -> provenance rows on a, b and c
    plan = {
        ("track_mbid", m1): (2, 3, 4),
        ("track_mbid", m2): (0, 1, 5),
        ("track_mbid", m3): (6, 0, 0),
        ("track_mbid", m4): (0, 0, 1),
        ("track_meta", x): (1, 2, 0),
        ("track_meta", y): (0, 0, 3),
        ("track_puid", puid): (0, 2, 2),
        ("track_foreignid", f): (4, 0, 1),
    }
    ids = {}
    for (table, key), backers in plan.items():
        for track, count in zip((a, b, c), backers):
            if count:
                ids[table, key, track] = link(conn, table, track, key, count)
    # m1 is disabled on b, m4 on c; each has a moderation record
    for track, mbid in ((b, m1), (c, m4)):
        link_id = ids["track_mbid", mbid, track]
        conn.execute("UPDATE track_mbid SET disabled = TRUE WHERE id = %s", [link_id])
        conn.execute("INSERT INTO track_mbid_change (track_mbid_id, disabled) VALUES (%s, TRUE)", [link_id])
    conn.execute("UPDATE track_mbid SET created = '2001-01-01' WHERE id = %s", [ids["track_mbid", m1, c]])

    if order == "chained":
        conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [b, c])
        conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [a, b])
    else:
        conn.execute("UPDATE track SET new_id = %s WHERE id = ANY(%s)", [a, [b, c]])

    assert references_to(conn, [b, c]) == []
    assert conn.execute("SELECT id, new_id, disabled FROM track ORDER BY id").fetchall() == [
        (a, None, False),
        (b, a, True),
        (c, a, True),
    ]
    moved = conn.execute("SELECT id FROM fingerprint WHERE track_id = %s ORDER BY id", [a]).fetchall()
    assert [i for (i,) in moved] == sorted(fingerprints)
    for (table, key), backers in plan.items():
        column = LINKS[table][0]
        rows = conn.execute(
            f"SELECT submission_count FROM {table} WHERE track_id = %s AND {column} = %s", [a, key]
        ).fetchall()
        assert rows == [(sum(backers),)], (table, key)
    survivors = conn.execute("SELECT mbid, disabled, created FROM track_mbid ORDER BY mbid").fetchall()
    assert {mbid: disabled for mbid, disabled, _ in survivors} == {m1: True, m2: False, m3: False, m4: True}
    assert next(created for mbid, _, created in survivors if mbid == m1).year == 2001
    history = conn.execute(
        "SELECT m.track_id, m.mbid FROM track_mbid_change c JOIN track_mbid m ON m.id = c.track_mbid_id"
    ).fetchall()
    assert sorted(history) == sorted([(a, m1), (a, m4)])
    provenance = conn.execute("SELECT count(*) FROM track_mbid_source").fetchone()[0]
    assert provenance == sum(sum(backers) for (table, _), backers in plan.items() if table == "track_mbid")
    assert count_mismatches(conn) == []


def test_merging_into_a_merged_track_reaches_the_live_one(schema_conn: psycopg.Connection) -> None:
    a, b, d = (new_track(schema_conn) for _ in range(3))
    schema_conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [a, b])
    schema_conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [b, d])
    assert schema_conn.execute("SELECT new_id FROM track WHERE id = %s", [d]).fetchone() == (a,)


def test_cycles_and_self_merges_are_refused(schema_conn: psycopg.Connection) -> None:
    a, b = new_track(schema_conn), new_track(schema_conn)
    schema_conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [a, b])
    with pytest.raises(psycopg.errors.CheckViolation, match=f"cannot merge track {a} into track {b}"):
        schema_conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [b, a])
    with pytest.raises(psycopg.errors.CheckViolation, match=f"cannot merge track {a} into itself"):
        schema_conn.execute("UPDATE track SET new_id = %s WHERE id = %s", [a, a])
    # both at once, in one statement
    c, d = new_track(schema_conn), new_track(schema_conn)
    with pytest.raises(psycopg.errors.CheckViolation, match="cannot merge"):
        schema_conn.execute(
            "UPDATE track SET new_id = CASE id WHEN %s THEN %s ELSE %s END WHERE id = ANY(%s)",
            [c, d, c, [c, d]],
        )
    assert schema_conn.execute("SELECT count(*) FROM track WHERE new_id IS NOT NULL").fetchone() == (1,)
