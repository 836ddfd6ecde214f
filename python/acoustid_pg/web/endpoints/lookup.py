"""``/v2/lookup``: fingerprints (or track ids) to tracks, with the metadata asked for.

The ``meta`` levels (recordings, releases, release groups, tracks, compress, sources,
usermeta, isrcs, ...) are filled from the MusicBrainz mirror by ``db.musicbrainz``, in the
AcoustID server's shapes; an MBID the mirror lacks is its id alone, as AcoustID answers.
"""

from __future__ import annotations

from typing import Any, Final

from ...musicbrainz.shapes import parse_meta
from ..app import Call
from ..backend import FingerprintQuery, Found, Query, TrackQuery
from ..body import Params
from ..errors import (
    MISSING_PARAMETER,
    TOO_LARGE,
    ApiError,
)
from ..params import flag, max_duration_diff, parse_print, parse_uuid, suffix_index, suffixes
from .keys import backend, client, rate_limit

MAX_FINGERPRINT_QUERIES: Final = 20
MAX_TRACK_QUERIES: Final = 100


def _query(params: Params, suffix: str) -> Query:
    index = suffix_index(suffix)
    track = params.get("trackid" + suffix)
    if track:
        return TrackQuery(index, parse_uuid("trackid" + suffix, track))
    fingerprint, _, seconds = parse_print(params, suffix)
    return FingerprintQuery(index, fingerprint, seconds)


def parse_queries(params: Params) -> list[Query]:
    """Every query; a bad one is dropped unless none before it parsed and it is the last
    (then its error is the answer), as AcoustID does."""
    found = suffixes(params, "fingerprint", "trackid")
    if not found:
        raise ApiError(MISSING_PARAMETER, "fingerprint")
    queries: list[Query] = []
    for position, suffix in enumerate(found):
        try:
            queries.append(_query(params, suffix))
        except ApiError:
            if not queries and position + 1 == len(found):
                raise
    return queries


def result(found: Found) -> dict[str, Any]:
    data: dict[str, Any] = {"id": str(found.gid), "score": found.score}
    # AcoustID leaves the key out when a track has nothing at that level.
    data.update({key: value for key, value in found.metadata.items() if value})
    return data


async def lookup(call: Call) -> dict[str, Any]:
    settings = call.service.settings
    app = await client(call, open_lookups=settings.open_lookups)
    params = call.params
    levels = parse_meta(params.get("meta"), strict=False)  # unknown names are ignored, as AcoustID does
    duration_diff = max_duration_diff(params)
    batch = flag(params, "batch")
    queries = parse_queries(params)
    if not batch:
        queries = queries[:1]
    fingerprints = sum(isinstance(q, FingerprintQuery) for q in queries)
    if fingerprints > MAX_FINGERPRINT_QUERIES or len(queries) - fingerprints > MAX_TRACK_QUERIES:
        raise ApiError(TOO_LARGE)
    await rate_limit(call, app)
    answers = await call.service.run(backend(call).lookup, queries, duration_diff, levels)
    counter = call.service.counter
    if counter is not None and app.id is not None:
        for found in answers:
            counter.count(app.id, hit=bool(found), user_agent=call.user_agent, ip=call.ip)
    if not batch:
        return {"results": [result(f) for f in answers[0]]}
    return {
        "fingerprints": [
            {"index": query.index, "results": [result(f) for f in found]}
            for query, found in zip(queries, answers)
        ]
    }
