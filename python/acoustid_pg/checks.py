"""Argument checks for the management API: each returns the clean value or raises
InvalidArgumentError naming the field and the problem, before anything is written."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from typing import Union

from .errors import InvalidArgumentError

MAX_ID = 2**31 - 1  # serial columns are int4

IpAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
TrackRef = Union[int, uuid.UUID]  # a track id or its public gid


def check_int(field: str, value: object, *, minimum: int, maximum: int) -> int:
    # bool is an int to Python, never to a caller who meant a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(field, f"expected an integer, got {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise InvalidArgumentError(field, f"must be between {minimum} and {maximum}, got {value}")
    return value


def check_seconds(field: str, value: object, *, or_none: bool = False) -> float:
    """A positive number of seconds; ``or_none`` only words the message for callers that also
    take None (they handle None themselves)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        also = " or None" if or_none else ""
        raise InvalidArgumentError(field, f"must be a positive number of seconds{also}, got {value!r}")
    return float(value)


def check_id(field: str, value: object) -> int:
    return check_int(field, value, minimum=1, maximum=MAX_ID)


def check_bool(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentError(field, f"expected True or False, got {type(value).__name__}")
    return value


def check_text(field: str, value: object, *, max_length: int, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(field, f"expected a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise InvalidArgumentError(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidArgumentError(field, f"must be at most {max_length} characters, got {len(value)}")
    if "\x00" in value:
        raise InvalidArgumentError(field, "must not contain NUL characters")
    return value


def check_optional_text(field: str, value: object, *, max_length: int) -> str | None:
    return None if value is None else check_text(field, value, max_length=max_length)


def check_uuid(field: str, value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise InvalidArgumentError(field, f"expected a UUID, got {type(value).__name__}")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgumentError(field, f"{value[:40]!r} is not a valid UUID") from None


def check_track_ref(field: str, value: object) -> TrackRef:
    """A track given by its id (int) or its public gid (UUID or its string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return check_id(field, value)
    if isinstance(value, (str, uuid.UUID)):
        return check_uuid(field, value)
    raise InvalidArgumentError(field, f"expected a track id or gid, got {type(value).__name__}")


def check_ip(field: str, value: object) -> IpAddress:
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value
    if not isinstance(value, str):
        raise InvalidArgumentError(field, f"expected an IP address, got {type(value).__name__}")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise InvalidArgumentError(field, f"{value[:60]!r} is not an IP address") from None


def check_day(field: str, value: object) -> dt.date:
    # A datetime is a date to Python; a day in a timezone we do not know is not.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidArgumentError(field, f"expected a datetime.date, got {type(value).__name__}")
    return value


def check_instant(field: str, value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InvalidArgumentError(field, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgumentError(field, "must be timezone-aware (a naive time is ambiguous)")
    return value


_COUNTER_NAME = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")


def check_counter_name(field: str, value: object) -> str:
    name = check_text(field, value, max_length=255)
    if not _COUNTER_NAME.fullmatch(name):
        raise InvalidArgumentError(
            field, f"{name[:60]!r} is not a counter name (dotted lower-case words, e.g. track.count)"
        )
    return name
