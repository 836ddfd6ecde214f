"""Lookup, user-agent and daily statistics: upserts that lose nothing under concurrency."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.errors import InvalidArgumentError, NotFoundError
from acoustid_pg.stats import TopAccount
from tests.support.management import Deployment, link_mbid, new_fingerprint, new_track, scalar

UTC = dt.timezone.utc
DAY = dt.date(2024, 5, 10)


def application(client: AcoustID) -> int:
    account = client.accounts.create_account("stats owner")
    return client.accounts.create_application("stats app", account_id=account.id).id


def in_threads(calls: int, work: Callable[[int], Any], threads: int = 8) -> None:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(calls)))


def lookup_rows(deployment: Deployment) -> list[tuple[Any, ...]]:
    return deployment.app.execute(
        "SELECT hour, application_id, count_hits, count_misses FROM stats_lookups ORDER BY hour"
    ).fetchall()


def test_lookups_are_counted_per_application_and_utc_hour(client: AcoustID, deployment: Deployment) -> None:
    app = application(client)
    other = client.accounts.create_application("other", account_id=client.accounts.create_account("x").id).id
    # 23:30 at UTC-2 is 01:30 UTC on the next day.
    late = dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    client.stats.record_lookup(app, hit=True, at=late)
    client.stats.record_lookup(app, hit=True, at=late + dt.timedelta(minutes=29))
    client.stats.record_lookup(app, hit=False, at=late)
    client.stats.record_lookup(app, hit=False, at=late + dt.timedelta(minutes=30))  # the next hour
    client.stats.record_lookup(other, hit=True, at=late)
    assert lookup_rows(deployment) == [
        (dt.datetime(2025, 4, 1, 1, tzinfo=UTC), app, 2, 1),
        (dt.datetime(2025, 4, 1, 1, tzinfo=UTC), other, 1, 0),
        (dt.datetime(2025, 4, 1, 2, tzinfo=UTC), app, 0, 1),
    ]


def test_a_lookup_without_a_time_counts_in_the_current_hour(client: AcoustID, deployment: Deployment) -> None:
    app = application(client)
    before = scalar(deployment.app, "SELECT date_trunc('hour', now(), 'UTC')")
    client.stats.record_lookup(app, hit=True)
    after = scalar(deployment.app, "SELECT now()")
    hour = scalar(deployment.app, "SELECT hour FROM stats_lookups")
    assert before <= hour <= after
    assert hour.minute == hour.second == hour.microsecond == 0


def test_concurrent_lookups_lose_no_increment(client: AcoustID, deployment: Deployment) -> None:
    app = application(client)
    at = dt.datetime(2025, 1, 1, 12, 15, tzinfo=UTC)
    in_threads(400, lambda n: client.stats.record_lookup(app, hit=n % 4 != 0, at=at))
    assert lookup_rows(deployment) == [(dt.datetime(2025, 1, 1, 12, tzinfo=UTC), app, 300, 100)]


def test_lookups_of_an_unknown_application_are_refused(client: AcoustID, deployment: Deployment) -> None:
    with pytest.raises(NotFoundError, match="application_id: no application 42"):
        client.stats.record_lookup(42, hit=True)
    assert lookup_rows(deployment) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"application_id": "1", "hit": True}, "application_id: expected an integer, got str"),
        ({"application_id": 1, "hit": 1}, "hit: expected True or False, got int"),
        ({"application_id": 1, "hit": True, "at": dt.datetime(2025, 1, 1)}, "at: must be timezone-aware"),
        ({"application_id": 1, "hit": True, "at": "2025-01-01"}, "at: expected a datetime, got str"),
    ],
)
def test_bad_lookup_arguments(client: AcoustID, arguments: dict[str, Any], message: str) -> None:
    application_id = arguments.pop("application_id")
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        client.stats.record_lookup(application_id, **arguments)


def user_agent_rows(deployment: Deployment) -> list[tuple[Any, ...]]:
    return deployment.app.execute(
        "SELECT date, user_agent, host(ip), count FROM stats_user_agents ORDER BY user_agent, ip"
    ).fetchall()


def test_user_agents_are_counted_per_day_agent_and_address(client: AcoustID, deployment: Deployment) -> None:
    app = application(client)
    client.stats.record_user_agent(app, "picard/2.9", "192.0.2.1", day=DAY)
    client.stats.record_user_agent(app, "picard/2.9", "192.0.2.1", day=DAY)
    client.stats.record_user_agent(app, "picard/2.9", "2001:db8::1", day=DAY)
    client.stats.record_user_agent(app, "", "192.0.2.1", day=DAY)  # no User-Agent header
    assert user_agent_rows(deployment) == [
        (DAY, "", "192.0.2.1", 1),
        (DAY, "picard/2.9", "192.0.2.1", 2),
        (DAY, "picard/2.9", "2001:db8::1", 1),
    ]


def test_concurrent_user_agents_lose_no_increment(client: AcoustID, deployment: Deployment) -> None:
    app = application(client)
    in_threads(200, lambda n: client.stats.record_user_agent(app, f"agent {n % 2}", "192.0.2.9", day=DAY))
    assert [row[3] for row in user_agent_rows(deployment)] == [100, 100]


def test_overlong_user_agents_are_cut_to_what_the_index_holds(
    client: AcoustID, deployment: Deployment
) -> None:
    app = application(client)
    # 1,000 varied emoji are 4,000 incompressible bytes: uncut, the unique index refuses the row.
    rng = random.Random(7)
    emoji = "".join(chr(rng.randrange(0x1F300, 0x1F5FF)) for _ in range(1000))
    client.stats.record_user_agent(app, emoji, "192.0.2.1", day=DAY)
    client.stats.record_user_agent(app, "a" * 5000, "192.0.2.1", day=DAY)
    client.stats.record_user_agent(app, "nul\x00agent", "192.0.2.1", day=DAY)
    stored = [row[1] for row in user_agent_rows(deployment)]
    assert stored == ["a" * 1000, "nulagent", emoji[:250]]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((1, None, "192.0.2.1"), "user_agent: expected a string, got NoneType"),
        ((1, "ua", "not an ip"), "ip: 'not an ip' is not an IP address"),
        ((1, "ua", 3232235777), "ip: expected an IP address, got int"),
    ],
)
def test_bad_user_agent_arguments(client: AcoustID, arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        client.stats.record_user_agent(*arguments)


def test_user_agent_day_must_be_a_date(client: AcoustID) -> None:
    app = application(client)
    with pytest.raises(InvalidArgumentError, match=r"day: expected a datetime\.date, got datetime"):
        client.stats.record_user_agent(app, "ua", "192.0.2.1", day=dt.datetime(2025, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]


def test_counters_increment_set_and_read(client: AcoustID) -> None:
    assert client.stats.increment_counter("lookup.count", day=DAY) == 1
    assert client.stats.increment_counter("lookup.count", 41, day=DAY) == 42
    assert client.stats.increment_counter("lookup.count", day=DAY + dt.timedelta(days=1)) == 1
    client.stats.set_counter("track.count", 2**40, day=DAY)
    client.stats.set_counter("track.count", 7, day=DAY)
    assert client.stats.counters(DAY) == {"lookup.count": 42, "track.count": 7}
    assert client.stats.increment_counter("today.count") == 1
    assert client.stats.counters() == {"today.count": 1}


def test_concurrent_counter_increments_lose_nothing(client: AcoustID) -> None:
    in_threads(300, lambda n: client.stats.increment_counter("lookup.count", 2, day=DAY))
    assert client.stats.counters(DAY) == {"lookup.count": 600}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.stats.increment_counter("Track.Count"), "name: 'Track.Count' is not a counter name"),
        (lambda c: c.stats.increment_counter("track..count"), "name: 'track..count' is not a counter name"),
        (lambda c: c.stats.increment_counter(""), "name: must not be empty"),
        (lambda c: c.stats.increment_counter("x", "1"), "by: expected an integer, got str"),
        (lambda c: c.stats.set_counter("x", 2**63), "value: must be between"),
        (lambda c: c.stats.counters("2024-05-10"), "day: expected a datetime.date, got str"),
        (lambda c: c.stats.update_daily_counters(20240510), "day: expected a datetime.date, got int"),
    ],
)
def test_bad_counter_arguments(client: AcoustID, call: Callable[[AcoustID], Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        call(client)
    assert client.stats.counters() == {}


def test_a_counter_that_would_overflow_is_refused_and_unchanged(client: AcoustID) -> None:
    client.stats.set_counter("big.count", 2**63 - 2, day=DAY)
    with pytest.raises(InvalidArgumentError, match=r"by: big\.count would overflow a bigint"):
        client.stats.increment_counter("big.count", 5, day=DAY)
    assert client.stats.counters(DAY) == {"big.count": 2**63 - 2}


def submission(
    deployment: Deployment, created: dt.datetime, *, handled: bool, account: int | None = None
) -> None:
    deployment.ingest.execute(
        "INSERT INTO submission (fingerprint, length, created, handled, account_id)"
        " VALUES ('{1,2,3}', 30, %s, %s, %s)",
        [created, handled, account],
    )


def test_daily_counters_across_the_three_databases(client: AcoustID, deployment: Deployment) -> None:
    owner = client.accounts.create_account("owner")
    apps = [client.accounts.create_application(f"app {n}", account_id=owner.id) for n in range(3)]
    client.accounts.deactivate_application(apps[2].id)
    noon = dt.datetime.combine(DAY, dt.time(12), UTC)
    for hit in (True, True, False):
        client.stats.record_lookup(apps[0].id, hit=hit, at=noon)
    client.stats.record_lookup(apps[1].id, hit=True, at=noon + dt.timedelta(hours=11, minutes=59))
    client.stats.record_lookup(apps[1].id, hit=True, at=noon + dt.timedelta(hours=12))  # the next day

    fp = deployment.fp
    live, merged = new_track(fp), new_track(fp)
    new_track(fp, disabled=True)  # not live: not counted
    for track in (live, live, merged):
        new_fingerprint(fp, track)
    shared = uuid.uuid4()
    link_mbid(fp, live, shared)
    link_mbid(fp, merged, shared)
    off = link_mbid(fp, live, uuid.uuid4())
    fp.execute("UPDATE track_mbid SET disabled = TRUE WHERE id = %s", [off])
    fp.execute("UPDATE track SET new_id = %s WHERE id = %s", [live, merged])

    submission(deployment, noon, handled=True)
    submission(deployment, noon, handled=False)
    submission(deployment, noon - dt.timedelta(hours=12, seconds=1), handled=False)  # the day before

    expected = {
        "account.count": 1,
        "application.count": 2,
        "lookup.count": 4,
        "track.count": 1,
        "fingerprint.count": 3,
        "track_mbid.count": 1,
        "mbid.count": 1,
        "submission.count": 2,
        "submission.unhandled": 2,
    }
    assert client.stats.update_daily_counters(DAY) == dict(sorted(expected.items()))
    assert client.stats.counters(DAY) == expected
    client.accounts.create_account("second")
    assert client.stats.update_daily_counters(DAY)["account.count"] == 2
    assert scalar(deployment.app, "SELECT count(*) FROM stats") == len(expected)


def test_daily_counters_default_to_today(client: AcoustID, deployment: Deployment) -> None:
    submission(deployment, dt.datetime.now(UTC), handled=False)
    counted = client.stats.update_daily_counters()
    today = scalar(deployment.app, "SELECT (now() AT TIME ZONE 'UTC')::date")
    assert client.stats.counters(today) == counted
    assert counted["submission.count"] == 1


def test_top_accounts_are_replaced_by_the_latest_counts(client: AcoustID, deployment: Deployment) -> None:
    accounts = [client.accounts.create_account(f"user {n}").id for n in range(5)]
    now = dt.datetime.now(UTC)
    plan = {accounts[0]: 3, accounts[1]: 5, accounts[2]: 3, accounts[3]: 1}
    for account, submissions in plan.items():
        for _ in range(submissions):
            submission(deployment, now, handled=True, account=account)
    submission(deployment, now - dt.timedelta(days=31), handled=True, account=accounts[4])  # too old
    submission(deployment, now, handled=True, account=999)  # an account deleted since
    submission(deployment, now, handled=True)  # anonymous
    deployment.app.execute(
        "INSERT INTO stats_top_accounts (account_id, count) VALUES (%s, 77)", [accounts[4]]
    )

    top = client.stats.refresh_top_accounts(limit=3)
    assert top == [TopAccount(accounts[1], 5), TopAccount(accounts[0], 3), TopAccount(accounts[2], 3)]
    stored = deployment.app.execute("SELECT account_id, count FROM stats_top_accounts ORDER BY account_id")
    assert stored.fetchall() == [(accounts[0], 3), (accounts[1], 5), (accounts[2], 3)]
    assert len(client.stats.refresh_top_accounts(days=60)) == 5


def test_concurrent_top_account_refreshes_do_not_collide(client: AcoustID, deployment: Deployment) -> None:
    account = client.accounts.create_account("busy").id
    submission(deployment, dt.datetime.now(UTC), handled=True, account=account)
    in_threads(16, lambda n: client.stats.refresh_top_accounts())
    assert deployment.app.execute("SELECT account_id, count FROM stats_top_accounts").fetchall() == [
        (account, 1)
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"days": 0}, "days: must be between 1 and"), ({"limit": "10"}, "limit: expected an integer, got str")],
)
def test_bad_top_account_arguments(client: AcoustID, arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        client.stats.refresh_top_accounts(**arguments)
