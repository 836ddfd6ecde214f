"""Taking in submissions: validation, the ingest queue and the exactly-once import.

An import crosses two databases. The worker claims pending submissions in an
ingest transaction (``FOR UPDATE SKIP LOCKED``), imports each one in its own
fingerprint-database transaction, which ``fingerprint_source.submission_id``
makes idempotent, and only then records the results and removes the pending
rows in the still-open ingest transaction. A crash anywhere leaves the
submission pending; importing it again returns the first import's result.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg import errors
from psycopg.types.json import Jsonb

from .checks import check_id
from .dberrors import first_line
from .errors import InvalidArgumentError, NotFoundError
from .int4array import INT4_ARRAY_OID, Int4Array, RawInt4ArrayLoader
from .pools import Pools
from .submission import Submission

NOTIFY_CHANNEL: Final = "acoustid_pg_submission"
MAX_BATCH: Final = 10_000

_INSERT_SUBMISSION: Final = """
WITH queued AS (
    INSERT INTO submission (fingerprint, length, bitrate, format_id, account_id, application_id,
        application_version, mbid, puid, foreignid, meta)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    RETURNING id, created
)
INSERT INTO pending_submission (submission_id, submission_created)
SELECT id, created FROM queued
RETURNING submission_id
"""

# Oldest first; rows another worker holds are skipped, not waited for. The queue is limited
# first and each submission fetched by its key (LIMIT 1 keeps the planner from hash-joining
# the whole partition), so a claim costs the same however long the queue or the table.
_CLAIM_TEMPLATE: Final = """
WITH claimed AS (
    SELECT p.id, p.submission_id, p.submission_created FROM pending_submission AS p
    {which}
    FOR UPDATE SKIP LOCKED
)
SELECT s.* FROM claimed AS c
CROSS JOIN LATERAL (
    SELECT s.id, s.created, s.fingerprint, s.length, s.bitrate, s.format_id, s.application_id,
        s.account_id, s.application_version, s.mbid, s.puid, s.foreignid, s.meta::text
    FROM submission AS s
    WHERE s.id = c.submission_id AND s.created = c.submission_created
    LIMIT 1
) AS s
ORDER BY c.id
"""
_CLAIM: Final = _CLAIM_TEMPLATE.format(which="ORDER BY p.id\n    LIMIT %s")
# The same claim for given submissions (a NATS message's): rows another worker holds are skipped.
_CLAIM_IDS: Final = _CLAIM_TEMPLATE.format(which="WHERE p.submission_id = ANY(%s::int4[])\n    ORDER BY p.id")

_IMPORT: Final = """
SELECT track_id, track_gid, fingerprint_id, source_id, meta_id, action, skip_reason, repeated
FROM acoustid_import_submission(%s::int4, %s::int4[], %s::int4, %s::int4, %s::int4, %s::int4, %s::int4,
    %s::text, %s::uuid, %s::uuid, %s::text, %s::jsonb)
"""

_RECORD: Final = """
WITH done AS (
    SELECT * FROM unnest(%s::int4[], %s::timestamptz[], %s::int4[], %s::int4[], %s::text[],
        %s::int4[], %s::int4[])
        AS done (id, created, track_id, fingerprint_id, skip_reason, source_id, meta_id)
),
results AS (
    INSERT INTO submission_result (submission_id, submission_created, track_id, fingerprint_id, skip_reason)
    SELECT id, created, track_id, fingerprint_id, skip_reason FROM done
),
handled AS (
    UPDATE submission AS s
    SET handled = TRUE, handled_at = now(), source_id = done.source_id, meta_id = done.meta_id
    FROM done
    WHERE s.id = done.id AND s.created = done.created
)
DELETE FROM pending_submission AS p USING done WHERE p.submission_id = done.id
"""


@dataclass(frozen=True)
class ImportResult:
    """What the import did with one submission.

    ``action`` is new_track, new_fingerprint, matched_fingerprint (an existing
    fingerprint scored above 0.9) or skipped (``skip_reason`` says why).
    ``repeated`` means an earlier, interrupted run had already imported it.
    """

    submission_id: int
    action: str
    track_id: int | None
    track_gid: uuid.UUID | None
    fingerprint_id: int | None
    skip_reason: str | None = None
    repeated: bool = False


@dataclass(frozen=True)
class Imported:
    """An ImportResult and what the ingest row needs from the fingerprint database."""

    result: ImportResult
    created: Any
    source_id: int | None
    meta_id: int | None


def claim_submissions(ingest: psycopg.Connection[Any], limit: int) -> list[tuple[Any, ...]]:
    """Lock up to ``limit`` pending submissions, oldest first, in the caller's ingest transaction."""
    return _claim(ingest, _CLAIM, [limit])


