"""The demo runs to the end and identifies every altered copy."""

from __future__ import annotations

import subprocess
import sys

from acoustid_pg.cluster import Cluster


def test_demo_runs_to_the_end(cluster: Cluster) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "acoustid_pg.cli", "demo"],
        env=cluster.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "done: 6 of 6 altered copies identified; unknown audio not matched" in result.stdout
    assert result.stdout.count(" right") == 6
    for step in ("preparing fresh demo databases", "synthesizing", "submitting", "running the import worker",
                 "identifying altered copies", "looking up audio nobody submitted"):  # fmt: skip
        assert step in result.stdout
