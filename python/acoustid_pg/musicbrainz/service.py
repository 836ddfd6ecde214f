"""``db.musicbrainz``: MusicBrainz metadata for lookup results, and the mirror's import.

``metadata(results, meta)`` is what a lookup with ``meta`` levels adds: for each result
(anything with ``mbids`` and ``meta``, such as ``acoustid_pg.lookup.Match``), the keys of
the AcoustID web service's answer (``recordings``, ``releasegroups`` or ``releases``; see
``acoustid_pg.musicbrainz.shapes``). The MBIDs of all results are read from the mirror
together, in one pass, from the ``acoustid_musicbrainz`` database or from an existing
MusicBrainz database (``Settings.musicbrainz_dsn``). With ``unknown_mbids`` (a Redis
cache, ``UnknownMbidCache``), MBIDs the mirror lacked within the last hour are not looked
for again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import psycopg

from ..errors import SettingsError
from ..pools import Pools
from ..settings import MUSICBRAINZ, Settings
from . import merges, mirror_read, shapes
from .mirror_import import ImportResult, Progress, import_dump
from .shapes import MbidLink, UserMeta
from .unknown_mbids import UnknownMbidCache


class TrackLinks(Protocol):
    """A result to describe: its track's MBIDs and submitted metadata (a lookup.Match)."""

    @property
    def mbids(self) -> Sequence[MbidLink]: ...

    @property
    def meta(self) -> Sequence[UserMeta]: ...


def _no_progress(progress: Any) -> None:
    """The default import progress callback: none."""


class MusicBrainz:
    """Metadata from the MusicBrainz mirror; ``reads`` counts the mirror reads made."""

    def __init__(self, pools: Pools, unknown_mbids: UnknownMbidCache | None = None) -> None:
        self._pools = pools
        self.unknown_mbids = unknown_mbids
        self.reads = 0

    def metadata(
        self, results: Sequence[TrackLinks], meta: str | Iterable[str] | None
    ) -> list[dict[str, Any]]:
        """Per result, the metadata keys that ``meta`` asks for ({} for none).

        ``meta`` is a set of level names, or the web service's string ("recordings releases",
        "1", "2"); unknown names raise InvalidArgumentError.
        """
        levels = shapes.parse_meta(meta)
        if not levels:
            return [{} for _ in results]
        data = self.read({link.mbid for result in results for link in result.mbids}, levels)
        return [shapes.result_metadata(levels, result.mbids, result.meta, data) for result in results]

    def read(self, mbids: Iterable[uuid.UUID], levels: frozenset[str]) -> mirror_read.MirrorData:
        """What the mirror holds about ``mbids`` for ``levels`` (nothing read when none needs it)."""
        wanted = set(mbids)
        if not wanted or not shapes.wants_mirror(levels):
            return mirror_read.MirrorData()
        cache = self.unknown_mbids
        if cache is not None:
            wanted -= cache.missing(wanted)
            if not wanted:
                return mirror_read.MirrorData()
        releases, groups, isrcs = shapes.needs(levels)
        self.reads += 1
        with self._pools.connection(MUSICBRAINZ, "MusicBrainz metadata", read_only=True) as conn:
            data = mirror_read.read(conn, wanted, releases=releases, release_groups=groups, isrcs=isrcs)
        if cache is not None:
            cache.remember(wanted - data.recordings.keys())
        return data

    def import_dump(self, path: Path, *, progress: Progress = _no_progress) -> ImportResult:
        """Load a MusicBrainz data dump into the mirror (see acoustid_pg.musicbrainz.mirror_import)."""
        check_importable(self._pools.settings)
        with self._pools.connection(MUSICBRAINZ, "MusicBrainz import") as conn:
            return import_dump(conn, path, progress=progress)

    def follow_merges(
        self, *, unknown_after: timedelta = merges.UNKNOWN_AFTER, report: merges.Report = _no_progress
    ) -> merges.MergeSummary:
        """Move track links of MBIDs MusicBrainz merged away; disable MBIDs unknown for too long
        (see acoustid_pg.musicbrainz.merges). With an existing MusicBrainz database (read only),
        only redirects are followed."""
        track_unknown = not self._pools.settings.external_musicbrainz
        operation = "follow MusicBrainz merges"
        fp_connection = self._pools.connection("fingerprint", operation)
        with fp_connection as fp, self._pools.connection(MUSICBRAINZ, operation) as mb:
            return merges.follow_merges(
                fp, mb, unknown_after=unknown_after, track_unknown=track_unknown, report=report
            )

    def unavailable(self) -> str | None:
        """Why merges cannot be followed here (no mirror database, or nothing imported), or None.

        An existing MusicBrainz database (``--musicbrainz-dsn``) is always there: a failure to
        reach it is an error, not a reason to skip.
        """
        settings = self._pools.settings
        if settings.external_musicbrainz:
            return None
        name = settings.dbname(MUSICBRAINZ)
        # Asked of the fingerprint database's server: connecting to a missing database would
        # wait for the pool's timeout instead of failing at once.
        with self._pools.connection("fingerprint", "MusicBrainz mirror check", read_only=True) as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT FROM pg_database WHERE datname = %s)", [name]
            ).fetchone()
        if row is None or not row[0]:
            return f"no MusicBrainz mirror (database {name} does not exist: run `acoustid-pg init`)"
        with self._pools.connection(MUSICBRAINZ, "MusicBrainz mirror check", read_only=True) as conn:
            row = conn.execute("SELECT to_regclass('musicbrainz.mirror_dump') IS NOT NULL").fetchone()
            if row is None or not row[0]:
                return f"the database {name} holds no MusicBrainz mirror schema (run `acoustid-pg init`)"
            if mirror_dump(conn) is None:
                return "the MusicBrainz mirror is empty (load a dump with `acoustid-pg musicbrainz import`)"
        return None

    def mirror_dump(self) -> dict[str, Any] | None:
        """Which dump the mirror was loaded from (None before the first import)."""
        with self._pools.connection(MUSICBRAINZ, "MusicBrainz status", read_only=True) as conn:
            return mirror_dump(conn)


def check_importable(settings: Settings) -> None:
    if settings.external_musicbrainz:
        raise SettingsError(
            "the MusicBrainz database is an existing one (--musicbrainz-dsn), read only: "
            "import into the acoustid_musicbrainz mirror instead"
        )


def mirror_dump(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    """Which dump the mirror on ``conn`` was loaded from (None before the first import)."""
    row = conn.execute(
        """SELECT schema_sequence, replication_sequence, dump_timestamp, source, imported_at
        FROM musicbrainz.mirror_dump"""
    ).fetchone()
    if row is None:
        return None
    keys = ("schema_sequence", "replication_sequence", "dump_timestamp", "source", "imported_at")
    return dict(zip(keys, row))
