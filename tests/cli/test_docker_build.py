"""The Docker image's steps, run outside Docker (no engine runs here): the build
script installs the extension and the command line, and the init script
creates and migrates the three databases on a fresh server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg

from acoustid_pg.cluster import Cluster

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"acoustid_app": 8, "acoustid_fingerprint": 19, "acoustid_ingest": 3}


def test_dockerfile_runs_the_scripts() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "docker/build.sh /opt/acoustid-pg" in dockerfile
    assert "docker/initdb.sh /docker-entrypoint-initdb.d/" in dockerfile


def test_build_then_init_on_a_fresh_server(tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    built = subprocess.run([str(ROOT / "docker" / "build.sh"), str(prefix)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    assert (prefix / "bin" / "acoustid-pg").exists()
    # serve in the image starts a private redis-server when no --redis is given
    assert "redis-server" in next(
        line
        for line in (ROOT / "docker" / "build.sh").read_text().splitlines()
        if line.startswith("run_deps=")
    )
    assert subprocess.run(["dpkg", "-s", "redis-server"], capture_output=True).returncode == 0
    assert shutil.which("redis-server") is not None

    with Cluster.temporary() as server:
        env = {
            **os.environ,
            "PATH": f"{prefix / 'bin'}:{os.environ['PATH']}",
            "PGHOST": str(server.socket_dir),
            "POSTGRES_USER": "postgres",
        }
        env.pop("ACOUSTID_PG_MIGRATIONS", None)
        init = subprocess.run([str(ROOT / "docker" / "initdb.sh")], env=env, capture_output=True, text=True)
        assert init.returncode == 0, init.stderr[-3000:]
        for dbname, tables in TABLES.items():
            with psycopg.connect(server.conninfo(dbname)) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                    " AND c.relname NOT LIKE 'schema_version%%'"
                ).fetchone()
                assert row is not None and row[0] == tables, (dbname, row)
