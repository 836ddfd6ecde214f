"""``/v2/submit``: fingerprints with what their submitters say they are, queued for import.

One submission row per MBID; an item with no MBID, no PUID and no metadata is skipped
without an answer entry (AcoustID's rule), and a bad item is dropped unless every item
is bad (then the last one's error is the answer).
"""

from __future__ import annotations

from typing import Any, Final

from ...errors import InvalidArgumentError
from ...submission import MAX_KBPS, MAX_META_TEXT, Submission, check_format
from ..app import Call
from ..body import Params
from ..errors import (
    INVALID_BITRATE,
    INVALID_DURATION,
    INVALID_FINGERPRINT,
    INVALID_FOREIGNID,
    INVALID_UUID,
    MISSING_PARAMETER,
    ApiError,
)
from ..params import parse_foreignid, parse_int, parse_print, parse_uuid, suffixes
from .keys import backend, client, rate_limit, user

TEXT_FIELDS: Final = {"track": "track", "artist": "artist", "album": "album", "albumartist": "album_artist"}
NUMBER_FIELDS: Final = {"trackno": "track_no", "discno": "disc_no", "year": "year"}
MAX_VERSION: Final = 255


def _meta(params: Params, suffix: str) -> dict[str, Any] | None:
    """AcoustID's fix_meta: text trimmed, numbers that are not positive integers dropped."""
    meta: dict[str, Any] = {}
    for name, field in TEXT_FIELDS.items():
        text = (params.get(name + suffix) or "").replace("\x00", "").strip()[:MAX_META_TEXT].strip()
        if text:
            meta[field] = text
    for name, field in NUMBER_FIELDS.items():
        text = (params.get(name + suffix) or "").strip()
        if text.isascii() and text.isdigit() and len(text) <= 9 and int(text) > 0:
            meta[field] = int(text)
    return meta or None


def _format(params: Params, suffix: str) -> str | None:
    name = params.get("fileformat" + suffix)
    if not name:
        return None
    try:
        return check_format(name)
    except InvalidArgumentError:
        return None  # a file format is a statistic: an odd name loses it, not the submission


def _item(
    params: Params, suffix: str, account_id: int, application_id: int, version: str | None
) -> Submission | None:
    puid = params.get("puid" + suffix)
    puid_value = parse_uuid("puid" + suffix, puid) if puid else None
    foreignid = params.get("foreignid" + suffix)
    if foreignid:
        parse_foreignid("foreignid" + suffix, foreignid)
    mbids = [parse_uuid("mbid" + suffix, m) for m in params.getall("mbid" + suffix) if m]
    _, items, seconds = parse_print(params, suffix)
    bitrate_text = params.get("bitrate" + suffix)
    bitrate = None
    if bitrate_text and bitrate_text != "0":  # AcoustID reads 0 as "not given"
        bitrate = parse_int("bitrate" + suffix, bitrate_text, code=INVALID_BITRATE, maximum=MAX_KBPS)
    meta = _meta(params, suffix)
    if not mbids and puid_value is None and meta is None:
        return None
    try:
        return Submission.create(
            items,
            seconds,
            account_id=account_id,
            application_id=application_id,
            application_version=version,
            mbids=mbids,
            puid=puid_value,
            foreignid=foreignid or None,
            meta=meta,
            bitrate=bitrate,
            format=_format(params, suffix),
        )
    except InvalidArgumentError as exc:
        raise _api_error(exc, suffix) from None


def _api_error(exc: InvalidArgumentError, suffix: str) -> ApiError:
    field = exc.field
    if field.startswith("fingerprint"):
        return ApiError(INVALID_FINGERPRINT)
    if field.startswith("duration"):
        return ApiError(INVALID_DURATION, "duration" + suffix)
    if field.startswith(("mbid", "puid")):
        return ApiError(INVALID_UUID, field.split("[")[0].rstrip("s") + suffix)
    if field.startswith("foreignid"):
        return ApiError(INVALID_FOREIGNID, "foreignid" + suffix)
    return ApiError(INVALID_BITRATE, "bitrate" + suffix)


async def submit(call: Call) -> dict[str, Any]:
    app = await client(call)
    assert app.id is not None
    account_id = await user(call)
    params = call.params
    version = (params.get("clientversion") or "").replace("\x00", "")[:MAX_VERSION] or None
    found = suffixes(params, "fingerprint")
    if not found:
        raise ApiError(MISSING_PARAMETER, "fingerprint")
    items: list[tuple[str, Submission]] = []
    parsed = 0
    for position, suffix in enumerate(found):
        try:
            item = _item(params, suffix, account_id, app.id, version)
        except ApiError:
            if not parsed and position + 1 == len(found):
                raise
            continue
        parsed += 1
        if item is not None:
            items.append((suffix, item))
    await rate_limit(call, app)
    ids = await call.service.run(backend(call).submit, [s for _, s in items]) if items else []
    answers: list[dict[str, Any]] = []
    position = 0
    for suffix, item in items:
        for _ in item.mbids or (None,):
            answer: dict[str, Any] = {"id": ids[position], "status": "pending"}
            if suffix:
                answer["index"] = suffix[1:]  # a string, as AcoustID sends it
            answers.append(answer)
            position += 1
    return {"submissions": answers}