def claim_submissions_by_id(ingest: psycopg.Connection[Any], ids: list[int]) -> list[tuple[Any, ...]]:
    """Lock those of ``ids`` still pending and not held by another worker, oldest first."""
    return _claim(ingest, _CLAIM_IDS, [ids])


def _claim(ingest: psycopg.Connection[Any], query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    # Binary results, the fingerprint kept as PostgreSQL's bytes: import_one passes them on.
    with ingest.cursor(binary=True) as cur:
        cur.adapters.register_loader(INT4_ARRAY_OID, RawInt4ArrayLoader)
        return cur.execute(query, params).fetchall()


def import_one(conn: psycopg.Connection[Any], row: tuple[Any, ...]) -> Imported:
    """One claimed submission in one autocommit transaction of the fingerprint database."""
    submission_id, created, *fields = row
    try:
        found = conn.execute(_IMPORT, [submission_id, *fields]).fetchone()
    except (errors.DataError, errors.IntegrityError) as exc:
        # Bad data never improves: record why, rather than retry it forever.
        reason = f"invalid submission: {first_line(exc)}"
        skipped = ImportResult(submission_id, "skipped", None, None, None, reason)
        return Imported(skipped, created, None, None)
    track_id, track_gid, fingerprint_id, source_id, meta_id, action, reason, repeated = _present(found)
    result = ImportResult(submission_id, action, track_id, track_gid, fingerprint_id, reason, repeated)
    return Imported(result, created, source_id, meta_id)


def record_results(ingest: psycopg.Connection[Any], imported: list[Imported]) -> None:
    """Write the results and drop the pending rows, in the still-open ingest transaction."""
    columns = [
        [i.result.submission_id for i in imported],
        [i.created for i in imported],
        [i.result.track_id for i in imported],
        [i.result.fingerprint_id for i in imported],
        [i.result.skip_reason for i in imported],
        [i.source_id for i in imported],
        [i.meta_id for i in imported],
    ]
    ingest.execute(_RECORD, columns)


@dataclass(frozen=True)
class ImportSteps:
    """The three steps of an import batch. Tests inject wrapped steps to stop a worker between them."""

    claim: Callable[[psycopg.Connection[Any], int], list[tuple[Any, ...]]] = claim_submissions
    import_one: Callable[[psycopg.Connection[Any], tuple[Any, ...]], Imported] = import_one
    record: Callable[[psycopg.Connection[Any], list[Imported]], None] = record_results
    claim_ids: Callable[[psycopg.Connection[Any], list[int]], list[tuple[Any, ...]]] = claim_submissions_by_id


@dataclass(frozen=True)
class ImportedIds:
    """What ``Ingest.process_ids`` did: the imports it committed, and the ids it left alone
    because another worker holds them (still pending, not handled yet)."""

    results: list[ImportResult]
    busy: set[int]


class Ingest:
    """The ingest queue: checked submissions in, exactly-once imports out."""

    def __init__(
        self,
        pools: Pools,
        steps: ImportSteps | None = None,
        after_commit: Callable[[list[int]], object] | None = None,
    ) -> None:
        self._pools = pools
        self._steps = steps if steps is not None else ImportSteps()
        # Told the ids of every committed queue() (the NATS announcer); never before the commit.
        self._after_commit = after_commit
        # Format ids never change: cached for the life of the client (as AcoustID does).
        self._format_ids: dict[str, int] = {}

    def queue(self, submissions: Iterable[Submission]) -> list[int]:
        """Queue checked submissions in one transaction, then wake the workers."""
        batch = list(submissions)
        for n, item in enumerate(batch):
            if not isinstance(item, Submission):
                problem = f"expected a Submission, got {type(item).__name__}"
                raise InvalidArgumentError(f"submissions[{n}]", problem)
        self._check_submitters(batch)
        formats = {name: self._format_id(name) for name in {s.format for s in batch if s.format}}
        rows = [_row(s, mbid, formats) for s in batch for mbid in (s.mbids or (None,))]
        with self._pools.connection("ingest", "submit") as conn, conn.transaction():
            with conn.cursor() as cur:
                cur.executemany(_INSERT_SUBMISSION, rows, returning=True)
                ids = []
                while True:
                    ids.append(_one(cur.fetchone()))
                    if not cur.nextset():
                        break
            conn.execute("SELECT pg_notify(%s, '')", [NOTIFY_CHANNEL])
        if self._after_commit is not None:
            self._after_commit(ids)
        return ids

    def process(self, limit: int) -> list[ImportResult]:
        """Import up to ``limit`` pending submissions, oldest first, each exactly once."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_BATCH:
            raise InvalidArgumentError("limit", f"must be an int between 1 and {MAX_BATCH}, got {limit!r}")
        with self._pools.connection("ingest", "import") as ingest, ingest.transaction():
            claimed = self._steps.claim(ingest, limit)
            if not claimed:
                return []
            with self._pools.connection("fingerprint", "import") as conn:
                imported = [self._steps.import_one(conn, row) for row in claimed]
            self._steps.record(ingest, imported)
        return [item.result for item in imported]

    def process_ids(self, ids: Iterable[int]) -> ImportedIds:
        """Import those of ``ids`` still pending, each exactly once, in one batch. Ids already
        handled (or unknown) are ignored; ids another worker holds come back in ``busy``."""
        if isinstance(ids, (str, bytes)):
            raise InvalidArgumentError("ids", f"expected submission ids, got {type(ids).__name__}")
        wanted = sorted({check_id(f"ids[{n}]", i) for n, i in enumerate(ids)})
        if not wanted:
            return ImportedIds([], set())
        if len(wanted) > MAX_BATCH:
            raise InvalidArgumentError("ids", f"at most {MAX_BATCH} at once, got {len(wanted)}")
        with self._pools.connection("ingest", "import") as ingest, ingest.transaction():
            claimed = self._steps.claim_ids(ingest, wanted)
            taken = {row[0] for row in claimed}
            # Still pending but not claimed: locked by a worker whose import is under way.
            pending = ingest.execute(
                "SELECT submission_id FROM pending_submission WHERE submission_id = ANY(%s::int4[])", [wanted]
            ).fetchall()
            busy = {row[0] for row in pending} - taken
            if not claimed:
                return ImportedIds([], busy)
            with self._pools.connection("fingerprint", "import") as conn:
                imported = [self._steps.import_one(conn, row) for row in claimed]
            self._steps.record(ingest, imported)
        return ImportedIds([item.result for item in imported], busy)

    def _check_submitters(self, batch: list[Submission]) -> None:
        """Accounts and applications live in the app database: no foreign key checks them."""
        pairs = {(s.account_id, s.application_id) for s in batch}
        with self._pools.connection("app", "submit") as conn:
            for account_id, application_id in sorted(pairs):
                account, active = _present(
                    conn.execute(
                        "SELECT EXISTS (SELECT FROM account WHERE id = %s),"
                        " (SELECT active FROM application WHERE id = %s)",
                        [account_id, application_id],
                    ).fetchone()
                )
                if not account:
                    raise NotFoundError("account_id", f"no account {account_id}")
                if active is None:
                    raise NotFoundError("application_id", f"no application {application_id}")
                if not active:
                    raise InvalidArgumentError("application_id", f"application {application_id} is inactive")

    def _format_id(self, name: str) -> int:
        if name not in self._format_ids:
            with self._pools.connection("fingerprint", "submit") as conn:
                found = conn.execute("SELECT acoustid_find_or_create_format(%s)", [name]).fetchone()
            self._format_ids[name] = int(_one(found))
        return self._format_ids[name]


def _row(s: Submission, mbid: uuid.UUID | None, formats: Mapping[str, int]) -> tuple[Any, ...]:
    return (
        Int4Array(s.fingerprint),
        s.duration,
        s.bitrate,
        formats[s.format] if s.format else None,
        s.account_id,
        s.application_id,
        s.application_version,
        mbid,
        s.puid,
        s.foreignid,
        None if s.meta is None else Jsonb(dict(s.meta)),
    )


def _present(row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    if row is None:
        raise RuntimeError("the statement returned no row")
    return row


def _one(row: tuple[Any, ...] | None) -> Any:
    return _present(row)[0]
