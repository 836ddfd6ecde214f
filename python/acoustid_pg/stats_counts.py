"""Adding many counts at once to the lookup and user-agent statistics (app database).

The web service counts lookups in Redis and a maintenance job moves the sums here in
one transaction, instead of one upsert per request. Rows of applications deleted in
the meantime are dropped (their statistics would be deleted with them anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .checks import check_id, check_int, check_ip
from .pools import Pools
from .stats import MAX_USER_AGENT_LENGTH

MAX_COUNT = 2**31 - 1  # the count columns are integers


@dataclass(frozen=True)
class LookupCount:
    hour: dt.datetime  # UTC; cut to the hour when stored
    application_id: int
    hits: int
    misses: int


@dataclass(frozen=True)
class UserAgentCount:
    day: dt.date
    application_id: int
    user_agent: str
    ip: str
    count: int


def _count(field: str, value: int) -> int:
    return check_int(field, value, minimum=0, maximum=MAX_COUNT)


def _user_agent(text: str) -> str:
    # The column is varchar(1000) and its unique index needs the bytes bounded too.
    cut = text.replace("\x00", "")[:MAX_USER_AGENT_LENGTH]
    return cut.encode()[:MAX_USER_AGENT_LENGTH].decode(errors="ignore")


class StatsCounts:
    """Bulk additions to stats_lookups and stats_user_agents."""

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def add_lookups(self, counts: Iterable[LookupCount]) -> int:
        """Add hits and misses per (UTC hour, application); returns the rows written."""
        rows = list(_lookup_rows(counts))
        if not rows:
            return 0
        with self._pools.connection("app", "lookup statistics") as conn, conn.transaction():
            cursor = conn.execute(
                """INSERT INTO stats_lookups AS s (hour, application_id, count_hits, count_misses)
                SELECT date_trunc('hour', c.hour, 'UTC'), c.application_id, sum(c.hits), sum(c.misses)
                FROM unnest(%s::timestamptz[], %s::integer[], %s::integer[], %s::integer[])
                    AS c (hour, application_id, hits, misses)
                JOIN application AS a ON a.id = c.application_id
                GROUP BY 1, 2
                ON CONFLICT (hour, application_id) DO UPDATE
                SET count_hits = s.count_hits + excluded.count_hits,
                    count_misses = s.count_misses + excluded.count_misses""",
                [list(column) for column in zip(*rows)],
            )
            return cursor.rowcount

    def add_user_agents(self, counts: Iterable[UserAgentCount]) -> int:
        """Add requests per (UTC day, application, user agent, address); returns the rows written."""
        rows = list(_user_agent_rows(counts))
        if not rows:
            return 0
        with self._pools.connection("app", "lookup statistics") as conn, conn.transaction():
            cursor = conn.execute(
                """INSERT INTO stats_user_agents AS s (date, application_id, user_agent, ip, count)
                SELECT c.day, c.application_id, c.user_agent, c.ip, sum(c.count)
                FROM unnest(%s::date[], %s::integer[], %s::text[], %s::inet[], %s::integer[])
                    AS c (day, application_id, user_agent, ip, count)
                JOIN application AS a ON a.id = c.application_id
                GROUP BY 1, 2, 3, 4
                ON CONFLICT (date, application_id, user_agent, ip) DO UPDATE
                SET count = s.count + excluded.count""",
                [list(column) for column in zip(*rows)],
            )
            return cursor.rowcount


def _lookup_rows(counts: Iterable[LookupCount]) -> Iterator[tuple[Any, ...]]:
    for c in counts:
        if c.hour.tzinfo is None:
            raise ValueError("hour must be timezone-aware")
        yield (
            c.hour,
            check_id("application_id", c.application_id),
            _count("hits", c.hits),
            _count("misses", c.misses),
        )


def _user_agent_rows(counts: Iterable[UserAgentCount]) -> Iterator[tuple[Any, ...]]:
    for c in counts:
        yield (
            c.day,
            check_id("application_id", c.application_id),
            _user_agent(c.user_agent),
            str(check_ip("ip", c.ip)),
            _count("count", c.count),
        )
