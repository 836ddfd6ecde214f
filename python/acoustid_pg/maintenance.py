"""The periodic cleanup jobs; each returns what it did.

They call the schema owner's partition functions and refresh ``track_stats``,
so they need a superuser or a member of ``acoustid_admin``.

Deleting rows another transaction may be about to refer to (metadata, tracks)
goes in two statements of one transaction: lock the candidates (skipping rows
someone holds), then delete those still unreferenced under a fresh snapshot. A
reference committed before the lock is seen by the second statement; one made
after it waits for the lock and then fails on the foreign key, never silently
losing a link.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg import errors as pgerrors

from .checks import check_int
from .lookup_counts import FlushReport, check_redis_url, flush_url
from .musicbrainz.merges import MergeSummary
from .musicbrainz.service import MusicBrainz
from .pools import Pools
from .stats_counts import StatsCounts

SUBMISSION_RETENTION_DAYS: Final = 30
DEFAULT_BATCH_SIZE: Final = 1000
_MONTH_PARTITION: Final = re.compile(r"submission_(\d{4})_(\d{2})")

# Metadata no track links to (ingest references are checked separately: another database).
ORPHANED_META: Final = "NOT EXISTS (SELECT FROM track_meta AS l WHERE l.meta_id = m.id)"

# A disabled track that is not merged (a merged track's gid must keep leading to its
# target) and that nothing refers to: no fingerprint, no link, no track merged into it.
UNREFERENCED_DISABLED_TRACK: Final = """t.disabled AND t.new_id IS NULL
    AND NOT EXISTS (SELECT FROM fingerprint AS f WHERE f.track_id = t.id)
    AND NOT EXISTS (SELECT FROM track_mbid AS l WHERE l.track_id = t.id)
    AND NOT EXISTS (SELECT FROM track_meta AS l WHERE l.track_id = t.id)
    AND NOT EXISTS (SELECT FROM track_puid AS l WHERE l.track_id = t.id)
    AND NOT EXISTS (SELECT FROM track_foreignid AS l WHERE l.track_id = t.id)
    AND NOT EXISTS (SELECT FROM track AS merged WHERE merged.new_id = t.id)"""


@dataclass(frozen=True)
class SubmissionCleanup:
    deleted: int  # rows deleted one by one (their results and queue rows with them)
    dropped_partitions: tuple[str, ...]  # whole months dropped, rows not counted


@dataclass(frozen=True)
class MaintenanceReport:
    partitions_created: int
    submissions: SubmissionCleanup
    orphaned_meta_removed: int
    disabled_tracks_removed: int
    track_stats_rows: int
    musicbrainz_merges: MergeSummary | None = None  # None when skipped:
    musicbrainz_skipped: str | None = None  # why (no mirror, or an empty one)
    lookup_counts: FlushReport | None = None  # None: no Redis given, nothing to flush from


@dataclass(frozen=True)
class MergeStep:
    """What following MusicBrainz merges did, or why it was skipped."""

    summary: MergeSummary | None
    skipped: str | None


class Maintenance:
    """The periodic cleanup jobs."""

    def __init__(self, pools: Pools, musicbrainz: MusicBrainz | None = None) -> None:
        self._pools = pools
        self._musicbrainz = musicbrainz if musicbrainz is not None else MusicBrainz(pools)

    def create_submission_partitions(self, months_ahead: int = 3) -> int:
        """Create the submission partitions of this month and the next ones; return how many were new."""
        months_ahead = check_int("months_ahead", months_ahead, minimum=0, maximum=120)
        with self._pools.connection("ingest", "maintenance") as conn:
            row = conn.execute(
                "SELECT create_submission_partitions(months_ahead => %s)", [months_ahead]
            ).fetchone()
        assert row is not None
        return int(row[0])

    def delete_old_submissions(
        self, older_than_days: int = SUBMISSION_RETENTION_DAYS, *, batch_size: int = 10_000
    ) -> SubmissionCleanup:
        """Delete handled submissions created more than ``older_than_days`` ago.

        A month partition wholly older than that, with every row handled, is
        dropped instead; unhandled submissions always stay.
        """
        days = check_int("older_than_days", older_than_days, minimum=1, maximum=36500)
        batch = check_int("batch_size", batch_size, minimum=1, maximum=1_000_000)
        with self._pools.connection("ingest", "maintenance") as conn:
            cutoff = _scalar(conn, "SELECT now() - make_interval(days => %s)", [days])
            dropped = tuple(_drop_old_partitions(conn, cutoff))
            deleted = 0
            while True:
                # Batches keep each transaction (and its locks) short.
                done = conn.execute(
                    """DELETE FROM submission AS s USING (
                        SELECT id, created FROM submission WHERE handled AND created < %s LIMIT %s
                    ) AS old WHERE s.id = old.id AND s.created = old.created""",
                    [cutoff, batch],
                ).rowcount
                deleted += done
                if done < batch:
                    return SubmissionCleanup(deleted, dropped)

    def remove_orphaned_meta(self, *, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
        """Delete metadata that no track links to and no stored submission refers to.

        A submission's ``meta_id`` is set only after its import linked the
        metadata to a track, so it can only point at metadata orphaned later
        (its track deleted); such rows stay until the submission is deleted,
        which keeps every stored submission's reference valid.
        """
        batch = check_int("batch_size", batch_size, minimum=1, maximum=1_000_000)
        with self._pools.connection("fingerprint", "maintenance") as conn:
            candidates = _ids(conn, f"SELECT id FROM meta AS m WHERE {ORPHANED_META} ORDER BY id")
        with self._pools.connection("ingest", "maintenance") as conn:
            kept = _referenced(conn, "SELECT DISTINCT meta_id FROM submission", "meta_id", candidates)
        doomed = [c for c in candidates if c not in kept]
        return self._delete_locked("meta", "m", ORPHANED_META, doomed, batch)

    def remove_unreferenced_disabled_tracks(self, *, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
        """Delete disabled, unmerged tracks with no fingerprints, links or tracks merged into them.

        Merged tracks stay: their gid is a public id that leads to the target.
        A track a stored submission result names stays until that result is deleted.
        """
        batch = check_int("batch_size", batch_size, minimum=1, maximum=1_000_000)
        with self._pools.connection("fingerprint", "maintenance") as conn:
            candidates = _ids(
                conn, f"SELECT id FROM track AS t WHERE {UNREFERENCED_DISABLED_TRACK} ORDER BY id"
            )
        with self._pools.connection("ingest", "maintenance") as conn:
            kept = _referenced(
                conn, "SELECT DISTINCT track_id FROM submission_result", "track_id", candidates
            )
        doomed = [c for c in candidates if c not in kept]
        return self._delete_locked("track", "t", UNREFERENCED_DISABLED_TRACK, doomed, batch)

    def refresh_track_stats(self) -> int:
        """Refresh track_stats without blocking its readers; return its row count."""
        with self._pools.connection("fingerprint", "maintenance") as conn:
            conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY track_stats")
            return int(_scalar(conn, "SELECT count(*) FROM track_stats"))

    def follow_musicbrainz_merges(self) -> MergeStep:
        """Follow MusicBrainz merges (acoustid_pg.musicbrainz.merges, its default window for
        unknown MBIDs; ``db.musicbrainz.follow_merges`` takes another) when there is a mirror
        to follow: an existing MusicBrainz database, or our mirror with a dump imported.
        Without one the step is skipped, with the reason, and the other jobs are unaffected."""
        reason = self._musicbrainz.unavailable()
        if reason is not None:
            return MergeStep(None, reason)
        return MergeStep(self._musicbrainz.follow_merges(), None)

    def flush_lookup_counts(self, redis_url: str) -> FlushReport:
        """Move the web service's lookup counts from the Redis at ``redis_url`` into
        stats_lookups and stats_user_agents (see ``acoustid_pg.lookup_counts``)."""
        return flush_url(redis_url, StatsCounts(self._pools))

    def run(self, *, redis_url: str | None = None) -> MaintenanceReport:
        """Every job with its defaults, in an order where each one's work helps the next
        (merges before track_stats, whose MBID counts the links they move change); with
        ``redis_url`` (the web service's Redis), the lookup counts are flushed too."""
        if redis_url is not None:
            check_redis_url(redis_url)  # a bad URL is refused before any job runs
        partitions = self.create_submission_partitions()
        submissions = self.delete_old_submissions()
        orphaned_meta = self.remove_orphaned_meta()
        disabled_tracks = self.remove_unreferenced_disabled_tracks()
        merges = self.follow_musicbrainz_merges()
        track_stats = self.refresh_track_stats()
        return MaintenanceReport(
            partitions_created=partitions,
            submissions=submissions,
            orphaned_meta_removed=orphaned_meta,
            disabled_tracks_removed=disabled_tracks,
            track_stats_rows=track_stats,
            musicbrainz_merges=merges.summary,
            musicbrainz_skipped=merges.skipped,
            lookup_counts=None if redis_url is None else self.flush_lookup_counts(redis_url),
        )

    def _delete_locked(self, table: str, alias: str, still: str, ids: list[int], batch: int) -> int:
        deleted = 0
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            with self._pools.connection("fingerprint", "maintenance") as conn, conn.transaction():
                locked = _ids(
                    conn,
                    f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE SKIP LOCKED",
                    [chunk],
                )
                deleted += conn.execute(
                    f"DELETE FROM {table} AS {alias} WHERE {alias}.id = ANY(%s) AND {still}", [locked]
                ).rowcount
        return deleted


def _scalar(conn: psycopg.Connection[Any], query: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def _ids(conn: psycopg.Connection[Any], query: str, params: list[Any] | None = None) -> list[int]:
    return [int(row[0]) for row in conn.execute(query, params)]


def _referenced(conn: psycopg.Connection[Any], query: str, column: str, ids: list[int]) -> set[int]:
    """Which of ``ids`` the query's ``column`` mentions (a hash join, not one probe per id)."""
    if not ids:
        return set()
    return set(
        _ids(conn, f"{query} JOIN unnest(%s::integer[]) AS wanted (id) ON {column} = wanted.id", [ids])
    )


def _drop_old_partitions(conn: psycopg.Connection[Any], cutoff: dt.datetime) -> list[str]:
    """Drop month partitions that end before ``cutoff`` and hold no unhandled submission."""
    dropped = []
    names = conn.execute(
        """SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON i.inhrelid = c.oid
        WHERE i.inhparent = 'submission'::regclass ORDER BY c.relname"""
    )
    for (name,) in names.fetchall():
        match = _MONTH_PARTITION.fullmatch(name)
        if match is None:
            continue
        start = dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.timezone.utc)
        end = dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=dt.timezone.utc)
        if end > cutoff or _scalar(
            conn,
            "SELECT EXISTS (SELECT FROM submission WHERE NOT handled AND created >= %s AND created < %s)",
            [start, end],
        ):
            continue
        try:
            if _scalar(conn, "SELECT drop_submission_partition(%s)", [start.date()]):
                dropped.append(name)
        except pgerrors.ObjectNotInPrerequisiteState:
            continue  # a submission of that month arrived meanwhile: its rows go one by one
    return dropped
