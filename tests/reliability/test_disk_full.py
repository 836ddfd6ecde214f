"""A full disk in the middle of an import batch: the fingerprint database's tables and indexes
live on a small tmpfs tablespace that fills up. The failing import leaves no trace, the
batch's earlier imports are kept, and the worker finishes everything once space is freed."""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from acoustid_pg.errors import ResourceExhausted
from tests.support.driver import Submitter, assert_exactly_once, new_submitter, run_worker
from tests.support.management import Deployment, scalar
from tests.support.own_cluster import own_deployment
from tests.support.reliability import assert_nothing_half_written, pending, queue

TABLESPACE_MB = 16
HEADROOM_KB = 600  # left free for the imports: enough for some of the batch, not for all of it


def mount_tmpfs(path: Path, megabytes: int, owner: str) -> None:
    entry = pwd.getpwnam(owner)
    options = f"size={megabytes}m,uid={entry.pw_uid},gid={entry.pw_gid},mode=0700"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.fail(f"a full disk is simulated with a tmpfs, which needs mount(8) to work: {mounted.stderr}")


@pytest.fixture
def full_disk() -> Iterator[tuple[Deployment, Path]]:
    """A deployment whose fingerprint tables are on a tmpfs of TABLESPACE_MB; yields it and the
    mount point."""
    if os.geteuid() != 0:
        pytest.fail("mounting a tmpfs needs root (make test runs as root in CI)")
    with own_deployment() as deployment:
        small = deployment.cluster.base_dir / "small"
        small.mkdir()
        mount_tmpfs(small, TABLESPACE_MB, "postgres")
        fp = deployment.fp
        try:
            fp.execute(f"CREATE TABLESPACE small LOCATION '{small}'")
            fp.execute("ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE small")
            fp.execute("ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE small")
            yield deployment, small
            fp.execute("ALTER TABLE ALL IN TABLESPACE small SET TABLESPACE pg_default")
            fp.execute("ALTER INDEX ALL IN TABLESPACE small SET TABLESPACE pg_default")
            fp.execute("DROP TABLESPACE small")
        finally:
            deployment.close()
            deployment.cluster.stop("immediate")
            subprocess.run(["umount", "--lazy", str(small)], check=True)


def fill(mount: Path, leave_kb: int) -> Path:
    """A file taking all the free space of ``mount`` but ``leave_kb``."""
    stats = os.statvfs(mount)
    free = stats.f_bavail * stats.f_frsize
    filler = mount / "filler"
    with filler.open("wb") as out:
        out.write(b"\0" * max(0, free - leave_kb * 1024))
    return filler


def test_a_full_disk_fails_one_import_whole_and_the_worker_finishes_once_space_is_back(
    full_disk: tuple[Deployment, Path],
) -> None:
    deployment, mount = full_disk
    submitter: Submitter = new_submitter(deployment)
    ids = queue(deployment, submitter, 1, 60)
    filler = fill(mount, HEADROOM_KB)

    with pytest.raises(ResourceExhausted, match="No space left on device"):
        deployment.client.process_submissions(60)
    imported = scalar(deployment.fp, "SELECT count(*) FROM fingerprint_source")
    assert 0 < imported < 60  # it failed in the middle of the batch
    assert pending(deployment) == 60  # the batch was not recorded: all still pending
    assert_nothing_half_written(deployment)

    filler.unlink()
    run_worker(deployment)
    assert_exactly_once(deployment, ids)
    assert_nothing_half_written(deployment)
