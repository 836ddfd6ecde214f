"""What became of submissions: waiting for the worker, imported into a track (followed
through later merges to the track that holds it now), skipped (and why), or unknown.

AcoustID reports a skipped submission as "pending" forever; here it is ``skipped``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .pools import Pools
from .track_reads import TrackReads

PENDING: Final = "pending"
IMPORTED: Final = "imported"
SKIPPED: Final = "skipped"
UNKNOWN: Final = "unknown"  # no such submission (never made, or deleted by the retention job)


@dataclass(frozen=True)
class SubmissionStatus:
    id: int
    status: str
    track_gid: uuid.UUID | None = None  # when imported
    reason: str | None = None  # when skipped


class SubmissionStatuses:
    def __init__(self, pools: Pools) -> None:
        self._pools = pools
        self._tracks = TrackReads(pools)

    def statuses(self, submission_ids: Iterable[int]) -> list[SubmissionStatus]:
        """One status per distinct id, in the order given."""
        wanted = list(dict.fromkeys(submission_ids))
        if not wanted:
            return []
        with self._pools.connection("ingest", "submission status") as conn:
            rows = conn.execute(
                """SELECT s.id, s.handled, r.track_id, r.fingerprint_id, r.skip_reason
                FROM submission AS s LEFT JOIN submission_result AS r ON r.submission_id = s.id
                WHERE s.id = ANY(%s)""",
                [wanted],
            ).fetchall()
        found = {row[0]: row for row in rows}
        by_fingerprint = self._tracks.fingerprint_tracks(r[3] for r in rows if r[3] is not None)
        # The fingerprint's track now (a merge moves fingerprints), else the track it went to.
        start = {
            sid: by_fingerprint.get(fingerprint_id) if fingerprint_id is not None else None
            for sid, _, _, fingerprint_id, _ in rows
        }
        start = {sid: track or found[sid][2] for sid, track in start.items()}
        live = self._tracks.resolve_ids(t for t in start.values() if t is not None)
        statuses = []
        for sid in wanted:
            row = found.get(sid)
            if row is None:
                statuses.append(SubmissionStatus(sid, UNKNOWN))
                continue
            _, handled, _, _, skip_reason = row
            track = start.get(sid)
            if track is not None and track in live:
                statuses.append(SubmissionStatus(sid, IMPORTED, track_gid=live[track].gid))
            elif handled or skip_reason is not None:
                reason = skip_reason or "imported into a track that was deleted or disabled since"
                statuses.append(SubmissionStatus(sid, SKIPPED, reason=reason))
            else:
                statuses.append(SubmissionStatus(sid, PENDING))
        return statuses
