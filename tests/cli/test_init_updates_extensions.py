"""``init`` on a deployment whose fingerprint database holds an older acoustid (AcoustID's
server's 1.0): the extension ends at this build's version, with the companion beside it."""

from __future__ import annotations

import psycopg

from acoustid_pg import deploy
from acoustid_pg.cluster import Cluster
from acoustid_pg.settings import Settings
from tests.support.management import server_conninfo


def test_init_moves_an_old_acoustid_to_the_current_version(cluster: Cluster) -> None:
    names = {"app": "old_app", "fingerprint": "old_fingerprint", "ingest": "old_ingest"}
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE old_fingerprint TEMPLATE template0")
        latest = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'acoustid'"
        ).fetchone()
    with psycopg.connect(cluster.conninfo("old_fingerprint"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION intarray")
        conn.execute("CREATE EXTENSION acoustid VERSION '1.0'")
    settings = Settings.from_options(dsn=server_conninfo(cluster), names=names)
    lines: list[str] = []
    deploy.initialize(settings, report=lines.append)
    with psycopg.connect(cluster.conninfo("old_fingerprint"), autocommit=True) as conn:
        versions = dict(conn.execute("SELECT extname, extversion FROM pg_extension").fetchall())
        score = conn.execute("SELECT acoustid_compare2('{1,2,3}', '{1,2,3}', 80)").fetchone()
    assert latest is not None and versions["acoustid"] == latest[0] != "1.0"
    assert "acoustid_cube" in versions
    assert score is not None and score[0] == 1.0
    assert any("fingerprint: extensions" in line for line in lines)
    deploy.drop_databases(settings)
