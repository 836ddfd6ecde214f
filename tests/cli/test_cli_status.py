"""``acoustid-pg status`` on real databases."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg

from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster

CLI = [sys.executable, "-m", "acoustid_pg.cli"]


def test_status_reports_versions_counts_and_queue(cluster: Cluster) -> None:
    names = ["--app-db", "st_app", "--fingerprint-db", "st_fp", "--ingest-db", "st_ingest"]
    env = cluster.env()
    init = subprocess.run([*CLI, "init", *names], env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    with psycopg.connect(cluster.conninfo("st_fp"), autocommit=True) as conn:
        conn.execute("INSERT INTO track (gid) VALUES (gen_random_uuid()), (gen_random_uuid())")

    result = subprocess.run([*CLI, "status", "--json", *names], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for database in ("app", "fingerprint", "ingest"):
        latest = max(step.version for step in migrate.load_migrations(database))
        assert report[database]["version"] == latest
    assert report["fingerprint"]["rows"]["track"] == 2
    assert report["fingerprint"]["extension"] == "1.3"
    assert report["ingest"]["rows"]["pending_submission"] == 0
    assert "fingerprint_query_idx" in report["fingerprint"]["sizes"]

    table = subprocess.run([*CLI, "status", *names], env=env, capture_output=True, text=True)
    assert table.returncode == 0
    assert "pending submissions: 0" in table.stdout
    assert "track" in table.stdout and "2 rows" in table.stdout
