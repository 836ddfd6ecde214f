"""Everything the web service asks of the driver, in one place (blocking calls, run on the
service's thread pool). The endpoints never see SQL, and a change of the driver's shape
is absorbed here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Union

from ..api import AcoustID
from ..errors import InvalidApiKeyError
from ..lookup import Mbid, Meta
from ..submission import Submission
from ..submission_status import SubmissionStatus
from ..track_reads import MbidTrack, StoredFingerprint

MAX_RESULTS = 10  # per fingerprint query, as AcoustID


@dataclass(frozen=True)
class FingerprintQuery:
    index: int | None
    fingerprint: str
    duration: int


@dataclass(frozen=True)
class TrackQuery:
    index: int | None
    gid: uuid.UUID


Query = Union[FingerprintQuery, TrackQuery]


@dataclass(frozen=True)
class Found:
    """One result: a track (by the gid to show) with its score, links, and the metadata keys
    the lookup's ``meta`` asked for (from the MusicBrainz mirror)."""

    track_id: int
    gid: uuid.UUID
    score: float
    mbids: tuple[Mbid, ...] = ()
    meta: tuple[Meta, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Client:
    """The calling application (None id: an unknown key accepted by ``open_lookups``)."""

    id: int | None
    key: str


class Backend:
    def __init__(self, db: AcoustID) -> None:
        self.db = db
        self.tracks = db.track_reads
        self.statuses = db.submission_statuses
        self.health = db.health

    # --- keys ---

    def cached_application(self, key: str) -> int | None:
        """The application id if the key is in the driver's cache of valid keys: answered on
        the event loop, without a thread hop (an in-memory lookup)."""
        found = self.db.accounts.cached_application(key)
        return None if found is None else found.id

    def cached_account(self, key: str) -> int | None:
        found = self.db.accounts.cached_account(key)
        return None if found is None else found.id

    def application(self, key: str) -> int:
        """The id of the active application with this key; InvalidApiKeyError otherwise."""
        return self.db.accounts.validate_application_key(key).id

    def account(self, key: str) -> int:
        return self.db.accounts.validate_user_key(key).id

    def create_anonymous_account(self, application_id: int, version: str | None, ip: str) -> str:
        account = self.db.accounts.create_account(
            "Anonymous", application_id=application_id, application_version=version, created_from=ip
        )
        assert account.apikey is not None  # create_account returns the new key (once)
        return account.apikey

    # --- lookups ---

    def lookup(
        self, queries: Sequence[Query], max_duration_diff: int, levels: frozenset[str]
    ) -> list[list[Found]]:
        """Each query's results, best first, one per track, with the metadata ``levels`` ask for
        (the MBIDs of all results read from the mirror together)."""
        answers = self._search(queries, max_duration_diff, "usermeta" in levels)
        if not levels:
            return answers
        flat = [found for answer in answers for found in answer]
        extra = iter(self.db.musicbrainz.metadata(flat, levels) if flat else [])
        return [[replace(found, metadata=next(extra)) for found in answer] for answer in answers]

    def _search(self, queries: Sequence[Query], max_duration_diff: int, with_meta: bool) -> list[list[Found]]:
        answers: list[list[Found]] = []
        gids = [q.gid for q in queries if isinstance(q, TrackQuery)]
        resolved = self.tracks.resolve_gids(gids)
        links = self.tracks.links([t.id for t in resolved.values()], with_meta=with_meta)
        for query in queries:
            if isinstance(query, TrackQuery):
                track = resolved.get(query.gid)
                if track is None:
                    answers.append([])
                    continue
                link = links[track.id]
                # AcoustID echoes the gid asked for, even when it was merged into another.
                answers.append([Found(track.id, query.gid, 1.0, link.mbids, link.metas)])
                continue
            matches = self.db.lookup(
                query.fingerprint,
                query.duration,
                max_duration_diff=max_duration_diff,
                max_results=MAX_RESULTS,
                include_meta=with_meta,
            )
            seen: set[int] = set()
            found = []
            for match in matches:
                if match.track_id not in seen:
                    seen.add(match.track_id)
                    found.append(Found(match.track_id, match.track_gid, match.score, match.mbids, match.meta))
            answers.append(found)
        return answers

    # --- submissions ---

    def submit(self, submissions: Sequence[Submission]) -> list[int]:
        return self.db.submit_many(submissions)

    def submission_statuses(self, ids: Sequence[int]) -> list[SubmissionStatus]:
        return self.statuses.statuses(ids)

    # --- tracks ---

    def tracks_by_mbids(self, mbids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[MbidTrack]]:
        return self.tracks.by_mbids(mbids)

    def tracks_by_puid(self, puid: uuid.UUID) -> list[uuid.UUID]:
        return self.tracks.by_puid(puid)

    def fingerprint(self, fingerprint_id: int) -> StoredFingerprint | None:
        return self.tracks.fingerprint(fingerprint_id)

    def check_databases(self) -> dict[str, str]:
        return self.health.check()

    def check_musicbrainz(self) -> dict[str, Any]:
        return self.health.musicbrainz()


__all__ = ["Backend", "Client", "FingerprintQuery", "Found", "InvalidApiKeyError", "Query", "TrackQuery"]
