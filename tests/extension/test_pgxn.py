"""The PGXN distribution (`make dist`) builds and passes its regression tests
through pgxnclient, offline, from the zip."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from acoustid_pg.cluster import Cluster

ROOT = Path(__file__).resolve().parents[2]
PGXN = Path(sys.executable).with_name("pgxn")


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{args}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result  # type: ignore[no-any-return]


def test_pgxn_zip_builds_and_passes_its_tests(cluster: Cluster, tmp_path: Path) -> None:
    run(["make", "-s", "dist"], cwd=ROOT)
    zips = sorted((ROOT / "dist").glob("acoustid-*.zip"))
    assert zips, "make dist produced no zip"
    zip_copy = shutil.copy(zips[-1], tmp_path)
    # pgxnclient has no build-only command (install needs root and would replace
    # the extension under test), so build the unpacked zip with its own Makefile
    run(["unzip", "-q", str(zip_copy)], cwd=tmp_path)
    source = next(path for path in tmp_path.glob("acoustid-*") if path.is_dir())
    run(["make", "-s", "with_llvm=no"], cwd=source)
    assert (source / "acoustid.so").exists(), "the zip's sources did not build the module"
    checked = run([str(PGXN), "check", "--make", "make", str(zip_copy)], cwd=tmp_path, env=cluster.env())
    assert "tests passed" in checked.stdout, checked.stdout[-2000:]
