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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import psycopg
from psycopg import errors
from psycopg.types.json import Jsonb

from . import bulk
from .client import ClientBase
from .dberrors import first_line, translated
from .errors import InvalidArgumentError, NotFoundError
from .fingerprint_input import Fingerprint
from .int4array import Int4Array
from .submission import MetaValue, Submission

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
_CLAIM: Final = """
WITH claimed AS (
    SELECT p.id, p.submission_id, p.submission_created FROM pending_submission AS p
    ORDER BY p.id
    LIMIT %s
    FOR UPDATE SKIP LOCKED
)
SELECT s.* FROM claimed AS c
CROSS JOIN LATERAL (
    SELECT s.id, s.created, s.fingerprint::text, s.length, s.bitrate, s.format_id, s.application_id,
        s.account_id, s.application_version, s.mbid, s.puid, s.foreignid, s.meta::text
    FROM submission AS s
    WHERE s.id = c.submission_id AND s.created = c.submission_created
    LIMIT 1
) AS s
ORDER BY c.id
"""

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
class _Imported:
    """An ImportResult and what the ingest row needs from the fingerprint database."""

    result: ImportResult
    created: Any
    source_id: int | None
    meta_id: int | None


class IngestMixin(ClientBase):
    """Taking in submissions: validation, the ingest queue and the exactly-once import."""

    def submit(
        self,
        fingerprint: Fingerprint,
        duration: int,
        *,
        account_id: int,
        application_id: int,
        application_version: str | None = None,
        mbids: Sequence[uuid.UUID | str] | uuid.UUID | str = (),
        puid: uuid.UUID | str | None = None,
        foreignid: str | None = None,
        meta: Mapping[str, MetaValue] | None = None,
        bitrate: int | None = None,
        format: str | None = None,
    ) -> list[int]:
        """Queue a fingerprint for import; the ids of its submission rows (one per MBID).

        Every field is checked first (InvalidArgumentError names the field, NotFoundError
        an unknown account or application); nothing is written unless all pass.
        """
        submission = Submission.create(
            fingerprint,
            duration,
            account_id=account_id,
            application_id=application_id,
            application_version=application_version,
            mbids=mbids,
            puid=puid,
            foreignid=foreignid,
            meta=meta,
            bitrate=bitrate,
            format=format,
        )
        return self.submit_many([submission])

    def submit_many(self, submissions: Iterable[Submission]) -> list[int]:
        """Queue checked submissions in one transaction, then wake the workers."""
        batch = list(submissions)
        for n, item in enumerate(batch):
            if not isinstance(item, Submission):
                problem = f"expected a Submission, got {type(item).__name__}"
                raise InvalidArgumentError(f"submissions[{n}]", problem)
        self._check_submitters(batch)
        formats = {name: self._format_id(name) for name in {s.format for s in batch if s.format}}
        rows = [_row(s, mbid, formats) for s in batch for mbid in (s.mbids or (None,))]
        dbname = self.settings.dbname("ingest")
        with self.connection("ingest") as conn, translated(dbname, "submit"), conn.transaction():
            with conn.cursor() as cur:
                cur.executemany(_INSERT_SUBMISSION, rows, returning=True)
                ids = []
                while True:
                    ids.append(_one(cur.fetchone()))
                    if not cur.nextset():
                        break
            conn.execute("SELECT pg_notify(%s, '')", [NOTIFY_CHANNEL])
        return ids

    def process_submissions(self, limit: int = 100) -> list[ImportResult]:
        """Import up to ``limit`` pending submissions, oldest first, each exactly once.

        Unusable or invalid submissions are recorded as skipped with the reason,
        never retried. A lost connection raises ConnectionLost and leaves the rest
        pending for the next call.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_BATCH:
            raise InvalidArgumentError("limit", f"must be an int between 1 and {MAX_BATCH}, got {limit!r}")
        name = self.settings.dbname("ingest")
        with self.connection("ingest") as ingest, translated(name, "import"), ingest.transaction():
            claimed = self._claim_submissions(ingest, limit)
            if not claimed:
                return []
            imported = self._import_claimed(claimed)
            self._record_results(ingest, imported)
        return [item.result for item in imported]

    def bulk_load(self, rows: Iterable[bulk.FingerprintRow], *, rebuild_indexes: bool = False) -> int:
        """Load fingerprints through COPY, in one transaction; returns how many were loaded.

        See ``acoustid_pg.bulk``. ``rebuild_indexes`` drops fingerprint's secondary
        indexes for the load and rebuilds them after (fastest for a first load; it
        locks the table against lookups until commit).
        """
        dbname = self.settings.dbname("fingerprint")
        with self.connection("fingerprint") as conn, translated(dbname, "bulk load"):
            return bulk.load(conn, rows, rebuild_indexes=rebuild_indexes)

    # --- the steps of an import, each overridable (tests stop a worker between them) ---

    def _claim_submissions(self, ingest: psycopg.Connection[Any], limit: int) -> list[tuple[Any, ...]]:
        return ingest.execute(_CLAIM, [limit]).fetchall()

    def _import_claimed(self, claimed: list[tuple[Any, ...]]) -> list[_Imported]:
        fingerprint_name = self.settings.dbname("fingerprint")
        with self.connection("fingerprint") as conn, translated(fingerprint_name, "import"):
            return [self._import_one(conn, row) for row in claimed]

    def _import_one(self, conn: psycopg.Connection[Any], row: tuple[Any, ...]) -> _Imported:
        """One submission in one autocommit transaction of the fingerprint database."""
        submission_id, created, *fields = row
        try:
            found = conn.execute(_IMPORT, [submission_id, *fields]).fetchone()
        except (errors.DataError, errors.IntegrityError) as exc:
            # Bad data never improves: record why, rather than retry it forever.
            reason = f"invalid submission: {first_line(exc)}"
            skipped = ImportResult(submission_id, "skipped", None, None, None, reason)
            return _Imported(skipped, created, None, None)
        track_id, track_gid, fingerprint_id, source_id, meta_id, action, reason, repeated = _present(found)
        result = ImportResult(submission_id, action, track_id, track_gid, fingerprint_id, reason, repeated)
        return _Imported(result, created, source_id, meta_id)

    def _record_results(self, ingest: psycopg.Connection[Any], imported: list[_Imported]) -> None:
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

    # --- submit's helpers ---

    def _check_submitters(self, batch: list[Submission]) -> None:
        """Accounts and applications live in the app database: no foreign key checks them."""
        pairs = {(s.account_id, s.application_id) for s in batch}
        dbname = self.settings.dbname("app")
        with self.connection("app") as conn, translated(dbname, "submit"):
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
        """Format ids never change: cached for the life of the client (as AcoustID does)."""
        cache = cast(dict[str, int], self.__dict__.setdefault("_format_ids", {}))
        if name not in cache:
            dbname = self.settings.dbname("fingerprint")
            with self.connection("fingerprint") as conn, translated(dbname, "submit"):
                found = conn.execute("SELECT acoustid_find_or_create_format(%s)", [name]).fetchone()
            cache[name] = int(_one(found))
        return cache[name]


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
