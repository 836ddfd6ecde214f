"""Track merges and track-MBID link moderation with an audit trail (fingerprint database).

A merge only sets ``track.new_id``: the database's merge triggers move the
fingerprints and links, merge duplicate links and refuse self-merges and cycles.
Tracks are named by id or by public gid; a merged track's gid stands for the
track it was merged into.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg import errors as pgerrors

from .checks import TrackRef, check_id, check_optional_text, check_track_ref, check_uuid
from .errors import InvalidArgumentError, NotFoundError, TrackMergeError
from .pools import Pools

MAX_NOTE_LENGTH: Final = 10_000
# A merge locks its tracks in id order; a deadlock is still possible with a concurrent merge
# of a merged target's live track, and is retried.
_MERGE_ATTEMPTS: Final = 3


@dataclass(frozen=True)
class MergeResult:
    target_id: int  # the live track everything went to
    target_gid: uuid.UUID
    merged_ids: tuple[int, ...]  # the tracks merged now (not those merged before)
    fingerprints_moved: int


@dataclass(frozen=True)
class MbidChange:
    track_id: int
    track_gid: uuid.UUID
    mbid: uuid.UUID
    disabled: bool  # the link's state now
    changed: bool  # False: it was already so, and no audit row was written
    change_id: int | None  # the track_mbid_change row written


@dataclass(frozen=True)
class _Track:
    id: int
    gid: uuid.UUID
    new_id: int | None
    disabled: bool


class Tracks:
    """Track merges and track-MBID link moderation with an audit trail."""

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    def merge(self, target: TrackRef | str, sources: Iterable[TrackRef | str]) -> MergeResult:
        """Merge ``sources`` into ``target`` (ids or gids) in one transaction.

        Sources already merged into the target are skipped; a source merged
        elsewhere, a disabled target, a self-merge or a cycle raise TrackMergeError.
        """
        target_ref = check_track_ref("target", target)
        source_refs = _check_sources(sources)
        for attempt in range(_MERGE_ATTEMPTS):
            try:
                with self._pools.connection("fingerprint", "tracks") as conn, conn.transaction():
                    return _merge(conn, target_ref, source_refs)
            except pgerrors.CheckViolation as exc:  # the merge trigger refused: self-merge or cycle
                hint = f" ({exc.diag.message_hint})" if exc.diag.message_hint else ""
                raise TrackMergeError(f"{exc.diag.message_primary}{hint}") from None
            except pgerrors.DeadlockDetected:
                if attempt + 1 == _MERGE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def disable_mbid(
        self, track: TrackRef | str, mbid: uuid.UUID | str, *, account_id: int, note: str | None = None
    ) -> MbidChange:
        """Hide a track-MBID link from lookups, recording who did it and why.

        Disabling a disabled link changes nothing and writes no audit row
        (``changed`` is False); an unknown track or link raises NotFoundError.
        """
        return self._set_mbid_disabled(track, mbid, True, account_id, note)

    def enable_mbid(
        self, track: TrackRef | str, mbid: uuid.UUID | str, *, account_id: int, note: str | None = None
    ) -> MbidChange:
        """Show a disabled track-MBID link again, with an audit row (idempotent like disabling)."""
        return self._set_mbid_disabled(track, mbid, False, account_id, note)

    def _set_mbid_disabled(
        self, track: object, mbid: object, disabled: bool, account_id: object, note: object
    ) -> MbidChange:
        track_ref = check_track_ref("track", track)
        link_mbid = check_uuid("mbid", mbid)
        who = check_id("account_id", account_id)
        why = check_optional_text("note", note, max_length=MAX_NOTE_LENGTH)
        with self._pools.connection("app", "tracks") as conn:
            if conn.execute("SELECT FROM account WHERE id = %s", [who]).fetchone() is None:
                raise NotFoundError("account_id", f"no account {who}")
        with self._pools.connection("fingerprint", "tracks") as conn, conn.transaction():
            live = _live_track(conn, track_ref)
            row = conn.execute(
                "SELECT id, disabled FROM track_mbid WHERE track_id = %s AND mbid = %s FOR UPDATE",
                [live.id, link_mbid],
            ).fetchone()
            if row is None:
                raise NotFoundError("mbid", f"track {live.gid} has no link to MBID {link_mbid}")
            link_id, was_disabled = row
            if was_disabled == disabled:
                return MbidChange(live.id, live.gid, link_mbid, disabled, False, None)
            conn.execute("UPDATE track_mbid SET disabled = %s WHERE id = %s", [disabled, link_id])
            change = conn.execute(
                """INSERT INTO track_mbid_change (track_mbid_id, account_id, disabled, note)
                VALUES (%s, %s, %s, %s) RETURNING id""",
                [link_id, who, disabled, why],
            ).fetchone()
        assert change is not None
        return MbidChange(live.id, live.gid, link_mbid, disabled, True, int(change[0]))


def _check_sources(sources: object) -> list[TrackRef]:
    if isinstance(sources, (str, bytes, uuid.UUID)) or not isinstance(sources, Iterable):
        raise InvalidArgumentError("sources", "expected a list of track ids or gids")
    refs = [check_track_ref(f"sources[{n}]", source) for n, source in enumerate(sources)]
    if not refs:
        raise InvalidArgumentError("sources", "must name at least one track")
    return refs


def _describe(ref: TrackRef) -> str:
    return f"no track {ref}" if isinstance(ref, int) else f"no track with gid {ref}"


def _lock_tracks(conn: psycopg.Connection[Any], refs: list[TrackRef], lock: str) -> dict[TrackRef, _Track]:
    """The tracks named by ``refs``, locked in id order (so concurrent merges cannot deadlock)."""
    ids = [ref for ref in refs if isinstance(ref, int)]
    gids = [ref for ref in refs if isinstance(ref, uuid.UUID)]
    rows = conn.execute(
        f"""SELECT id, gid, new_id, disabled FROM track
        WHERE id = ANY(%s::integer[]) OR gid = ANY(%s::uuid[]) ORDER BY id FOR {lock}""",
        [ids, gids],
    ).fetchall()
    found: dict[TrackRef, _Track] = {}
    for row in rows:
        track = _Track(*row)
        found[track.id] = found[track.gid] = track
    return found


def _live_track(conn: psycopg.Connection[Any], ref: TrackRef) -> _Track:
    """The live track ``ref`` names (itself, or the one it was merged into), locked against merges."""
    for _ in range(3):  # a merge committing between the two reads moves the target once more
        named = _lock_tracks(conn, [ref], "SHARE").get(ref)
        if named is None:
            raise NotFoundError("track", _describe(ref))
        if named.new_id is None:
            return named
        live = _lock_tracks(conn, [named.new_id], "SHARE").get(named.new_id)
        if live is not None and live.new_id is None:
            return live
    raise TrackMergeError(f"track {ref} keeps being merged; try again")


def _merge(conn: psycopg.Connection[Any], target_ref: TrackRef, source_refs: list[TrackRef]) -> MergeResult:
    tracks = _lock_tracks(conn, [target_ref, *source_refs], "UPDATE")
    target = tracks.get(target_ref)
    if target is None:
        raise NotFoundError("target", _describe(target_ref))
    sources: dict[int, _Track] = {}
    for n, ref in enumerate(source_refs):
        source = tracks.get(ref)
        if source is None:
            raise NotFoundError(f"sources[{n}]", _describe(ref))
        sources[source.id] = source
    live = target
    if target.new_id is not None:  # a merged target stands for the track it was merged into
        live = _lock_tracks(conn, [target.new_id], "UPDATE")[target.new_id]
    if live.disabled:
        raise TrackMergeError(f"cannot merge into track {live.id}: it is disabled")
    pending = []
    for source in sources.values():
        if source.new_id is None or source.id == live.id:  # the trigger refuses a self-merge
            pending.append(source.id)
        elif source.new_id != live.id:
            raise TrackMergeError(
                f"cannot merge track {source.id} into track {live.id}: "
                f"it was already merged into track {source.new_id}"
            )
    moved = conn.execute(
        "SELECT count(*) FROM fingerprint WHERE track_id = ANY(%s::integer[])", [pending]
    ).fetchone()
    # new_id is the target as named: the trigger resolves it, and reports a cycle against it.
    merged = conn.execute(
        "UPDATE track SET new_id = %s WHERE id = ANY(%s::integer[]) RETURNING id", [target.id, pending]
    ).fetchall()
    assert moved is not None
    return MergeResult(live.id, live.gid, tuple(sorted(r[0] for r in merged)), int(moved[0]))
