"""SQL injection through every driver parameter and every command-line argument is inert: each
hostile string is refused by validation (a typed error, or exit status 1 or 2) or stored as
plain data, never run. Afterwards no table was made or dropped, the server logged no syntax
error, and the strings that were accepted read back unchanged.

Both lists are checked for completeness against the code (inspect, argparse), so a new
parameter or option fails here until it is added.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from acoustid_pg import cli, samples
from acoustid_pg import fingerprint as core
from acoustid_pg.accounts import Accounts
from acoustid_pg.api import AcoustID
from acoustid_pg.bulk import FingerprintRow
from acoustid_pg.changelog import Changelog
from acoustid_pg.errors import AcoustidError
from acoustid_pg.indexes import Indexes
from acoustid_pg.maintenance import Maintenance
from acoustid_pg.pools import Pools
from acoustid_pg.stats import Stats
from acoustid_pg.tracks import Tracks
from tests.support.driver import Submitter, new_submitter
from tests.support.management import Deployment, scalar
from tests.support.own_cluster import own_deployment
from tests.support.reliability import duration, recording

HOSTILE = [
    "'); CREATE TABLE pwned_1 (); --",
    '"; CREATE TABLE pwned_2 (); --',
    "' OR '1'='1",
    "1; CREATE TABLE pwned_3 ()",
    "$$; CREATE TABLE pwned_4 (); $$",
    "\\'; CREATE TABLE pwned_5 (); --",
    "%s %(query)s {0} {}",
    "x');CREATE/**/TABLE/**/pwned_6();--@example.org",  # passes an email check
    "http://example.org/'); CREATE TABLE pwned_7 (); --",  # passes a website check
    "discogs:'); CREATE TABLE pwned_8 (); --",  # a valid vendor, a hostile id
    "00000000-0000-0000-0000-000000000001'; CREATE TABLE pwned_9 (); --",
]
CLI_HOSTILE = [HOSTILE[0], HOSTILE[1], HOSTILE[9]]
RELATIONS = """SELECT count(*), string_agg(relname, ',') FILTER (WHERE relname LIKE 'pwned%%')
    FROM pg_class WHERE relnamespace = 'public'::regnamespace"""
MBID = uuid.UUID(int=1)


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with own_deployment() as deployed:
        yield deployed


@pytest.fixture(scope="module")
def submitter(deployment: Deployment) -> Submitter:
    found = new_submitter(deployment)
    deployment.client.submit(
        recording(1),
        duration(1),
        mbids=[MBID],
        account_id=found.account_id,
        application_id=found.application_id,
    )
    deployment.client.process_submissions(10)
    return found


def catalog(deployment: Deployment) -> dict[str, tuple[Any, ...]]:
    return {
        db: tuple(deployment.db(db).execute(RELATIONS).fetchone() or ())
        for db in ("app", "fingerprint", "ingest")
    }


def driver_calls(s: Submitter) -> dict[tuple[str, str], Callable[[AcoustID, str], object]]:
    """(method, parameter) -> a call with that one parameter hostile and the others sane."""
    fp, sec, who = recording(1), duration(1), {"account_id": s.account_id, "application_id": s.application_id}

    def submit(**fields: Any) -> Callable[[AcoustID, str], object]:
        def call(c: AcoustID, h: str) -> object:
            base: dict[str, Any] = {"fingerprint": fp, "duration": sec, "mbids": [MBID], **who}
            base.update({k: (h if v is None else v(h)) for k, v in fields.items()})
            return c.submit(**base)

        return call

    return {
        ("lookup", "fingerprint"): lambda c, h: c.lookup(h, sec),
        ("lookup", "duration"): lambda c, h: c.lookup(fp, h),  # type: ignore[arg-type]
        ("lookup", "max_duration_diff"): lambda c, h: c.lookup(fp, sec, max_duration_diff=h),  # type: ignore[arg-type]
        ("lookup", "min_score"): lambda c, h: c.lookup(fp, sec, min_score=h),  # type: ignore[arg-type]
        ("lookup", "max_results"): lambda c, h: c.lookup(fp, sec, max_results=h),  # type: ignore[arg-type]
        ("lookup", "include_meta"): lambda c, h: c.lookup(fp, sec, include_meta=h),  # type: ignore[arg-type]
        ("lookup", "meta"): lambda c, h: c.lookup(fp, sec, meta=h),
        ("lookup", "timeout"): lambda c, h: c.lookup(fp, sec, timeout=h),  # type: ignore[arg-type]
        ("submit", "fingerprint"): submit(fingerprint=None),
        ("submit", "duration"): submit(duration=None),
        ("submit", "account_id"): submit(account_id=None),
        ("submit", "application_id"): submit(application_id=None),
        ("submit", "application_version"): submit(application_version=None),
        ("submit", "mbids"): submit(mbids=lambda h: [h]),
        ("submit", "puid"): submit(puid=None),
        ("submit", "foreignid"): submit(foreignid=None),
        ("submit", "meta"): submit(meta=lambda h: {"track": h, "artist": h, "album": h, "album_artist": h}),
        ("submit", "bitrate"): submit(bitrate=None),
        ("submit", "format"): submit(format=None),
        ("submit_many", "submissions"): lambda c, h: c.submit_many([h]),  # type: ignore[list-item]
        ("process_submissions", "limit"): lambda c, h: c.process_submissions(h),  # type: ignore[arg-type]
        ("process_submission_ids", "ids"): lambda c, h: c.process_submission_ids([h]),  # type: ignore[list-item]
        ("bulk_load", "rows"): lambda c, h: c.bulk_load([FingerprintRow(h, 10), FingerprintRow(fp, 10, h)]),
        ("bulk_load", "rebuild_indexes"): lambda c, h: c.bulk_load([], rebuild_indexes=h),  # type: ignore[arg-type]
        ("bulk_load", "batch_rows"): lambda c, h: c.bulk_load([], batch_rows=h),  # type: ignore[arg-type]
        ("indexes.state", "kind"): lambda c, h: c.indexes.state(h),
        ("indexes.create", "kind"): lambda c, h: c.indexes.create(h),
        ("indexes.create", "maintenance_work_mem"): lambda c, h: c.indexes.create(
            "legacy-overlap", maintenance_work_mem=h
        ),
        ("indexes.drop", "kind"): lambda c, h: c.indexes.drop(h),
        ("indexes.restore", "maintenance_work_mem"): lambda c, h: c.indexes.restore(maintenance_work_mem=h),
        ("accounts.create_account", "name"): lambda c, h: c.accounts.create_account(h),
        ("accounts.create_account", "mbuser"): lambda c, h: c.accounts.create_account("n", mbuser=h[:64]),
        ("accounts.create_account", "application_id"): lambda c, h: c.accounts.create_account(
            "n", application_id=h
        ),  # type: ignore[arg-type]
        ("accounts.create_account", "application_version"): lambda c, h: c.accounts.create_account(
            "n", application_version=h
        ),
        ("accounts.create_account", "created_from"): lambda c, h: c.accounts.create_account(
            "n", created_from=h
        ),
        ("accounts.create_account", "is_admin"): lambda c, h: c.accounts.create_account("n", is_admin=h),  # type: ignore[arg-type]
        ("accounts.create_application", "name"): lambda c, h: c.accounts.create_application(
            h, account_id=s.account_id
        ),
        ("accounts.create_application", "account_id"): lambda c, h: c.accounts.create_application(
            "n", account_id=h
        ),  # type: ignore[arg-type]
        ("accounts.create_application", "version"): lambda c, h: c.accounts.create_application(
            "n", account_id=1, version=h
        ),
        ("accounts.create_application", "email"): lambda c, h: c.accounts.create_application(
            "n", account_id=1, email=h
        ),
        ("accounts.create_application", "website"): lambda c, h: c.accounts.create_application(
            "n", account_id=1, website=h
        ),
        ("accounts.create_application", "rate_limit"): lambda c, h: c.accounts.create_application(
            "n", account_id=1, rate_limit=h
        ),  # type: ignore[arg-type]
        ("accounts.create_application", "apikey"): lambda c, h: c.accounts.create_application(
            "n", account_id=s.account_id, apikey=h
        ),
        ("accounts.get_account", "account_id"): lambda c, h: c.accounts.get_account(h),  # type: ignore[arg-type]
        ("accounts.get_application", "application_id"): lambda c, h: c.accounts.get_application(h),  # type: ignore[arg-type]
        ("accounts.activate_application", "application_id"): lambda c, h: c.accounts.activate_application(h),  # type: ignore[arg-type]
        ("accounts.deactivate_application", "application_id"): lambda c, h: c.accounts.deactivate_application(
            h
        ),  # type: ignore[arg-type]
        ("accounts.validate_application_key", "apikey"): lambda c, h: c.accounts.validate_application_key(h),
        ("accounts.validate_user_key", "apikey"): lambda c, h: c.accounts.validate_user_key(h),
        ("accounts.cached_application", "apikey"): lambda c, h: c.accounts.cached_application(h),
        ("accounts.cached_account", "apikey"): lambda c, h: c.accounts.cached_account(h),
        ("tracks.merge", "target"): lambda c, h: c.tracks.merge(h, [1]),
        ("tracks.merge", "sources"): lambda c, h: c.tracks.merge(1, [h]),
        ("tracks.disable_mbid", "track"): lambda c, h: c.tracks.disable_mbid(h, MBID, account_id=1),
        ("tracks.disable_mbid", "mbid"): lambda c, h: c.tracks.disable_mbid(1, h, account_id=1),
        ("tracks.disable_mbid", "account_id"): lambda c, h: c.tracks.disable_mbid(1, MBID, account_id=h),  # type: ignore[arg-type]
        ("tracks.disable_mbid", "note"): lambda c, h: c.tracks.disable_mbid(
            1, MBID, account_id=s.account_id, note=h
        ),
        ("tracks.enable_mbid", "track"): lambda c, h: c.tracks.enable_mbid(h, MBID, account_id=1),
        ("tracks.enable_mbid", "mbid"): lambda c, h: c.tracks.enable_mbid(1, h, account_id=1),
        ("tracks.enable_mbid", "account_id"): lambda c, h: c.tracks.enable_mbid(1, MBID, account_id=h),  # type: ignore[arg-type]
        ("tracks.enable_mbid", "note"): lambda c, h: c.tracks.enable_mbid(
            1, MBID, account_id=s.account_id, note=h
        ),
        ("stats.record_lookup", "application_id"): lambda c, h: c.stats.record_lookup(h, hit=True),  # type: ignore[arg-type]
        ("stats.record_lookup", "hit"): lambda c, h: c.stats.record_lookup(s.application_id, hit=h),  # type: ignore[arg-type]
        ("stats.record_lookup", "at"): lambda c, h: c.stats.record_lookup(s.application_id, hit=True, at=h),  # type: ignore[arg-type]
        ("stats.record_user_agent", "application_id"): lambda c, h: c.stats.record_user_agent(
            h, "ua", "192.0.2.1"
        ),  # type: ignore[arg-type]
        ("stats.record_user_agent", "user_agent"): lambda c, h: c.stats.record_user_agent(
            s.application_id, h, "192.0.2.1"
        ),
        ("stats.record_user_agent", "ip"): lambda c, h: c.stats.record_user_agent(s.application_id, "ua", h),
        ("stats.record_user_agent", "day"): lambda c, h: c.stats.record_user_agent(
            s.application_id, "ua", "192.0.2.1", day=h
        ),  # type: ignore[arg-type]
        ("stats.increment_counter", "name"): lambda c, h: c.stats.increment_counter(h),
        ("stats.increment_counter", "by"): lambda c, h: c.stats.increment_counter("x.count", h),  # type: ignore[arg-type]
        ("stats.increment_counter", "day"): lambda c, h: c.stats.increment_counter("x.count", day=h),  # type: ignore[arg-type]
        ("stats.set_counter", "name"): lambda c, h: c.stats.set_counter(h, 1),
        ("stats.set_counter", "value"): lambda c, h: c.stats.set_counter("x.count", h),  # type: ignore[arg-type]
        ("stats.set_counter", "day"): lambda c, h: c.stats.set_counter("x.count", 1, day=h),  # type: ignore[arg-type]
        ("stats.counters", "day"): lambda c, h: c.stats.counters(h),  # type: ignore[arg-type]
        ("stats.update_daily_counters", "day"): lambda c, h: c.stats.update_daily_counters(h),  # type: ignore[arg-type]
        ("stats.refresh_top_accounts", "days"): lambda c, h: c.stats.refresh_top_accounts(days=h),  # type: ignore[arg-type]
        ("stats.refresh_top_accounts", "limit"): lambda c, h: c.stats.refresh_top_accounts(limit=h),  # type: ignore[arg-type]
        ("maintenance.create_submission_partitions", "months_ahead"): lambda c, h: (
            c.maintenance.create_submission_partitions(h)
        ),  # type: ignore[arg-type]
        ("maintenance.delete_old_submissions", "older_than_days"): lambda c, h: (
            c.maintenance.delete_old_submissions(h)  # type: ignore[arg-type]
        ),
        ("maintenance.delete_old_submissions", "batch_size"): lambda c, h: (
            c.maintenance.delete_old_submissions(batch_size=h)
        ),  # type: ignore[arg-type]
        ("maintenance.remove_orphaned_meta", "batch_size"): lambda c, h: c.maintenance.remove_orphaned_meta(
            batch_size=h
        ),  # type: ignore[arg-type]
        ("maintenance.remove_unreferenced_disabled_tracks", "batch_size"): lambda c, h: (
            c.maintenance.remove_unreferenced_disabled_tracks(batch_size=h)
        ),  # type: ignore[arg-type]
        ("maintenance.flush_lookup_counts", "redis_url"): lambda c, h: c.maintenance.flush_lookup_counts(h),
        ("maintenance.run", "redis_url"): lambda c, h: c.maintenance.run(redis_url=h),
        ("changelog.changes", "after"): lambda c, h: c.changelog.changes(h),  # type: ignore[arg-type]
        ("changelog.changes", "limit"): lambda c, h: c.changelog.changes(0, limit=h),  # type: ignore[arg-type]
        ("changelog.sync_search_terms", "terms"): lambda c, h: c.changelog.sync_search_terms(
            {1: (h,)}, 10**9
        ),  # type: ignore[dict-item]
        ("changelog.sync_search_terms", "cursor"): lambda c, h: c.changelog.sync_search_terms({}, h),  # type: ignore[arg-type]
        ("changelog.sync_search_terms", "batch_size"): lambda c, h: c.changelog.sync_search_terms(
            {}, 0, batch_size=h
        ),  # type: ignore[arg-type]
        ("changelog.snapshot", "batch_size"): lambda c, h: c.changelog.snapshot(batch_size=h).__enter__(),  # type: ignore[arg-type]
        ("changelog.prune", "through"): lambda c, h: c.changelog.prune(through=h),  # type: ignore[arg-type]
        ("changelog.prune", "older_than"): lambda c, h: c.changelog.prune(older_than=h),  # type: ignore[arg-type]
        ("wait_for_replicas", "timeout"): lambda c, h: c.wait_for_replicas(h),  # type: ignore[arg-type]
        ("pools.wait_for_replicas", "timeout"): lambda c, h: c.pools.wait_for_replicas(h),  # type: ignore[arg-type]
        ("accounts.local_pair", "name"): lambda c, h: c.accounts.local_pair(h),
        ("import_file", "path"): lambda c, h: c.import_file(Path(h)),
        ("pools.connection", "database"): lambda c, h: c.pools.connection(h, "test").__enter__(),
        ("pools.connection", "statement_timeout"): lambda c, h: c.pools.connection(
            "fingerprint",
            "test",
            statement_timeout=h,  # type: ignore[arg-type]
        ).__enter__(),
        ("pools.pool", "database"): lambda c, h: c.pools.pool(h),
    }


# Parameters that take no caller text worth a case, and why.
NOT_TEXT = {
    ("import_file", "fmt"), ("import_file", "state_path"), ("import_file", "chunk_rows"),
    ("import_file", "progress"),  # checked before the file is opened, which a hostile path is not
    ("bulk_load", "progress"),  # a callback, never sent to the server
    ("import_file", "rebuild_indexes"),  # a flag; bulk_load's own is tried above
    ("pools.connection", "read_only"),  # plumbing
    ("pools.replica_pool", "replica"), ("pools.replica_pool", "database"),  # plumbing
    ("pools.connection", "operation"),  # a label for error messages, never sent to the server
}  # fmt: skip


# The facade and the service objects it hands out: every public method of each.
SERVICES = {"": AcoustID, "accounts.": Accounts, "tracks.": Tracks, "stats.": Stats}
SERVICES |= {"maintenance.": Maintenance, "changelog.": Changelog, "pools.": Pools, "indexes.": Indexes}


def public_parameters() -> set[tuple[str, str]]:
    found = set()
    for prefix, cls in SERVICES.items():
        for name, method in inspect.getmembers(cls, predicate=inspect.isfunction):
            if not name.startswith("_"):
                found |= {(prefix + name, p) for p in inspect.signature(method).parameters if p != "self"}
    return found


def test_the_driver_cases_cover_every_parameter(submitter: Submitter) -> None:
    assert public_parameters() - set(driver_calls(submitter)) - NOT_TEXT == set()


def test_hostile_strings_through_every_driver_parameter_are_inert(
    deployment: Deployment, submitter: Submitter
) -> None:
    before = catalog(deployment)
    log_size = deployment.cluster.log_file.stat().st_size
    outcomes: dict[str, int] = {"refused": 0, "accepted": 0}
    for (method, parameter), call in driver_calls(submitter).items():
        for hostile in HOSTILE:
            try:
                call(deployment.client, hostile)
                outcomes["accepted"] += 1
            except AcoustidError:
                outcomes["refused"] += 1
            except Exception as exc:  # anything else is a failure: say which case
                raise AssertionError(f"{method}({parameter}={hostile!r}) raised {exc!r}") from exc
    while deployment.client.process_submissions(100):
        pass  # the accepted submissions go all the way in, as data
    assert catalog(deployment) == before
    with deployment.cluster.log_file.open() as log:
        log.seek(log_size)
        assert "syntax error" not in log.read()
    assert outcomes["refused"] > 100 and outcomes["accepted"] > 50
    fp, app = deployment.fp, deployment.app
    for hostile in HOSTILE:  # the accepted ones, read back as they were given
        # one from create_account(name), one from local_pair(name)
        assert scalar(app, "SELECT count(*) FROM account WHERE name = %s", [hostile]) == 2
        assert (
            scalar(fp, "SELECT count(*) FROM meta WHERE track = %s AND artist = %s", [hostile, hostile]) == 1
        )
        assert scalar(fp, "SELECT count(*) FROM source WHERE version = %s", [hostile]) == 1
        assert scalar(app, "SELECT count(*) FROM stats_user_agents WHERE user_agent = %s", [hostile]) == 1
    named = (
        "SELECT v.name || ':' || i.name FROM foreignid AS i JOIN foreignid_vendor AS v ON v.id = i.vendor_id"
    )
    foreign = {row[0] for row in fp.execute(named).fetchall()}
    assert {HOSTILE[8], HOSTILE[9]} <= foreign
    assert scalar(app, "SELECT email FROM application WHERE email LIKE '%%pwned_6%%'") == HOSTILE[7]


# --- the command line ---

CONNECTION = {"config", "dsn", "host", "port", "user", "dbname", "app_db", "fingerprint_db", "ingest_db",
              "musicbrainz_db", "musicbrainz_dsn", "maintenance_db"}  # fmt: skip
CONNECTION_COMMANDS = {("status",), ("migrate",)}  # where the shared connection options are tried
TYPED_ONLY = {("bench",), ("demo",)}  # slow commands: their own options must be refused by argparse


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
    tuple[tuple[str, ...], argparse.ArgumentParser]
]:  # fmt: skip
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield path, parser
    for action in subparsers:
        for name, sub in action.choices.items():
            yield from leaf_commands(sub, (*path, name))


def value_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.nargs != 0 and not isinstance(a, argparse._HelpAction)]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("injection")
    rows = folder / "rows.jsonl"
    rows.write_text(json.dumps({"fingerprint": recording(2), "length": duration(2)}) + "\n")
    return {"audio": samples.synthesize("melody", 5, 20, folder / "song.wav"), "rows": rows}


def sane(files: dict[str, Path]) -> dict[tuple[tuple[str, ...], str], list[str]]:
    """Arguments each command needs besides the hostile one, by (command, dest) for positionals."""
    compressed = core.encode_fingerprint(recording(1))
    return {
        (("submit",), "files"): [str(files["audio"])],
        (("lookup",), "file"): ["--fingerprint", compressed, "--duration", str(duration(1))],
        (("import",), "file"): [str(files["rows"])],
        (("merge",), "target"): ["1"],
        (("merge",), "sources"): ["2"],
        (("mbid",), "action"): ["disable"],
        (("mbid",), "track"): ["1"],
        (("mbid",), "mbid"): [str(MBID)],
        (("mbid",), "account"): ["--account", "1"],
        (("accounts", "create"), "name"): ["someone"],
        (("apps", "create"), "name"): ["something"],
        (("apps", "create"), "account"): ["--account", "1"],
        (("worker",), "drain"): ["--drain"],
        (("backfill",), "name"): ["fingerprint-data"],
        (("index",), "action"): ["status"],
        (("index",), "kind"): ["legacy-overlap"],
    }


def cli_cases(files: dict[str, Path]) -> list[list[str]]:
    """One argv per (command, argument, hostile string)."""
    given = sane(files)
    cases = []
    for path, parser in leaf_commands(cli.build_parser()):
        for action in value_actions(parser):
            if action.dest in CONNECTION and path not in CONNECTION_COMMANDS:
                continue
            if path in TYPED_ONLY:
                assert action.dest in CONNECTION or action.type in (int, float) or action.choices, action.dest
            for hostile in CLI_HOSTILE:
                argv = [*path]
                for other in value_actions(parser):
                    if other is action or not (other.required or not other.option_strings):
                        continue
                    argv += given[(path, other.dest)]
                argv += given.get((path, "drain"), [])
                argv += [action.option_strings[0], hostile] if action.option_strings else [hostile]
                cases.append(argv)
    return cases


# Hostile strings the command line stores as data (one row each), read back verbatim.
AS_DATA = [
    ("app", "SELECT count(*) FROM account WHERE name = %s", CLI_HOSTILE[0]),
    ("app", "SELECT count(*) FROM application WHERE version = %s", CLI_HOSTILE[1]),
    ("fingerprint", "SELECT count(*) FROM meta WHERE track = %s AND artist IS NULL", CLI_HOSTILE[1]),
    ("fingerprint", "SELECT count(*) FROM track_mbid_change WHERE note = %s", CLI_HOSTILE[0]),
]


def run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as exit:  # argparse's own refusals
            status = int(exit.code or 0)
    return status, err.getvalue()


def test_hostile_strings_through_every_command_line_argument_are_inert(
    deployment: Deployment, submitter: Submitter, files: dict[str, Path],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # The test cluster is the configured server (never the embedded one); no config file,
    # and files a hostile --state might name land in a scratch directory.
    for variable, value in deployment.cluster.env().items():
        if variable.startswith("PG"):
            monkeypatch.setenv(variable, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ACOUSTID_PG_DATA", str(tmp_path / "embedded"))
    monkeypatch.delenv("ACOUSTID_PG_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    before = catalog(deployment)
    data_before = [scalar(deployment.db(db), query, [value]) for db, query, value in AS_DATA]
    log_size = deployment.cluster.log_file.stat().st_size
    statuses: dict[int, int] = {}
    cases = cli_cases(files) + [["init", "--dbname", hostile] for hostile in CLI_HOSTILE[:1]]
    for argv in cases:
        status, errors = run_cli(argv)
        assert status in (0, 1, 2), (argv, errors)
        assert "Traceback" not in errors and "syntax error" not in errors, (argv, errors)
        statuses[status] = statuses.get(status, 0) + 1
    assert run_cli(["worker", "--drain"])[0] == 0
    assert catalog(deployment) == before
    with deployment.cluster.log_file.open() as log:
        log.seek(log_size)
        assert "syntax error" not in log.read()
    assert (
        len(cases) > 100 and statuses.get(0, 0) > 10 and statuses.get(1, 0) > 10 and statuses.get(2, 0) > 10
    )
    assert [scalar(deployment.db(db), query, [value]) for db, query, value in AS_DATA] == [
        count + 1 for count in data_before
    ]
    # init took the hostile name as a name: a database called exactly that, with the schema in it.
    with psycopg.connect(make_conninfo(deployment.cluster.conninfo(), dbname=CLI_HOSTILE[0])) as weird:
        assert scalar(weird, "SELECT current_database()") == CLI_HOSTILE[0]
        assert scalar(weird, "SELECT count(*) FROM fingerprint_changelog") == 0
