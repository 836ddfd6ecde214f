"""AcoustID's server's lookup, import and maintenance queries call acoustid_compare2 once per
candidate row, in a fresh database and in one updated from pg_acoustid's 1.0, and so do our own
acoustid_lookup and import; the server's lookup finds what ours finds."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from acoustid_pg import migrate, synthetic
from acoustid_pg.cluster import Cluster
from tests.support import acoustid_server as server
from tests.support.acoustid_server import counted

_counter = itertools.count()
LENGTH = 100


@dataclass(frozen=True)
class Library:
    """Tracks and fingerprints with fixed ids, stored alike in every database."""

    tracks: list[tuple[int, uuid.UUID]]
    fingerprints: list[tuple[int, int, list[int], int]]  # id, track, items, length
    query: list[int]


def make_library() -> Library:
    rng = random.Random(15)
    song, other = synthetic.walk(rng), synthetic.walk(rng)
    tracks = [(track, uuid.UUID(int=rng.getrandbits(128))) for track in range(1, 7)]
    fingerprints = [
        (1, 1, song, LENGTH),
        (2, 1, synthetic.noisy_query(rng, song, 0.02), LENGTH + 1),  # a second rip of track 1
        (3, 2, synthetic.noisy_query(rng, song, 0.05), LENGTH - 3),  # a worse one, its own track
        (4, 3, song, LENGTH + 6),  # the same song, at the edge of the duration window
        (5, 4, other, LENGTH),  # another song: shares no query terms
        (6, 5, song, LENGTH + 20),  # outside the duration window
        (7, 6, synthetic.noisy_query(rng, other, 0.02), LENGTH + 2),
    ]
    return Library(tracks, fingerprints, synthetic.noisy_query(rng, song, 0.03))


def store(conn: psycopg.Connection, library: Library) -> None:
    for track, gid in library.tracks:
        conn.execute("INSERT INTO track (id, gid) VALUES (%s, %s)", [track, gid])
    for fingerprint, track, items, length in library.fingerprints:
        conn.execute(
            "INSERT INTO fingerprint (id, track_id, fingerprint, length, submission_count)"
            " VALUES (%s, %s, %s, %s, 1)",
            [fingerprint, track, items, length],
        )
    conn.execute("ANALYZE")


def new_database(cluster: Cluster, *extensions: str) -> str:
    name = f"queries_{next(_counter)}"
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        for extension in extensions:
            conn.execute(f"CREATE EXTENSION {extension}")
    return name


@pytest.fixture(scope="module")
def library() -> Library:
    return make_library()


@pytest.fixture(scope="module")
def databases(server_cluster: Cluster, library: Library) -> dict[str, str]:
    """The server's own fingerprint database as its setup made it; one made by pg_acoustid's
    1.0 and updated; and ours (init's extensions, our schema), all holding the same rows."""
    updated = new_database(server_cluster, "intarray", "pgcrypto", "acoustid VERSION '1.0'")
    ours = new_database(server_cluster, "intarray", "cube", "acoustid", "acoustid_cube")
    names = {"fresh": "acoustid_fingerprint", "updated": updated, "ours": ours}
    for kind, name in names.items():
        with psycopg.connect(server_cluster.conninfo(name), autocommit=True) as conn:
            if kind == "updated":
                conn.execute("ALTER EXTENSION acoustid UPDATE")
            if kind == "ours":
                migrate.upgrade(conn, "fingerprint")
            else:
                conn.execute(server.TABLES_SQL.read_text().encode())
            store(conn, library)
    return names


@pytest.fixture(params=["fresh", "updated", "ours"])
def conn(
    request: pytest.FixtureRequest, server_cluster: Cluster, databases: dict[str, str]
) -> Iterator[psycopg.Connection]:
    with psycopg.connect(server_cluster.conninfo(databases[request.param]), autocommit=True) as connection:
        yield connection


def scalar(conn: psycopg.Connection, statement: str, params: dict[str, Any]) -> int:
    row = conn.execute(statement, params).fetchone()
    assert row is not None
    return int(row[0])


def search_params(library: Library, min_score: float = server.TRACK_GROUP_MERGE_THRESHOLD) -> dict[str, Any]:
    return {
        "fp": library.query,
        "length": LENGTH,
        "max_length_diff": server.FINGERPRINT_MAX_LENGTH_DIFF,
        "max_offset": server.TRACK_MAX_OFFSET,
        "min_score": min_score,
        "min_id": 0,
        "max_results": 10,
    }


@pytest.mark.parametrize("min_score", [server.TRACK_GROUP_MERGE_THRESHOLD, server.TRACK_MERGE_THRESHOLD])
@pytest.mark.parametrize("listed", [[], [5, 6, 7]], ids=["database terms", "and index ids"])
def test_the_search_scores_each_candidate_once(
    conn: psycopg.Connection, library: Library, min_score: float, listed: list[int]
) -> None:
    """The lookup (min_score 0.4) and the import's search (0.75): score in a subquery, filtered outside."""
    statement, candidates = server.search(listed or [0])
    params = search_params(library, min_score)
    rows, calls = counted(conn, statement, params)
    expected = scalar(conn, candidates, params)
    assert expected == (6 if listed else 4)  # 1, 2, 3, 4 share query terms in the window; 5 and 7 listed
    assert calls == expected
    assert {row[0] for row in rows} == {1, 2, 3, 4} and all(row[3] > min_score for row in rows)


@pytest.mark.parametrize("part", server.PARTS)
def test_the_legacy_part_search_scores_each_candidate_once(
    conn: psycopg.Connection, library: Library, part: tuple[int, int]
) -> None:
    params = {**search_params(library), "part_start": part[0], "part_length": part[1]}
    rows, calls = counted(conn, server.PART_SEARCH, params)
    expected = scalar(conn, server.PART_CANDIDATES, params)
    assert expected == 4 and calls == expected
    assert [row[0] for row in rows][:2] in ([1, 4], [4, 1])  # the song itself, twice


def test_the_import_checks_each_fingerprint_of_the_track_once(
    conn: psycopg.Connection, library: Library
) -> None:
    params = {"fp": library.query, "max_offset": server.TRACK_MAX_OFFSET, "track": 1}
    rows, calls = counted(conn, server.CAN_ADD_TO_TRACK, params)
    assert len(rows) == 2 and calls == 2


def test_track_maintenance_scores_each_pair_once(conn: psycopg.Connection) -> None:
    params = {"max_offset": server.TRACK_MAX_OFFSET, "tracks": [1, 2, 3, 4]}
    rows, calls = counted(conn, server.SIMILARITY_MATRIX, params)
    assert len(rows) == 10 and calls == 10  # five fingerprints, ten pairs
    rows, calls = counted(conn, server.CAN_MERGE, params)
    assert len(rows) == 6 and calls == scalar(conn, server.MERGE_PAIRS, params) == 9


@pytest.mark.parametrize("kind", ["fresh", "ours"])
def test_an_immutable_compare2_would_be_called_twice(
    server_cluster: Cluster, databases: dict[str, str], library: Library, kind: str
) -> None:
    """What the counts above guard against: with compare2 IMMUTABLE (as this project's 1.1
    declared it) the planner flattens the subquery and scores each match a second time."""
    with psycopg.connect(server_cluster.conninfo(databases[kind]), autocommit=True) as conn:
        statement, candidates = server.search([0])
        params = search_params(library)
        rows, calls = counted(
            conn,
            statement,
            params,
            first=["ALTER FUNCTION acoustid_compare2(int4[], int4[], int4) IMMUTABLE"],
        )
        assert calls == scalar(conn, candidates, params) + len(rows) == 4 + 4


def our_lookup(conn: psycopg.Connection, library: Library) -> tuple[list[tuple[Any, ...]], int]:
    return counted(conn, "SELECT * FROM acoustid_lookup(%s::int4[], %s)", [library.query, LENGTH])


def test_our_lookup_scores_each_candidate_once_and_agrees_with_the_server(
    server_cluster: Cluster, databases: dict[str, str], library: Library
) -> None:
    with psycopg.connect(server_cluster.conninfo(databases["ours"]), autocommit=True) as conn:
        ours, calls = our_lookup(conn, library)
        assert calls == 4  # the candidates of the window, as the server's search
    statement, _ = server.search([0])
    for kind in ("fresh", "updated", "ours"):
        with psycopg.connect(server_cluster.conninfo(databases[kind]), autocommit=True) as conn:
            theirs, _ = counted(conn, statement, search_params(library))
        best: dict[int, tuple[Any, ...]] = {}
        for row in theirs:  # ordered by score, then id: the first row of a track is its best
            best.setdefault(row[1], row)
        assert list(best.values()) == ours, kind


def test_our_import_scores_each_candidate_once_and_the_other_fingerprints_of_its_track(
    server_cluster: Cluster, databases: dict[str, str], library: Library
) -> None:
    with psycopg.connect(server_cluster.conninfo(databases["ours"]), autocommit=True) as conn:
        rows, calls = counted(
            conn,
            "SELECT track_id, action FROM acoustid_import_submission(1, %s::int4[], %s)",
            [library.query, LENGTH],
        )
    # the search scores the window's four candidates; joining track 1 checks the one of its two
    # fingerprints the search did not match (the matched one is already known to score enough)
    assert rows == [(1, "matched_fingerprint")] and calls == 4 + 1
