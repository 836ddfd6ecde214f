"""Helpers for the lookup and ingest tests: submitters, synthetic fingerprints, invariant checks."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

import acoustid_pg
from acoustid_pg import synthetic
from acoustid_pg.cluster import Cluster
from tests.support.fixtures_cluster import new_database
from tests.support.management import DATABASES, Deployment, scalar, server_conninfo

REPO = Path(__file__).resolve().parents[2]
COUNTED = {  # counted table -> its provenance table
    "fingerprint": "fingerprint_source",
    "track_mbid": "track_mbid_source",
    "track_meta": "track_meta_source",
    "track_puid": "track_puid_source",
    "track_foreignid": "track_foreignid_source",
}


@dataclass(frozen=True)
class Submitter:
    account_id: int
    application_id: int


def new_submitter(deployment: Deployment, *, active: bool = True) -> Submitter:
    app = deployment.app
    account = scalar(
        app, "INSERT INTO account (name, apikey) VALUES ('tester', md5(random()::text)) RETURNING id"
    )
    application = scalar(
        app,
        "INSERT INTO application (name, apikey, account_id, active)"
        " VALUES ('tests', md5(random()::text), %s, %s) RETURNING id",
        [account, active],
    )
    return Submitter(account, application)


def deploy(cluster: Cluster, templates: dict[str, str]) -> Deployment:
    """A deployment of fresh databases (for fixtures wider than one test)."""
    names = {db: new_database(cluster, prefix=db, template=templates[db]) for db in DATABASES}
    client = acoustid_pg.connect(server_conninfo(cluster), **names, max_size=12)
    return Deployment(cluster, names, client)


# --- synthetic fingerprints (the performance spec's random walk) ---


def walk(rng: random.Random, length: int = 300) -> list[int]:
    """The spec's random walk (acoustid_pg.synthetic), 300 items by default to keep tests quick."""
    return synthetic.walk(rng, length)


def flip(rng: random.Random, items: Sequence[int], probability: float) -> list[int]:
    """A copy with each bit flipped with the given probability (a re-encoding of the same audio)."""
    out = []
    for item in items:
        x = item & 0xFFFFFFFF
        for bit in range(32):
            if rng.random() < probability:
                x ^= 1 << bit
        out.append(synthetic.to_int4(x))
    return out


# --- checks ---


def count_mismatches(fp: psycopg.Connection) -> list[tuple[object, ...]]:
    """Rows whose submission_count differs from their number of provenance rows."""
    found: list[tuple[object, ...]] = []
    for table, source in COUNTED.items():
        found += fp.execute(
            f"""SELECT '{table}', t.id, t.submission_count,
                (SELECT count(*) FROM {source} s WHERE s.{table}_id = t.id)::integer
            FROM {table} t
            WHERE t.submission_count <> (SELECT count(*) FROM {source} s WHERE s.{table}_id = t.id)"""
        ).fetchall()
    return found


def assert_exactly_once(deployment: Deployment, expected: set[int]) -> None:
    """Every submission in ``expected`` handled once, consistently in both databases."""
    ingest, fp = deployment.ingest, deployment.fp
    assert scalar(ingest, "SELECT count(*) FROM pending_submission") == 0
    results = ingest.execute(
        "SELECT submission_id, fingerprint_id, skip_reason FROM submission_result ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in results] == sorted(expected)  # one result each (the key is unique too)
    unhandled = ingest.execute(
        "SELECT id FROM submission WHERE NOT handled OR handled_at IS NULL OR id <> ALL(%s)", [list(expected)]
    ).fetchall()
    assert unhandled == []
    sources = dict(fp.execute("SELECT submission_id, fingerprint_id FROM fingerprint_source").fetchall())
    imported = {r[0]: r[1] for r in results if r[2] is None}
    assert sources == imported  # one fingerprint_source row per imported submission, same fingerprint
    for table in ("track_mbid_source", "track_meta_source", "track_puid_source", "track_foreignid_source"):
        repeated = fp.execute(
            f"SELECT submission_id FROM {table} GROUP BY 1 HAVING count(*) > 1 OR submission_id <> ALL(%s)",
            [list(imported)],
        ).fetchall()
        assert repeated == [], table
    assert count_mismatches(fp) == []


def worker_command(deployment: Deployment, *args: str) -> list[str]:
    names = deployment.names
    return [
        sys.executable,
        *args,
        "--dsn",
        server_conninfo(deployment.cluster),
        "--app-db",
        names["app"],
        "--fingerprint-db",
        names["fingerprint"],
        "--ingest-db",
        names["ingest"],
    ]


def run_worker(deployment: Deployment, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m acoustid_pg worker --drain`` to the end."""
    command = worker_command(deployment, "-m", "acoustid_pg", "worker", "--drain", *args)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return result
