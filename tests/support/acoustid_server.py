"""AcoustID's server, as far as the extension sees it: its database setup and its query shapes.

Written from what the server does (acoustid/data/fingerprint.py and track.py, admin/ci): the
same statements in the same shapes -- a score computed in a subquery and filtered outside it,
compare2 in a select list, in an aggregate, over a self-join -- against tables with the
columns those statements read. The constants are the server's (acoustid/const.py).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

from acoustid_pg.cluster import Cluster, pg_bindir

HERE = Path(__file__).resolve().parents[1] / "extension" / "acoustid_server"
SETUP_SQL = HERE / "setup.sql"
TABLES_SQL = HERE / "tables.sql"

TRACK_GROUP_MERGE_THRESHOLD = 0.4  # a lookup's min_score
TRACK_MERGE_THRESHOLD = 0.75  # an import's min_score
TRACK_MAX_OFFSET = 80
FINGERPRINT_MAX_LENGTH_DIFF = 7
PARTS = ((1, 20), (21, 100))  # the legacy lookup's query-term slices

# The legacy lookup: one query per slice of the query terms; the fingerprint comes in as a
# one-row subquery joined to every candidate.
PART_SEARCH = """
SELECT f.id, f.track_id, t.gid AS track_gid, f.score FROM (
    SELECT id, track_id, acoustid_compare2(fingerprint, query, %(max_offset)s) AS score
    FROM fingerprint, (SELECT %(fp)s::int4[] AS query) AS q
    WHERE length BETWEEN %(length)s - %(max_length_diff)s AND %(length)s + %(max_length_diff)s
        AND subarray(acoustid_extract_query(query), %(part_start)s, %(part_length)s)
        && acoustid_extract_query(fingerprint)
) AS f INNER JOIN track AS t ON f.track_id = t.id
WHERE f.score > %(min_score)s ORDER BY f.score DESC, f.id
"""

PART_CANDIDATES = """
SELECT count(*) FROM fingerprint, (SELECT %(fp)s::int4[] AS query) AS q
WHERE length BETWEEN %(length)s - %(max_length_diff)s AND %(length)s + %(max_length_diff)s
    AND subarray(acoustid_extract_query(query), %(part_start)s, %(part_length)s)
    && acoustid_extract_query(fingerprint)
"""

# The lookup and the import's search (what its query builder renders): candidates from the
# database's own query terms above the index's last id, or listed by the index; the score in
# a subquery, the threshold and the order outside it.
SEARCH_CONDITION = """
    (acoustid_extract_query(fingerprint.fingerprint) && acoustid_extract_query(%(fp)s::int4[])
        AND fingerprint.id > %(min_id)s
        OR fingerprint.id IN ({ids}))
    AND fingerprint.length BETWEEN %(length)s - %(max_length_diff)s AND %(length)s + %(max_length_diff)s
"""

SEARCH = (
    """
SELECT f.id, f.track_id, track.gid AS track_gid, f.score
FROM (
    SELECT fingerprint.id AS id, fingerprint.track_id AS track_id,
        acoustid_compare2(fingerprint.fingerprint, %(fp)s::int4[], %(max_offset)s) AS score
    FROM fingerprint
    WHERE"""
    + SEARCH_CONDITION
    + """) AS f INNER JOIN track ON track.id = f.track_id
WHERE f.score > %(min_score)s ORDER BY f.score DESC, f.id LIMIT %(max_results)s
"""
)

SEARCH_CANDIDATES = "SELECT count(*) FROM fingerprint WHERE" + SEARCH_CONDITION

# The import's check that a fingerprint may join a track: its score against every
# fingerprint of the track.
CAN_ADD_TO_TRACK = """
SELECT acoustid_compare2(fingerprint.fingerprint, %(fp)s::int4[], %(max_offset)s) AS score,
    fingerprint.length
FROM fingerprint WHERE fingerprint.track_id = %(track)s
"""

# Track maintenance: every pair of fingerprints of some tracks, in a select list and in an
# aggregate.
SIMILARITY_MATRIX = """
SELECT fp1.id, fp2.id, acoustid_compare2(fp1.fingerprint, fp2.fingerprint, %(max_offset)s)
FROM fingerprint AS fp1 INNER JOIN fingerprint AS fp2 ON fp1.id < fp2.id
WHERE fp1.track_id = ANY(%(tracks)s) AND fp2.track_id = ANY(%(tracks)s)
ORDER BY fp1.id, fp2.id
"""

CAN_MERGE = """
SELECT fp1.track_id, fp2.track_id, max(abs(fp1.length - fp2.length)),
    min(acoustid_compare2(fp1.fingerprint, fp2.fingerprint, %(max_offset)s))
FROM fingerprint AS fp1
INNER JOIN fingerprint AS fp2 ON fp1.id < fp2.id AND fp1.track_id < fp2.track_id
WHERE fp1.track_id = ANY(%(tracks)s) AND fp2.track_id = ANY(%(tracks)s)
GROUP BY fp1.track_id, fp2.track_id ORDER BY fp1.track_id, fp2.track_id
"""

MERGE_PAIRS = """
SELECT count(*) FROM fingerprint AS fp1
INNER JOIN fingerprint AS fp2 ON fp1.id < fp2.id AND fp1.track_id < fp2.track_id
WHERE fp1.track_id = ANY(%(tracks)s) AND fp2.track_id = ANY(%(tracks)s)
"""


def run_setup(cluster: Cluster) -> subprocess.CompletedProcess[str]:
    """The server's setup script through psql, stopping at the first error, as its CI does."""
    psql = pg_bindir() / "psql"
    return subprocess.run(
        [str(psql), "-X", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-f", str(SETUP_SQL)],
        env=cluster.env(),
        capture_output=True,
        text=True,
    )


def search(ids: Sequence[int]) -> tuple[str, str]:
    """SEARCH and its candidate count with the index's ids inlined, as the query builder does."""
    listed = ", ".join(str(int(i)) for i in ids) or "NULL"
    return SEARCH.replace("{ids}", listed), SEARCH_CANDIDATES.replace("{ids}", listed)


@pytest.fixture(scope="session")
def server_cluster() -> Iterator[Cluster]:
    """A cluster of its own (the setup creates databases under the server's fixed names) on
    which the server's setup script has run; the test of that script checks its output."""
    with Cluster.temporary() as cluster:
        setup = run_setup(cluster)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        yield cluster


CALLS = (
    "SELECT coalesce(sum(calls), 0)::int FROM pg_stat_xact_user_functions"
    " WHERE funcname = 'acoustid_compare2'"
)


def _calls(conn: psycopg.Connection) -> int:
    row = conn.execute(CALLS).fetchone()
    assert row is not None
    return int(row[0])


def counted(
    conn: psycopg.Connection,
    statement: str,
    params: Mapping[str, Any] | Sequence[Any] | None = None,
    first: Sequence[str] = (),
) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of ``statement`` and how many times it called acoustid_compare2.

    track_functions = 'all' counts C functions too. pg_stat_xact_user_functions is read before
    and after, inside one transaction (rolled back together with the ``first`` statements): it
    shows the backend's counts not yet flushed to the statistics, which may include earlier
    transactions', and nothing is flushed while a transaction is open. No parallel workers:
    their counts would not be the leader's.
    """
    with conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL track_functions = 'all'")
        conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for step in first:
            conn.execute(step)
        before = _calls(conn)
        rows = conn.execute(statement, params).fetchall()
        calls = _calls(conn) - before
    return rows, calls
