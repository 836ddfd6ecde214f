"""Lookup, user-agent and daily statistics (app database).

Every write is one upsert (INSERT ... ON CONFLICT DO UPDATE count = count + n), so
concurrent writers never lose an increment. Hours and days are UTC.

Daily counters written by ``update_daily_counters`` (name: meaning):

- ``account.count``, ``application.count`` (active ones): totals when computed
- ``track.count`` (live: neither merged nor disabled), ``fingerprint.count``,
  ``track_mbid.count`` (enabled links), ``mbid.count`` (distinct enabled MBIDs): totals
- ``submission.unhandled``: submissions waiting for the worker when computed
- ``lookup.count``, ``submission.count``: events during that UTC day
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg import errors as pgerrors

from .checks import (
    IpAddress,
    check_bool,
    check_counter_name,
    check_day,
    check_id,
    check_instant,
    check_int,
    check_ip,
)
from .errors import InvalidArgumentError, NotFoundError
from .pools import Pools
from .settings import DATABASES

MAX_USER_AGENT_LENGTH: Final = 1000  # stats_user_agents.user_agent is varchar(1000)
MAX_BIGINT: Final = 2**63 - 1
TODAY_UTC: Final = "(now() AT TIME ZONE 'UTC')::date"

# (database, counter, query); %(start)s and %(end)s bound the UTC day being counted.
DAILY_COUNTERS: Final = (
    ("app", "account.count", "SELECT count(*) FROM account"),
    ("app", "application.count", "SELECT count(*) FROM application WHERE active"),
    (
        "app",
        "lookup.count",
        """SELECT coalesce(sum(count_hits + count_misses), 0) FROM stats_lookups
        WHERE hour >= %(start)s AND hour < %(end)s""",
    ),
    ("fingerprint", "track.count", "SELECT count(*) FROM track WHERE new_id IS NULL AND NOT disabled"),
    ("fingerprint", "fingerprint.count", "SELECT count(*) FROM fingerprint"),
    ("fingerprint", "track_mbid.count", "SELECT count(*) FROM track_mbid WHERE NOT disabled"),
    ("fingerprint", "mbid.count", "SELECT count(DISTINCT mbid) FROM track_mbid WHERE NOT disabled"),
    (
        "ingest",
        "submission.count",
        "SELECT count(*) FROM submission WHERE created >= %(start)s AND created < %(end)s",
    ),
    ("ingest", "submission.unhandled", "SELECT count(*) FROM submission WHERE NOT handled"),
)


@dataclass(frozen=True)
class TopAccount:
    account_id: int
    count: int


class Stats:
    """Lookup, user-agent and daily statistics (app database)."""

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def record_lookup(self, application_id: int, *, hit: bool, at: dt.datetime | None = None) -> None:
        """Count one lookup (a hit found a track, a miss did not) in its UTC hour."""
        hits = int(check_bool("hit", hit))
        values = {
            "application_id": check_id("application_id", application_id),
            "hits": hits,
            "misses": 1 - hits,
            "at": None if at is None else check_instant("at", at),
        }
        self._upsert_for_application(
            """INSERT INTO stats_lookups (hour, application_id, count_hits, count_misses)
            VALUES (date_trunc('hour', coalesce(%(at)s::timestamptz, now()), 'UTC'), %(application_id)s,
                %(hits)s, %(misses)s)
            ON CONFLICT (hour, application_id) DO UPDATE
            SET count_hits = stats_lookups.count_hits + excluded.count_hits,
                count_misses = stats_lookups.count_misses + excluded.count_misses""",
            values,
        )

    def record_user_agent(
        self, application_id: int, user_agent: str, ip: str | IpAddress, *, day: dt.date | None = None
    ) -> None:
        """Count one request of an application from a user agent and address on a (UTC) day.

        A user agent longer than the column is cut to its first 1,000 characters
        (and bytes): it is a statistic, so a request must not fail over a header.
        """
        values = {
            "application_id": check_id("application_id", application_id),
            "user_agent": _cut_user_agent(user_agent),
            "ip": check_ip("ip", ip),
            "day": None if day is None else check_day("day", day),
        }
        self._upsert_for_application(
            f"""INSERT INTO stats_user_agents (date, application_id, user_agent, ip, count)
            VALUES (coalesce(%(day)s::date, {TODAY_UTC}), %(application_id)s, %(user_agent)s, %(ip)s, 1)
            ON CONFLICT (date, application_id, user_agent, ip) DO UPDATE
            SET count = stats_user_agents.count + 1""",
            values,
        )

    def increment_counter(self, name: str, by: int = 1, *, day: dt.date | None = None) -> int:
        """Add ``by`` to a daily counter (0 if new); return its new value."""
        values = {
            "name": check_counter_name("name", name),
            "by": check_int("by", by, minimum=-MAX_BIGINT, maximum=MAX_BIGINT),
            "day": None if day is None else check_day("day", day),
        }
        with self._pools.connection("app", "statistics") as conn:
            try:
                row = conn.execute(
                    f"""INSERT INTO stats (name, date, value)
                    VALUES (%(name)s, coalesce(%(day)s::date, {TODAY_UTC}), %(by)s)
                    ON CONFLICT (name, date) DO UPDATE SET value = stats.value + excluded.value
                    RETURNING value""",
                    values,
                ).fetchone()
            except pgerrors.NumericValueOutOfRange:
                raise InvalidArgumentError("by", f"{name} would overflow a bigint") from None
        assert row is not None
        return int(row[0])

    def set_counter(self, name: str, value: int, *, day: dt.date | None = None) -> None:
        """Set a daily counter (a gauge such as a total) for a UTC day."""
        name = check_counter_name("name", name)
        value = check_int("value", value, minimum=-MAX_BIGINT, maximum=MAX_BIGINT)
        checked = None if day is None else check_day("day", day)
        with self._pools.connection("app", "statistics") as conn:
            _set_counters(conn, checked, {name: value})

    def counters(self, day: dt.date | None = None) -> dict[str, int]:
        """Every daily counter of a UTC day (today if not given)."""
        checked = None if day is None else check_day("day", day)
        with self._pools.connection("app", "statistics") as conn:
            rows = conn.execute(
                f"SELECT name, value FROM stats WHERE date = coalesce(%s::date, {TODAY_UTC}) ORDER BY name",
                [checked],
            ).fetchall()
        return {name: int(value) for name, value in rows}

    def update_daily_counters(self, day: dt.date | None = None) -> dict[str, int]:
        """Compute the daily counters (see the module doc) across the three databases.

        Totals are taken now and stored under ``day`` (default today, UTC); the
        day's events are counted within that UTC day. Running it again overwrites.
        """
        checked = None if day is None else check_day("day", day)
        with self._pools.connection("app", "statistics") as conn:
            row = conn.execute(f"SELECT coalesce(%s::date, {TODAY_UTC})", [checked]).fetchone()
        assert row is not None
        the_day: dt.date = row[0]
        start = dt.datetime.combine(the_day, dt.time(), dt.timezone.utc)
        window = {"start": start, "end": start + dt.timedelta(days=1)}
        found: dict[str, int] = {}
        for database in DATABASES:
            with self._pools.connection(database, "statistics") as conn:
                for db, name, query in DAILY_COUNTERS:
                    if db == database:
                        row = conn.execute(query, window if "%(" in query else None).fetchone()
                        assert row is not None
                        found[name] = int(row[0])
        with self._pools.connection("app", "statistics") as conn, conn.transaction():
            _set_counters(conn, the_day, found)
        return dict(sorted(found.items()))

    def refresh_top_accounts(self, *, days: int = 30, limit: int = 100) -> list[TopAccount]:
        """Replace stats_top_accounts with the accounts that submitted most in the last ``days``."""
        days = check_int("days", days, minimum=1, maximum=36500)
        limit = check_int("limit", limit, minimum=1, maximum=1_000_000)
        with self._pools.connection("ingest", "statistics") as conn:
            counts = conn.execute(
                """SELECT account_id, count(*) FROM submission
                WHERE account_id IS NOT NULL AND created >= now() - make_interval(days => %s)
                GROUP BY account_id""",
                [days],
            ).fetchall()
        with self._pools.connection("app", "statistics") as conn, conn.transaction():
            # Readers still read; a second refresh waits instead of colliding on account_id.
            conn.execute("LOCK TABLE stats_top_accounts IN EXCLUSIVE MODE")
            conn.execute("DELETE FROM stats_top_accounts")
            rows = conn.execute(
                """INSERT INTO stats_top_accounts (account_id, count)
                SELECT c.account_id, c.count
                FROM unnest(%s::integer[], %s::integer[]) AS c (account_id, count)
                JOIN account AS a ON c.account_id = a.id  -- accounts deleted since are left out
                ORDER BY c.count DESC, c.account_id
                LIMIT %s
                RETURNING account_id, count""",
                [[r[0] for r in counts], [r[1] for r in counts], limit],
            ).fetchall()
        return sorted((TopAccount(a, c) for a, c in rows), key=lambda t: (-t.count, t.account_id))

    def _upsert_for_application(self, query: str, values: dict[str, Any]) -> None:
        with self._pools.connection("app", "statistics") as conn:
            try:
                conn.execute(query, values)
            except pgerrors.ForeignKeyViolation:
                raise NotFoundError("application_id", f"no application {values['application_id']}") from None


def _cut_user_agent(user_agent: object) -> str:
    if not isinstance(user_agent, str):
        raise InvalidArgumentError("user_agent", f"expected a string, got {type(user_agent).__name__}")
    # varchar(1000) counts characters; the unique index needs the bytes bounded too (a btree
    # entry holds at most 2,704), and PostgreSQL text cannot hold NUL.
    text = user_agent.replace("\x00", "")[:MAX_USER_AGENT_LENGTH]
    return text.encode()[:MAX_USER_AGENT_LENGTH].decode(errors="ignore")


def _set_counters(conn: psycopg.Connection[Any], day: dt.date | None, values: dict[str, int]) -> None:
    conn.execute(
        f"""INSERT INTO stats (name, date, value)
        SELECT name, coalesce(%s::date, {TODAY_UTC}), value
        FROM unnest(%s::text[], %s::bigint[]) AS v (name, value)
        ON CONFLICT (name, date) DO UPDATE SET value = excluded.value""",
        [day, list(values), list(values.values())],
    )
