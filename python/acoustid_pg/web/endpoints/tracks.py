"""``/v2/track/list_by_mbid``, ``/v2/track/list_by_puid`` and ``/v2/fingerprint`` (no client
key needed, as in AcoustID; still rate-limited per IP)."""

from __future__ import annotations

from typing import Any, Final

from ..app import Call
from ..errors import FINGERPRINT_NOT_FOUND, MISSING_PARAMETER, TOO_LARGE, ApiError
from ..params import flag, parse_uuid, required
from .keys import backend, rate_limit

MAX_MBIDS: Final = 100
MAX_ID: Final = 2**31 - 1


async def list_by_mbid(call: Call) -> dict[str, Any]:
    values = [v for v in call.params.getall("mbid") if v]
    if not values:
        raise ApiError(MISSING_PARAMETER, "mbid")
    batch = flag(call.params, "batch")
    if not batch:
        values = values[:1]
    if len(values) > MAX_MBIDS:
        raise ApiError(TOO_LARGE)
    mbids = [parse_uuid("mbid", v) for v in values]
    with_disabled = flag(call.params, "disabled")
    await rate_limit(call, None)
    found = await call.service.run(backend(call).tracks_by_mbids, mbids)

    def tracks(mbid: Any) -> list[dict[str, Any]]:
        listed = []
        for track in found[mbid]:
            if track.disabled and not with_disabled:
                continue
            item: dict[str, Any] = {"id": str(track.gid)}
            if track.disabled:
                item["disabled"] = True
            listed.append(item)
        return listed

    if not batch:
        return {"tracks": tracks(mbids[0])}
    return {"mbids": [{"mbid": str(mbid), "tracks": tracks(mbid)} for mbid in dict.fromkeys(mbids)]}


async def list_by_puid(call: Call) -> dict[str, Any]:
    puid = parse_uuid("puid", required(call.params, "puid"))
    await rate_limit(call, None)
    gids = await call.service.run(backend(call).tracks_by_puid, puid)
    return {"tracks": [{"id": str(gid)} for gid in gids]}


async def fingerprint(call: Call) -> dict[str, Any]:
    text = required(call.params, "id").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID):
        raise ApiError(FINGERPRINT_NOT_FOUND)
    await rate_limit(call, None)
    stored = await call.service.run(backend(call).fingerprint, int(text))
    if stored is None:
        raise ApiError(FINGERPRINT_NOT_FOUND)
    return {"fingerprint": {"id": stored.id, "hashes": stored.items, "duration": stored.duration}}
