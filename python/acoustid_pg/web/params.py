"""Checks of single parameters, each raising the ApiError AcoustID gives for it."""

from __future__ import annotations

import re
import uuid
from typing import Final

from ..errors import InvalidArgumentError
from ..fingerprint_input import MAX_DURATION, decode
from ..lookup import MAX_DURATION_DIFF
from .body import Params
from .errors import (
    INVALID_DURATION,
    INVALID_FINGERPRINT,
    INVALID_FOREIGNID,
    INVALID_MAX_DURATION_DIFF,
    INVALID_UUID,
    MISSING_PARAMETER,
    UNKNOWN_FORMAT,
    ApiError,
)

FORMATS: Final = ("json", "jsonp", "xml")
MAX_INT4: Final = 2**31 - 1
FOREIGNID: Final = re.compile(r"[0-9a-z]+:.+", re.DOTALL)
SUFFIX: Final = re.compile(r"\.([0-9]{1,9})")  # longer suffixes cannot index a real batch
ECHO_LIMIT: Final = 64  # characters of a bad value echoed in an error message


def response_format(params: Params) -> str:
    value = params.get("format") or "json"
    if value not in FORMATS:
        # AcoustID echoes "json" here (it resets the format first); we echo what was sent.
        raise ApiError(UNKNOWN_FORMAT, value[:ECHO_LIMIT])
    return value


def required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise ApiError(MISSING_PARAMETER, name)
    return value


def parse_uuid(name: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(INVALID_UUID, name) from None


def parse_int(name: str, value: str, *, code: int, minimum: int = 1, maximum: int = MAX_INT4) -> int:
    """A decimal integer within bounds (no signs, spaces or exponents), else error ``code``."""
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise ApiError(code, name)
    number = int(value)
    if not minimum <= number <= maximum:
        raise ApiError(code, name)
    return number


def max_duration_diff(params: Params, default: int = 7) -> int:
    value = params.get("maxdurationdiff")
    if value is None or value == "":
        return default
    return parse_int("maxdurationdiff", value, code=INVALID_MAX_DURATION_DIFF, maximum=MAX_DURATION_DIFF)


def parse_foreignid(name: str, value: str) -> str:
    if not FOREIGNID.fullmatch(value):
        raise ApiError(INVALID_FOREIGNID, name)
    return value


def flag(params: Params, name: str) -> bool:
    """AcoustID's int flags (``batch=1``): any non-zero integer; anything else is off."""
    value = (params.get(name) or "").strip()
    try:
        return int(value) != 0
    except ValueError:
        return False


def suffixes(params: Params, *names: str) -> list[str]:
    """The suffixes under which any of ``names`` occurs: ``""`` first (unsuffixed), then
    ``.0``, ``.1`` ... in numeric order; names with other suffixes are ignored."""
    found: set[int] = set()
    plain = False
    for key in params.names():
        stem, dot, rest = key.partition(".")
        if stem not in names:
            continue
        if not dot:
            plain = True
        elif SUFFIX.fullmatch(dot + rest):
            found.add(int(rest))
    return ([""] if plain else []) + [f".{n}" for n in sorted(found)]


def suffix_index(suffix: str) -> int | None:
    return int(suffix[1:]) if suffix else None


def parse_print(params: Params, suffix: str) -> tuple[str, list[int], int]:
    """``duration.N`` and ``fingerprint.N``, both required: the compressed string, its items
    (a string that does not decode, or decodes to nothing, is error 3) and the seconds."""
    duration = params.get("duration" + suffix)
    if not duration:
        raise ApiError(MISSING_PARAMETER, "duration" + suffix)
    seconds = parse_int("duration" + suffix, duration, code=INVALID_DURATION, maximum=MAX_DURATION)
    fingerprint = params.get("fingerprint" + suffix)
    if not fingerprint:
        raise ApiError(MISSING_PARAMETER, "fingerprint" + suffix)
    try:
        items = decode("fingerprint" + suffix, fingerprint)  # the driver's check, cached for its own
    except InvalidArgumentError:
        raise ApiError(INVALID_FINGERPRINT) from None
    return fingerprint, items, seconds
