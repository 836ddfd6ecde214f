"""``acoustid_pg.connect`` and the ``AcoustID`` facade: the driver's entry point.

The facade owns the connection pools and a few service objects, each made here with the
pools it works through:

- ``db.accounts``: accounts, applications and API keys;
- ``db.tracks``: track merges and track-MBID moderation;
- ``db.stats``: lookup, user-agent and daily statistics;
- ``db.maintenance``: the periodic cleanup jobs;
- ``db.changelog``: the fingerprint changelog for external copies of the search terms;
- ``db.indexes``: optional indexes built on demand (the legacy all-items GIN);
- ``db.musicbrainz``: MusicBrainz metadata for lookup results, and the mirror's import.
- ``db.track_reads``, ``db.submission_statuses``, ``db.health``, ``db.stats_counts``: the
  reads and bulk statistics the web service needs (``acoustid_pg.web``).

The calls most users make stay on the facade itself: ``lookup``, ``submit``,
``submit_many``, ``process_submissions``, ``bulk_load`` and ``import_file``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from . import bulk, bulk_import, indexes, lookup
from .accounts import Accounts, ApiKeyCaches
from .changelog import Changelog
from .fingerprint_input import Fingerprint
from .health import HealthCheck
from .indexes import Indexes
from .ingest import ImportedIds, ImportResult, ImportSteps, Ingest
from .lookup import FingerprintInput, Match
from .maintenance import Maintenance
from .musicbrainz.service import MusicBrainz
from .musicbrainz.shapes import parse_meta
from .pools import Pools
from .settings import Settings
from .stats import Stats
from .stats_counts import StatsCounts
from .submission import MetaValue, Submission
from .submission_feed import SubmissionAnnouncer
from .submission_status import SubmissionStatuses
from .track_reads import TrackReads
from .tracks import Tracks


class AcoustID:
    """A deployment's three databases (and their replicas), over pooled connections.

    ``import_steps`` replaces the steps of an import batch (tests stop a worker between
    them); ``key_cache`` the cache of valid API keys (tests give one with their own clock).
    ``nats`` (a NATS server URL) makes submits announce their committed ids on JetStream for
    the workers (``acoustid_pg.submission_feed``); without it, workers hear of them by NOTIFY.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        min_size: int = 1,
        max_size: int = 10,
        replicas: Sequence[Settings] = (),
        import_steps: ImportSteps | None = None,
        key_cache: ApiKeyCaches | None = None,
        nats: str | None = None,
    ) -> None:
        self.settings = settings
        self.nats_url = nats
        self.pools = Pools(settings, min_size=min_size, max_size=max_size, replicas=replicas)
        self.accounts = Accounts(self.pools, key_cache)
        self.tracks = Tracks(self.pools)
        self.stats = Stats(self.pools)
        self.musicbrainz = MusicBrainz(self.pools)
        self.maintenance = Maintenance(self.pools, self.musicbrainz)
        self.changelog = Changelog(self.pools)
        self.indexes = Indexes(self.pools)
        self.track_reads = TrackReads(self.pools)
        self.submission_statuses = SubmissionStatuses(self.pools)
        self.health = HealthCheck(self.pools)
        self.stats_counts = StatsCounts(self.pools)
        self.announcer = SubmissionAnnouncer(nats) if nats else None
        announce = self.announcer.announce if self.announcer is not None else None
        self._ingest = Ingest(self.pools, import_steps, after_commit=announce)

    def lookup(
        self,
        fingerprint: FingerprintInput,
        duration: int | None = None,
        *,
        max_duration_diff: int | None = None,
        min_score: float | None = None,
        max_results: int | None = None,
        include_meta: bool = False,
        meta: str | Iterable[str] | None = None,
        timeout: float | None = lookup.DEFAULT_TIMEOUT,
    ) -> list[Match]:
        """The tracks matching a fingerprint, best first.

        ``fingerprint`` is a sequence of int4 items, a compressed string (what ``fpcalc``
        prints) or an audio file's path (``os.PathLike``: fpcalc runs on it, and its
        duration is used unless ``duration`` is given). ``max_duration_diff``,
        ``min_score`` and ``max_results`` left as None take the defaults of the SQL
        function ``acoustid_lookup``. A lookup running longer than ``timeout`` seconds
        is cancelled and raises LookupTimeout (None: the server's own statement_timeout applies).

        ``meta`` asks for the AcoustID web service's metadata levels ("recordings releases",
        {"recordings", "isrcs"}, "2", ...): each match's ``metadata`` then holds them, read
        from the MusicBrainz mirror (``db.musicbrainz``). ``include_meta`` (or the
        ``usermeta`` level) also reads the submitted metadata into ``Match.meta``.
        """
        levels = parse_meta(meta)
        include_meta = include_meta or "usermeta" in levels
        query = lookup.LookupQuery.build(
            fingerprint,
            duration,
            max_duration_diff=max_duration_diff,
            min_score=min_score,
            max_results=max_results,
            include_meta=include_meta,
        )
        budget = lookup.check_timeout(timeout)
        with self.pools.connection("fingerprint", "lookup", read_only=True, statement_timeout=budget) as conn:
            matches = query.run(conn, budget)
        if not levels:
            return matches
        described = self.musicbrainz.metadata(matches, levels)
        return [dataclasses.replace(match, metadata=extra) for match, extra in zip(matches, described)]

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
        return self._ingest.queue([submission])

    def submit_many(self, submissions: Iterable[Submission]) -> list[int]:
        """Queue checked submissions (``Submission.create``) in one transaction, then wake the workers."""
        return self._ingest.queue(submissions)

    def process_submissions(self, limit: int = 100) -> list[ImportResult]:
        """Import up to ``limit`` pending submissions, oldest first, each exactly once.

        Unusable or invalid submissions are recorded as skipped with the reason,
        never retried. A lost connection raises ConnectionLost and leaves the rest
        pending for the next call.
        """
        return self._ingest.process(limit)

    def process_submission_ids(self, ids: Iterable[int]) -> ImportedIds:
        """Import those of ``ids`` still pending, each exactly once (a NATS worker's batch);
        handled ids are ignored, ids another worker is importing come back in ``busy``."""
        return self._ingest.process_ids(ids)

    def bulk_load(
        self,
        rows: Iterable[bulk.FingerprintRow],
        *,
        rebuild_indexes: bool = False,
        batch_rows: int = bulk.BATCH_ROWS,
        progress: bulk.Progress | None = None,
    ) -> int:
        """Load fingerprints through COPY, one transaction per batch; returns how many were loaded.

        See ``acoustid_pg.bulk``: a failure keeps the batches before it (``progress`` is told
        each committed total). ``rebuild_indexes`` (for a first load into an empty or small
        database, not a live one: lookups are slow meanwhile) drops the lookup indexes, loads,
        then builds them, two at a time; if the load fails, they are built all the same, and
        ``db.indexes.restore()`` builds any still missing.
        """
        if rebuild_indexes:
            with self.pools.connection("fingerprint", "bulk load") as conn:
                indexes.drop_lookup_indexes(conn)
        try:
            with self.pools.connection("fingerprint", "bulk load") as conn:
                return bulk.load(conn, rows, batch_rows=batch_rows, progress=progress)
        finally:
            if rebuild_indexes:
                self.indexes.restore()

    def import_file(
        self,
        path: Path,
        *,
        fmt: str | None = None,
        state_path: Path | None = None,
        chunk_rows: int = bulk_import.CHUNK_ROWS,
        progress: bulk_import.Progress | None = None,
        rebuild_indexes: bool = False,
    ) -> int:
        """Import the rows of a JSON-lines or CSV file not imported before, resumably (see
        ``acoustid_pg.bulk_import``); returns the position reached (rows). ``rebuild_indexes``
        as in ``bulk_load``: for a first load, the lookup indexes are dropped, then built
        at the end (also after a failure; ``db.indexes.restore()`` builds any still missing)."""
        identity = f"{self.settings.conninfo}/{self.settings.dbname('fingerprint')}"
        if rebuild_indexes:
            with self.pools.connection("fingerprint", "import") as conn:
                indexes.drop_lookup_indexes(conn)
        try:
            with self.pools.connection("fingerprint", "import") as conn:
                return bulk_import.import_file(
                    conn, path, identity, fmt=fmt, state_path=state_path, chunk_rows=chunk_rows,
                    progress=progress,
                )  # fmt: skip
        finally:
            if rebuild_indexes:
                self.indexes.restore()

    def wait_for_replicas(self, timeout: float = 10.0) -> None:
        """Return once every replica has replayed what the primary had written when called
        (ReplicaLagTimeout after ``timeout`` seconds); at once without replicas."""
        self.pools.wait_for_replicas(timeout)

    def close(self) -> None:
        if self.announcer is not None:
            self.announcer.close()
        self.pools.close()

    def __enter__(self) -> AcoustID:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    url: str | None = None,
    *,
    app: str | None = None,
    fingerprint: str | None = None,
    ingest: str | None = None,
    musicbrainz: str | None = None,
    musicbrainz_dsn: str | None = None,
    min_size: int = 1,
    max_size: int = 10,
    replicas: str | Sequence[str] = (),
    nats: str | None = None,
) -> AcoustID:
    """Connect to a deployment.

    ``url`` is a libpq connection string or URL without a database name
    (libpq's environment variables fill in what it leaves out); ``app``,
    ``fingerprint`` and ``ingest`` name the three databases (defaults
    acoustid_app, acoustid_fingerprint, acoustid_ingest; give one name to all
    three for a single-database install). ``musicbrainz`` names the MusicBrainz mirror
    (acoustid_musicbrainz), or ``musicbrainz_dsn`` is the full connection string of an
    existing MusicBrainz database to read metadata from instead (read only).

    ``replicas`` are connection strings (no database name, like ``url``) of streaming
    replicas of the same cluster: lookups take turns over them, writes and everything
    else go to ``url``.
    """
    names = {"app": app, "fingerprint": fingerprint, "ingest": ingest, "musicbrainz": musicbrainz}
    settings = Settings.from_options(dsn=url, names=names, musicbrainz_dsn=musicbrainz_dsn)
    standbys = [replicas] if isinstance(replicas, str) else list(replicas)
    read_only = [Settings.from_options(dsn=replica, names=names) for replica in standbys]
    return AcoustID(settings, min_size=min_size, max_size=max_size, replicas=read_only, nats=nats)
