"""Point-in-time recovery with pgBackRest, through ``acoustid-pg backup`` on an embedded server of
the test's own: write, note the time, write more, drop a table by mistake, restore to the noted
time. The first writes are there, the later ones and the mistake are not, the three databases
agree with each other, and imports (and backups) go on afterwards."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from acoustid_pg import backup, cli
from acoustid_pg.cluster import Cluster
from tests.support.driver import Submitter, assert_exactly_once, new_submitter
from tests.support.management import Deployment, scalar
from tests.support.own_cluster import connect_deployment
from tests.support.reliability import assert_nothing_half_written, queue


def acoustid_pg(*args: str) -> tuple[int, str]:
    """Run the command line in-process; its exit status and what it printed (stdout and stderr)."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        status = cli.main(list(args))
    return status, output.getvalue()


@pytest.fixture(scope="module")
def embedded() -> Iterator[Cluster]:
    """The embedded server in a directory of this module's own ($ACOUSTID_PG_DATA), initialized."""
    base = Path(tempfile.mkdtemp(prefix="acoustid-pg-pitr-"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ACOUSTID_PG_DATA", str(base))
        for variable in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "ACOUSTID_PG_DSN"):
            patch.delenv(variable, raising=False)
        patch.delenv("ACOUSTID_PG_CONFIG", raising=False)
        patch.setenv("XDG_CONFIG_HOME", str(base / "config"))  # no config file: the embedded server
        cluster = Cluster(base_dir=base, persistent=True)
        try:
            status, output = acoustid_pg("init")
            assert status == 0, output
            yield cluster
        finally:
            cluster.stop("immediate")
            shutil.rmtree(base, ignore_errors=True)


def server_now(deployment: Deployment) -> dt.datetime:
    moment = scalar(deployment.app, "SELECT clock_timestamp()")
    assert isinstance(moment, dt.datetime)
    return moment


def import_all(deployment: Deployment) -> None:
    while deployment.client.process_submissions(50):
        pass


def test_restore_targets_are_parsed_with_their_zone() -> None:
    utc = dt.timezone.utc
    assert backup.parse_time("2026-11-28T10:30:00Z") == dt.datetime(2026, 11, 28, 10, 30, tzinfo=utc)
    assert backup.parse_time(" 2026-11-28 11:30:00.250+01:00 ") == dt.datetime(
        2026, 11, 28, 10, 30, 0, 250000, tzinfo=utc
    )
    local = backup.parse_time("2026-11-28 10:30")  # no zone: this machine's local time
    assert local.tzinfo is not None and local == dt.datetime(2026, 11, 28, 10, 30).astimezone()
    for bad in ("", "yesterday", "2026-13-01 00:00", "10:30"):
        with pytest.raises(backup.BackupError, match="not a time"):
            backup.parse_time(bad)


def test_commands_refuse_before_configure(embedded: Cluster) -> None:
    for args in (("backup", "list"), ("backup", "run"), ("backup", "restore")):
        status, output = acoustid_pg(*args)
        assert status == 1 and "run 'acoustid-pg backup configure' first" in output, (args, output)
    status, output = acoustid_pg("backup", "restore", "--to", "yesterday-ish")
    assert status == 1 and "not a time: 'yesterday-ish'" in output
    # A repository path is a line of pgBackRest's config: no line breaks into it.
    status, output = acoustid_pg("backup", "configure", "--repo", "/tmp/x\n[global]\nrepo1-path=/")
    assert status == 1 and "must not contain control characters" in output, output
    assert not backup.config_path(embedded).exists()


def test_configure_refuses_a_server_that_does_not_exist(tmp_path: Path) -> None:
    nowhere = Cluster(base_dir=tmp_path / "none", persistent=True)
    with pytest.raises(backup.BackupError, match="no server in"):
        backup.configure(nowhere, report=lambda _: None)
    assert not nowhere.base_dir.exists()


def test_restore_to_a_moment_before_a_mistake(embedded: Cluster) -> None:
    status, output = acoustid_pg("backup", "configure")
    assert status == 0 and "backups configured" in output, output
    status, output = acoustid_pg("backup", "configure")  # again: nothing breaks
    assert status == 0, output

    deployment = connect_deployment(embedded)
    try:
        submitter = new_submitter(deployment)
        before_backup = queue(deployment, submitter, 1, 20, copies=2)
        import_all(deployment)
        status, output = acoustid_pg("backup", "run")
        assert status == 0 and "(full)" in output, output
        (full,) = backup.inventory(embedded).backups
        # Written after the backup: only the archived WAL brings these back.
        first = queue(deployment, submitter, 100, 15)
        import_all(deployment)
        kept_account = deployment.client.accounts.create_account("kept")
        waiting = queue(deployment, submitter, 200, 5)  # queued, not imported, at the noted time
        while server_now(deployment) < full.stopped + dt.timedelta(seconds=1):
            time.sleep(0.1)  # pgBackRest's backup times are whole seconds: a target must be past them
        noted = server_now(deployment)
        time.sleep(0.3)
        later = queue(deployment, submitter, 300, 10)
        import_all(deployment)
        lost_account = deployment.client.accounts.create_account("lost")
        deployment.fp.execute("DROP TABLE track_puid_source")  # the mistake
        assert scalar(deployment.ingest, "SELECT count(*) FROM submission WHERE id = %s", [max(later)]) == 1
    finally:
        deployment.close()

    status, output = acoustid_pg("backup", "list", "--json")
    assert status == 0, output
    listed = json.loads(output)
    assert [b["type"] for b in listed["backups"]] == ["full"]
    assert dt.datetime.fromisoformat(listed["earliest_restore_time"]) < noted

    # Refused with a clear message, before anything is stopped.
    too_early = (
        dt.datetime.fromisoformat(listed["backups"][0]["started"]) - dt.timedelta(hours=1)
    ).isoformat()
    status, output = acoustid_pg("backup", "restore", "--to", too_early)
    assert status == 1 and "the earliest moment to restore to is" in output, output
    assert embedded.running()

    started = time.monotonic()
    status, output = acoustid_pg("backup", "restore", "--to", noted.isoformat())
    seconds = time.monotonic() - started
    assert status == 0 and "restored in" in output, output
    print(f"restore to a point in time took {seconds:.1f} s ({output.strip().splitlines()[-1]})")

    deployment = connect_deployment(embedded)
    try:
        # The mistake is undone, the later writes are gone, the first ones are there.
        assert scalar(deployment.fp, "SELECT to_regclass('track_puid_source') IS NOT NULL")
        ids = {row[0] for row in deployment.ingest.execute("SELECT id FROM submission").fetchall()}
        assert ids == before_backup | first | waiting
        accounts = {row[0] for row in deployment.app.execute("SELECT name FROM account").fetchall()}
        assert "kept" in accounts and "lost" not in accounts
        assert deployment.client.accounts.get_account(kept_account.id).name == "kept"
        assert lost_account.apikey is not None
        with pytest.raises(Exception, match="unknown user API key"):
            deployment.client.accounts.validate_user_key(lost_account.apikey)
        # The three databases agree: nothing half written, every submission pending or imported
        # once, every source's application and account in the app database.
        assert_nothing_half_written(deployment)
        assert scalar(deployment.ingest, "SELECT count(*) FROM pending_submission") == len(waiting)
        sources = deployment.fp.execute("SELECT DISTINCT application_id, account_id FROM source").fetchall()
        assert sources == [(submitter.application_id, submitter.account_id)]
        assert scalar(
            deployment.app, "SELECT count(*) FROM application WHERE id = %s", [submitter.application_id]
        )

        # Imports continue: the waiting ones and new ones, exactly once.
        after = queue(deployment, Submitter(submitter.account_id, submitter.application_id), 400, 10)
        import_all(deployment)
        assert_exactly_once(deployment, before_backup | first | waiting | after)
        assert deployment.client.lookup(*_a_stored_fingerprint(deployment))
    finally:
        deployment.close()

    # The restored server archives and backs up on its new timeline.
    status, output = acoustid_pg("backup", "run", "--type", "incr")
    assert status == 0 and "(incr)" in output, output
    assert [b.kind for b in backup.inventory(embedded).backups] == ["full", "incr"]

    # Without --to, a restore replays the whole archive: nothing written before it is lost.
    with psycopg.connect(embedded.conninfo("acoustid_app"), autocommit=True) as conn:
        conn.execute("INSERT INTO stats (name, value, date) VALUES ('before.latest.restore', 1, now())")
    status, output = acoustid_pg("backup", "restore")
    assert status == 0 and "restoring to the end of the archive" in output, output
    with psycopg.connect(embedded.conninfo("acoustid_app"), autocommit=True) as conn:
        assert conn.execute("SELECT value FROM stats WHERE name = 'before.latest.restore'").fetchone() == (1,)
        conn.execute("INSERT INTO stats (name, value, date) VALUES ('after.latest.restore', 2, now())")


def _a_stored_fingerprint(deployment: Deployment) -> tuple[list[int], int]:
    row = deployment.fp.execute(
        "SELECT fingerprint, length FROM fingerprint ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row is not None
    return list(row[0]), int(row[1])


def test_restore_refuses_a_future_time(embedded: Cluster) -> None:
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat()
    status, output = acoustid_pg("backup", "restore", "--to", future)
    assert status == 1 and "is in the future" in output, output
    with psycopg.connect(embedded.conninfo(), autocommit=True) as conn:  # still up, untouched
        assert conn.execute("SELECT 1").fetchone() == (1,)
