"""Runs the extension's pg_regress suite (ext/test) against the session cluster."""

from __future__ import annotations

import subprocess
from pathlib import Path

from acoustid_pg.cluster import Cluster

EXT_DIR = Path(__file__).resolve().parents[2] / "ext"


def test_pg_regress_suite(cluster: Cluster) -> None:
    result = subprocess.run(
        ["make", "-C", str(EXT_DIR), "installcheck"],
        env=cluster.env(),
        capture_output=True,
        text=True,
    )
    diffs = EXT_DIR / "test" / "regression.diffs"
    details = diffs.read_text() if diffs.exists() else ""
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{details}"
    assert "failed" not in result.stdout, result.stdout
