"""Identifying audio: fingerprint lookups against the fingerprint database."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Union

import psycopg
from psycopg import errors

from . import audio
from .checks import check_seconds
from .errors import InvalidArgumentError, LookupTimeout
from .fingerprint_input import check_duration, check_items, decode
from .int4array import Int4Array

MAX_DURATION_DIFF: Final = 30
DEFAULT_TIMEOUT: Final = 5.0

# int4 items, a compressed string (what fpcalc prints), or the path of an audio file.
FingerprintInput = Union[Sequence[int], str, "os.PathLike[str]"]

# One statement: the matches, each with its enabled MBIDs (and, if asked, its metadata).
_LOOKUP_SQL: Final = """
SELECT l.track_gid, l.score, l.fingerprint_id, l.track_id, m.mbids, m.counts,
    CASE WHEN %(with_meta)s THEN (
        SELECT jsonb_agg(jsonb_build_object(
            'track', meta.track, 'artist', meta.artist, 'album', meta.album,
            'album_artist', meta.album_artist, 'track_no', meta.track_no,
            'disc_no', meta.disc_no, 'year', meta.year, 'submission_count', tm.submission_count
        ) ORDER BY tm.submission_count DESC, meta.id)
        FROM track_meta AS tm JOIN meta ON meta.id = tm.meta_id
        WHERE tm.track_id = l.track_id
    ) END
FROM acoustid_lookup({query}, %(duration)s::int4{options}) AS l
LEFT JOIN LATERAL (
    SELECT array_agg(tm.mbid ORDER BY tm.mbid) AS mbids,
        array_agg(tm.submission_count ORDER BY tm.mbid) AS counts
    FROM track_mbid AS tm
    WHERE tm.track_id = l.track_id AND NOT tm.disabled
) AS m ON TRUE
ORDER BY l.score DESC, l.fingerprint_id
"""
# The options a caller leaves out are not passed at all, so the SQL function's defaults apply.
_OPTION_TYPES: Final = {"max_duration_diff": "int4", "min_score": "float4", "max_results": "int4"}


@dataclass(frozen=True)
class Mbid:
    """An enabled MusicBrainz recording linked to a track, and how many submissions back it."""

    mbid: uuid.UUID
    submission_count: int


@dataclass(frozen=True)
class Meta:
    """User-submitted metadata linked to a track, and how many submissions back it."""

    track: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    track_no: int | None = None
    disc_no: int | None = None
    year: int | None = None
    submission_count: int = 0


@dataclass(frozen=True)
class Match:
    """A track that matches the query: its public gid, the score of its best fingerprint."""

    track_gid: uuid.UUID
    score: float
    fingerprint_id: int
    track_id: int
    mbids: tuple[Mbid, ...] = ()
    meta: tuple[Meta, ...] = ()
    # With ``lookup(..., meta=...)``: the web service's metadata keys for this result
    # ("recordings", or "releasegroups" / "releases"), from the MusicBrainz mirror.
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)


def _check_score(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError("min_score", f"expected a number, got {type(value).__name__}")
    if not 0 <= value <= 1:
        raise InvalidArgumentError("min_score", f"must be between 0 and 1, got {value}")
    return float(value)


def _check_max_results(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError("max_results", f"expected an int, got {type(value).__name__}")
    if value < 1:
        raise InvalidArgumentError("max_results", f"must be 1 or more, got {value}")
    return value


def check_timeout(value: object) -> float | None:
    return None if value is None else check_seconds("timeout", value, or_none=True)


def _query(fp: object, duration: object) -> tuple[str, Int4Array | str, int]:
    """The query's SQL type cast, value and duration for any accepted form of fingerprint."""
    if isinstance(fp, os.PathLike):
        printed = audio.fingerprint_file(os.fspath(fp))
        seconds = printed.duration if duration is None else duration
        return "", Int4Array(printed.items), check_duration("duration", seconds)
    if duration is None:
        raise InvalidArgumentError("duration", "required unless the fingerprint is an audio file")
    if isinstance(fp, str):
        decode("fingerprint", fp)  # the server decodes it again; this names the problem first
        return "::text", fp, check_duration("duration", duration)
    return "", Int4Array(check_items("fingerprint", fp)), check_duration("duration", duration)


@dataclass(frozen=True)
class LookupQuery:
    """A checked lookup: the statement and its parameters."""

    sql: str
    params: dict[str, Any]

    @classmethod
    def build(
        cls,
        fingerprint: object,
        duration: object,
        *,
        max_duration_diff: object,
        min_score: object,
        max_results: object,
        include_meta: bool,
    ) -> LookupQuery:
        cast, query, seconds = _query(fingerprint, duration)
        options = {
            "max_duration_diff": None
            if max_duration_diff is None
            else check_duration("max_duration_diff", max_duration_diff, MAX_DURATION_DIFF),
            "min_score": None if min_score is None else _check_score(min_score),
            "max_results": None if max_results is None else _check_max_results(max_results),
        }
        given = {name: value for name, value in options.items() if value is not None}
        sql = _lookup_sql(cast, tuple(given))
        params = {"query": query, "duration": seconds, "with_meta": bool(include_meta), **given}
        return cls(sql, params)

    def run(self, conn: psycopg.Connection[Any], budget: float | None) -> list[Match]:
        """Run it on a connection whose session's statement_timeout is ``budget`` seconds
        (``Pools.connection(..., statement_timeout=budget)``; None: the server's own)."""
        try:
            rows = conn.execute(self.sql, self.params).fetchall()
        except errors.QueryCanceled as exc:
            limit = "by the server" if budget is None else f"after {budget} s (its timeout)"
            raise LookupTimeout(f"lookup cancelled {limit}") from exc
        return [_match(row) for row in rows]


@functools.lru_cache(maxsize=64)
def _lookup_sql(cast: str, options: tuple[str, ...]) -> str:
    """The statement for a query cast and a set of named options (a handful of shapes, each
    formatted once instead of on every lookup)."""
    named = "".join(f", {name} => %({name})s::{_OPTION_TYPES[name]}" for name in options)
    return _LOOKUP_SQL.format(query=f"%(query)s{cast}", options=named)


def _match(row: tuple[Any, ...]) -> Match:
    gid, score, fingerprint_id, track_id, mbids, counts, meta = row
    return Match(
        track_gid=gid,
        score=float(score),
        fingerprint_id=fingerprint_id,
        track_id=track_id,
        mbids=tuple(Mbid(m, c) for m, c in zip(mbids or (), counts or ())),
        meta=tuple(Meta(**fields) for fields in meta or ()),
    )
