"""lookup() through the driver: typed matches, time budgets, lost connections, missing schemas."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

import acoustid_pg
from acoustid_pg import fingerprint as core
from acoustid_pg import pools as pools_module
from acoustid_pg.api import AcoustID
from acoustid_pg.cluster import Cluster
from acoustid_pg.errors import ConnectError, ConnectionLost, InvalidArgumentError, LookupTimeout, SchemaError
from acoustid_pg.lookup import Match, Mbid, Meta
from tests.support.driver import Submitter, flip, walk
from tests.support.fixtures_cluster import new_database
from tests.support.management import Deployment, server_conninfo

A, B, C = (uuid.UUID(int=n) for n in (0xA, 0xB, 0xC))


@pytest.fixture
def imported(deployment: Deployment, client: AcoustID, submitter: Submitter) -> dict[str, Any]:
    """One track with two fingerprints, three MBIDs (one disabled) and two metadata rows."""
    rng = random.Random(11)
    base = walk(rng)
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    client.submit(base, 100, mbids=[B, A], meta={"track": "Velvet", "artist": "Echo"}, **who)
    client.submit(base, 100, mbids=[A], meta={"track": "Velvet", "artist": "Echo"}, **who)
    client.submit(flip(rng, base, 0.06), 101, mbids=[C], meta={"track": "velvet"}, **who)
    results = client.process_submissions(10)
    assert {r.action for r in results} == {"new_track", "matched_fingerprint", "new_fingerprint"}
    deployment.fp.execute("UPDATE track_mbid SET disabled = TRUE WHERE mbid = %s", [C])
    return {"items": base, "gid": results[0].track_gid, "fingerprint": results[0].fingerprint_id}


def test_a_match_carries_gid_score_mbids_and_meta(client: AcoustID, imported: dict[str, Any]) -> None:
    (match,) = client.lookup(imported["items"], 100, include_meta=True)
    assert isinstance(match, Match)
    assert (match.track_gid, match.score, match.fingerprint_id) == (
        imported["gid"],
        1.0,
        imported["fingerprint"],
    )
    assert match.mbids == (Mbid(A, 2), Mbid(B, 1))  # enabled only, ordered by MBID
    assert match.meta == (
        Meta(track="Velvet", artist="Echo", submission_count=3),  # one per submission row
        Meta(track="velvet", submission_count=1),
    )
    assert client.lookup(imported["items"], 100)[0].meta == ()


def test_every_form_of_fingerprint_finds_the_same(client: AcoustID, imported: dict[str, Any]) -> None:
    items = imported["items"]
    expected = client.lookup(items, 100)
    assert client.lookup(tuple(items), 100) == expected
    assert client.lookup(core.encode_fingerprint(items), 100) == expected
    assert client.lookup(items, 107, max_duration_diff=7) == expected
    (via_variant,) = client.lookup(items, 108)  # only the 101 s fingerprint is in the window
    assert via_variant.track_gid == imported["gid"] and via_variant.score < 0.9
    assert client.lookup(items, 109) == []
    assert client.lookup(items, 100, min_score=1.0) == []
    assert client.lookup(walk(random.Random(12)), 100) == []


@pytest.mark.parametrize(
    ("arguments", "field", "problem"),
    [
        ({"fingerprint": []}, "fingerprint", "must not be empty"),
        ({"fingerprint": [1, "x"]}, "fingerprint", "item 1 is str"),
        ({"fingerprint": [2**31]}, "fingerprint", "out of the int4 range"),
        ({"fingerprint": "#!"}, "fingerprint", "URL-safe base64"),
        ({"fingerprint": b"AQAA"}, "fingerprint", "got bytes"),
        ({"fingerprint": 7}, "fingerprint", "got int"),
        ({"duration": None}, "duration", "required unless the fingerprint is an audio file"),
        ({"duration": 0}, "duration", "between 1 and 32767"),
        ({"duration": 40000}, "duration", "between 1 and 32767"),
        ({"duration": "100"}, "duration", "expected an integer"),
        ({"max_duration_diff": 0}, "max_duration_diff", "between 1 and 30"),
        ({"max_duration_diff": 31}, "max_duration_diff", "between 1 and 30"),
        ({"min_score": 1.5}, "min_score", "between 0 and 1"),
        ({"min_score": "0.5"}, "min_score", "expected a number"),
        ({"max_results": 0}, "max_results", "1 or more"),
        ({"timeout": 0}, "timeout", "positive number of seconds"),
    ],
)
def test_bad_arguments_name_the_field(
    client: AcoustID, arguments: dict[str, Any], field: str, problem: str
) -> None:
    call: dict[str, Any] = {"fingerprint": walk(random.Random(1)), "duration": 100, **arguments}
    with pytest.raises(InvalidArgumentError) as raised:
        client.lookup(call.pop("fingerprint"), call.pop("duration"), **call)
    assert raised.value.field == field and problem in raised.value.problem


@pytest.fixture
def locked_fingerprints(deployment: Deployment) -> Iterator[psycopg.Connection]:
    """A transaction holding an exclusive lock on fingerprint: every lookup waits on it."""
    with psycopg.connect(deployment.cluster.conninfo(deployment.names["fingerprint"])) as holder:
        holder.execute("LOCK TABLE fingerprint IN ACCESS EXCLUSIVE MODE")
        yield holder
        holder.rollback()


def test_a_lookup_past_its_budget_raises_lookup_timeout(
    client: AcoustID, imported: dict[str, Any], locked_fingerprints: psycopg.Connection
) -> None:
    started = time.monotonic()
    with pytest.raises(LookupTimeout, match=r"after 0\.2 s"):
        client.lookup(imported["items"], 100, timeout=0.2)
    assert time.monotonic() - started < 5
    locked_fingerprints.rollback()
    # The budget belonged to sessions of its own: the plain pool's have no timeout.
    assert client.lookup(imported["items"], 100, timeout=None)[0].track_gid == imported["gid"]
    with client.pools.connection("fingerprint", "test") as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)


def test_sessions_carry_the_timeout_asked_for_and_only_inside_the_block(
    client: AcoustID, imported: dict[str, Any], locked_fingerprints: psycopg.Connection
) -> None:
    # More distinct timeouts than get pools of their own: the last ones set and reset a session.
    budgets = [0.2 + 0.01 * n for n in range(pools_module.MAX_TIMEOUT_POOLS + 2)]
    for budget in budgets:
        with client.pools.connection("fingerprint", "test", read_only=True, statement_timeout=budget) as conn:
            shown = conn.execute("SHOW statement_timeout").fetchone()
        assert shown == (f"{round(budget * 1000)}ms",)
        with pytest.raises(LookupTimeout, match=f"after {budget} s"):
            client.lookup(imported["items"], 100, timeout=budget)
    assert len({key[2] for key in client.pools._timeout_pools}) == pools_module.MAX_TIMEOUT_POOLS
    locked_fingerprints.rollback()
    for _ in range(3):  # every pooled plain session is back to the server's setting
        with client.pools.connection("fingerprint", "test") as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)
    assert client.lookup(imported["items"], 100, timeout=budgets[-1])[0].track_gid == imported["gid"]


def test_a_session_left_mid_transaction_is_not_handed_on_with_its_timeout(client: AcoustID) -> None:
    beyond = [1 + n for n in range(pools_module.MAX_TIMEOUT_POOLS + 1)]
    for seconds in beyond:  # fill the pools' quota, so the next timeout sets a plain session
        with client.pools.connection("fingerprint", "test", statement_timeout=seconds):
            pass
    with (
        pytest.raises(RuntimeError),
        client.pools.connection("fingerprint", "test", statement_timeout=7.5) as conn,
    ):
        conn.execute("BEGIN")
        raise RuntimeError("the caller's own failure")
    assert conn.closed
    with client.pools.connection("fingerprint", "test") as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)


def test_a_lost_connection_is_typed_and_the_next_call_reconnects(
    deployment: Deployment,
    client: AcoustID,
    imported: dict[str, Any],
    locked_fingerprints: psycopg.Connection,
) -> None:
    failure: list[BaseException] = []

    def blocked_lookup() -> None:
        try:
            client.lookup(imported["items"], 100)
        except BaseException as exc:  # handed to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=blocked_lookup)
    thread.start()
    admin = deployment.fp
    for _ in range(100):
        waiting = admin.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND query LIKE '%acoustid_lookup%'"
        ).fetchall()
        if waiting:
            break
        time.sleep(0.05)
    assert waiting
    admin.execute("SELECT pg_terminate_backend(%s)", [waiting[0][0]])
    thread.join(10)
    assert len(failure) == 1 and isinstance(failure[0], ConnectionLost)
    assert deployment.names["fingerprint"] in str(failure[0])
    locked_fingerprints.rollback()
    assert client.lookup(imported["items"], 100)[0].track_gid == imported["gid"]


def test_missing_schema_extension_or_database(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = new_database(cluster, prefix="bare", template="template0")  # no extension, no schema
    extended = new_database(cluster, prefix="extended")  # the extensions, no schema
    monkeypatch.setattr(pools_module, "POOL_TIMEOUT_SECONDS", 1.0)
    items = walk(random.Random(2))
    for name in (bare, extended):
        with acoustid_pg.connect(server_conninfo(cluster), fingerprint=name, app=name, ingest=name) as broken:
            with pytest.raises(SchemaError, match=rf"database '{name}' lacks the acoustid schema.*lookup"):
                broken.lookup(items, 100)
            with pytest.raises(SchemaError, match="run `acoustid-pg init`"):
                broken.process_submissions()
            # every service object's calls are translated alike (they share Pools.connection)
            service_calls: list[Callable[[], object]] = [
                lambda: broken.accounts.get_account(1),
                lambda: broken.accounts.validate_application_key("k" * 40),
                lambda: broken.stats.counters(),
                lambda: broken.tracks.merge(1, [2]),
                lambda: broken.maintenance.refresh_track_stats(),
                lambda: broken.changelog.state(),
            ]
            for call in service_calls:
                with pytest.raises(SchemaError, match=rf"database '{name}' lacks the acoustid schema"):
                    call()
    missing = acoustid_pg.connect(server_conninfo(cluster), fingerprint="no_such_database")
    with missing, pytest.raises(ConnectError, match="no_such_database"):
        missing.lookup(items, 100)


def test_handing_out_a_healthy_pooled_session_sends_nothing(
    client: AcoustID, imported: dict[str, Any]
) -> None:
    client.lookup(imported["items"], 100)
    with client.pools.connection("fingerprint", "test", read_only=True, statement_timeout=5.0) as conn:
        pid = conn.info.backend_pid  # known client-side: asking the server would be a statement
        with psycopg.connect(client.pools.settings.dsn(client.pools.settings.dbname("fingerprint"))) as admin:
            row = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    # The session's last statement is still the lookup: the pool's check sent no query.
    assert row is not None and "acoustid_lookup" in row[0]


def test_a_pooled_session_the_server_ended_while_idle_is_replaced_before_use(
    deployment: Deployment, client: AcoustID, imported: dict[str, Any]
) -> None:
    client.lookup(imported["items"], 100)
    with client.pools.connection("fingerprint", "test", read_only=True, statement_timeout=5.0) as conn:
        ended = conn.info.backend_pid
    assert deployment.fp.execute("SELECT pg_terminate_backend(%s)", [ended]).fetchone() == (True,)
    for _ in range(100):
        if not deployment.fp.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [ended]).fetchone():
            break
        time.sleep(0.02)
    matches = client.lookup(imported["items"], 100)  # no ConnectionLost: the check saw the goodbye
    assert matches[0].track_gid == imported["gid"]
    with client.pools.connection("fingerprint", "test", read_only=True, statement_timeout=5.0) as conn:
        assert conn.info.backend_pid != ended


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), "5", True])
def test_a_session_timeout_that_is_not_a_positive_number_is_refused(
    client: AcoustID, timeout: object
) -> None:
    refused = pytest.raises(InvalidArgumentError, match="statement_timeout")
    with refused, client.pools.connection("fingerprint", "test", statement_timeout=timeout):  # type: ignore[arg-type]
        pass


def test_a_timeout_longer_than_the_setting_holds_means_its_longest(client: AcoustID) -> None:
    for seconds in (1e12, float("inf")):
        with client.pools.connection("fingerprint", "test", statement_timeout=seconds) as conn:
            assert conn.execute("SELECT current_setting('statement_timeout')").fetchone() == ("2147483647ms",)


def test_a_timeout_session_keeps_the_options_its_dsn_gives(deployment: Deployment) -> None:
    url = f"{server_conninfo(deployment.cluster)} options='-c application_name=mine'"
    with (
        acoustid_pg.connect(url, **deployment.names) as client,
        client.pools.connection("fingerprint", "test", statement_timeout=1.5) as conn,
    ):
        shown = conn.execute(
            "SELECT current_setting('application_name'), current_setting('statement_timeout')"
        )
        assert shown.fetchone() == ("mine", "1500ms")


def test_the_mirror_health_check_leaves_no_timeout_on_the_pooled_session(deployment: Deployment) -> None:
    # Any database answers the check's SELECT 1; this one stands in for the mirror.
    names = {**deployment.names, "musicbrainz": deployment.names["fingerprint"]}
    with acoustid_pg.connect(server_conninfo(deployment.cluster), **names, max_size=1) as client:
        assert client.health.musicbrainz()["status"] == "ok"
        with client.pools.connection("musicbrainz", "test") as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)
