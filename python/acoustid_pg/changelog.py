"""The fingerprint changelog for consumers that keep an external copy of the search terms.

``fingerprint_changelog`` logs every fingerprint insert, update (items, length or track:
merges move fingerprints) and delete with the fingerprint's query terms, in commit order.
A consumer starts from ``db.changelog.snapshot()`` (every fingerprint's terms and the cursor
they are current to), then calls ``changes(cursor)`` for what happened after, forever:

    with db.changelog.snapshot() as snapshot:
        copy = dict(snapshot.terms())
    cursor = snapshot.cursor
    while True:
        cursor = db.changelog.sync_search_terms(copy, cursor)   # ChangelogGap: rebuild from a snapshot

``db.changelog.prune`` deletes old entries; a consumer whose cursor is behind what was pruned
gets ChangelogGap instead of silently missing entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import psycopg

from .checks import check_int
from .errors import ChangelogGap, InvalidArgumentError
from .pools import Pools

MAX_ID: Final = 2**63 - 1
DEFAULT_BATCH: Final = 1_000
MAX_BATCH: Final = 100_000
_WATERMARK: Final = "SELECT last_value FROM fingerprint_changelog_pruned_through"

SearchTerms = tuple[int, ...]


@dataclass(frozen=True)
class Change:
    """One changelog entry: ``op`` is insert, update or delete; ``query`` the fingerprint's
    terms after the change (before it, for a delete)."""

    id: int
    fingerprint_id: int
    op: str
    query: SearchTerms
    created: dt.datetime


@dataclass(frozen=True)
class ChangelogState:
    """Where the log stands: entries ``oldest_id``..``newest_id`` remain (None when empty);
    ids up to ``pruned_through`` may have been deleted."""

    oldest_id: int | None
    newest_id: int | None
    pruned_through: int


class SearchTermsSnapshot:
    """Every fingerprint's search terms as of one moment, and the changelog cursor of that moment.

    ``terms()`` streams (fingerprint_id, terms) in id order from one repeatable-read
    transaction; it is usable only inside the ``with`` block that made the snapshot.
    """

    def __init__(self, conn: psycopg.Connection[Any], cursor: int, batch_size: int) -> None:
        self._conn = conn
        self.cursor = cursor
        self._batch_size = batch_size

    def terms(self) -> Iterator[tuple[int, SearchTerms]]:
        with self._conn.cursor(name="acoustid_search_terms") as cur:
            cur.itersize = self._batch_size
            cur.execute("SELECT id, acoustid_extract_query(fingerprint) FROM fingerprint ORDER BY id")
            for fingerprint_id, terms in cur:
                yield fingerprint_id, tuple(terms)


class Changelog:
    """The fingerprint changelog for consumers that keep an external copy of the search terms."""

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def changes(self, after: int = 0, *, limit: int = DEFAULT_BATCH) -> list[Change]:
        """Up to ``limit`` entries with ids above ``after`` (a cursor: the last id applied), oldest first.

        Raises ChangelogGap if entries after ``after`` were pruned. An empty list means the
        consumer is up to date.
        """
        cursor = check_int("after", after, minimum=0, maximum=MAX_ID)
        count = check_int("limit", limit, minimum=1, maximum=MAX_BATCH)
        with self._pools.connection("fingerprint", "changelog") as conn:
            rows = conn.execute(
                """SELECT id, fingerprint_id, op, query, created FROM fingerprint_changelog
                WHERE id > %s ORDER BY id LIMIT %s""",
                [cursor, count],
            ).fetchall()
            # Read after the entries: a prune whose delete this read missed had already raised
            # the watermark (setval comes first), so a gap is never overlooked.
            watermark = _scalar(conn, _WATERMARK)
        if cursor < watermark:
            raise ChangelogGap(cursor, watermark)
        return [Change(row[0], row[1], row[2], tuple(row[3]), row[4]) for row in rows]

    def sync_search_terms(
        self, terms: MutableMapping[int, SearchTerms], cursor: int, *, batch_size: int = DEFAULT_BATCH
    ) -> int:
        """Apply every change after ``cursor`` to ``terms`` (fingerprint id -> search terms);
        returns the new cursor. Raises ChangelogGap (``terms`` then needs a new snapshot)."""
        while True:
            batch = self.changes(cursor, limit=batch_size)
            if not batch:
                return cursor
            for change in batch:
                apply_change(terms, change)
            cursor = batch[-1].id

    @contextmanager
    def snapshot(self, *, batch_size: int = 10_000) -> Iterator[SearchTermsSnapshot]:
        """Every fingerprint's search terms and the cursor they are current to (see the module doc)."""
        size = check_int("batch_size", batch_size, minimum=1, maximum=MAX_BATCH)
        with self._pools.connection("fingerprint", "changelog snapshot") as conn:
            # Read before the snapshot: every entry up to it was committed before the snapshot began.
            pruned = _scalar(conn, _WATERMARK)
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # Ids follow commit order, so the newest visible entry covers every visible change.
                newest = _scalar(conn, "SELECT coalesce(max(id), 0) FROM fingerprint_changelog")
                yield SearchTermsSnapshot(conn, max(newest, pruned), size)

    def state(self) -> ChangelogState:
        with self._pools.connection("fingerprint", "changelog") as conn:
            row = conn.execute("SELECT min(id), max(id) FROM fingerprint_changelog").fetchone()
            pruned = _scalar(conn, _WATERMARK)
        assert row is not None
        return ChangelogState(row[0], row[1], pruned)

    def prune(self, *, through: int | None = None, older_than: dt.timedelta | None = None) -> int:
        """Delete entries: those with ids up to ``through``, or the oldest ones up to the first
        entry younger than ``older_than``. Returns how many were deleted. Consumers behind the
        pruned ids get ChangelogGap. Needs the acoustid_admin role (maintenance)."""
        if (through is None) == (older_than is None):
            raise InvalidArgumentError("through", "give exactly one of through and older_than")
        if older_than is not None and (
            not isinstance(older_than, dt.timedelta) or older_than < dt.timedelta(0)
        ):
            raise InvalidArgumentError("older_than", f"expected a timedelta of 0 or more, got {older_than!r}")
        with self._pools.connection("fingerprint", "changelog prune") as conn:
            if through is None:
                # The entries before the first young one: a prefix, so no younger entry is lost
                # behind an old one (created is the writing transaction's start, not its commit).
                through = _scalar(
                    conn,
                    """SELECT coalesce(
                        (SELECT min(id) - 1 FROM fingerprint_changelog WHERE created >= now() - %s),
                        (SELECT max(id) FROM fingerprint_changelog), 0)""",
                    [older_than],
                )
            checked = check_int("through", through, minimum=0, maximum=MAX_ID)
            return _scalar(conn, "SELECT acoustid_prune_changelog(%s::bigint)", [checked])


def apply_change(terms: MutableMapping[int, SearchTerms], change: Change) -> None:
    """One change applied to a fingerprint id -> search terms mapping."""
    if change.op == "delete":
        terms.pop(change.fingerprint_id, None)
    else:
        terms[change.fingerprint_id] = change.query


def _scalar(conn: psycopg.Connection[Any], query: str, params: list[Any] | None = None) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])
