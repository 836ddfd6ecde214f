"""Fingerprints and durations given to the driver: checked before anything is sent.

A fingerprint is a sequence of int4 items (``fpcalc -raw -signed``) or a
compressed string (plain ``fpcalc``); each check names the argument it rejects.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Sequence
from typing import Final, Union

from . import fingerprint as core
from .checks import check_int
from .errors import FingerprintError, InvalidArgumentError

MAX_DURATION: Final = 32767  # seconds; fingerprint.length and submission.length are smallints
# About 3.5 hours of audio at fpcalc's 8 items a second: far more than any real submission.
MAX_ITEMS: Final = 100_000
DECODED_CACHE: Final = 32  # fingerprints (about 60 kB each as Python ints)

Fingerprint = Union[Sequence[int], str]


def check_items(field: str, value: object) -> list[int]:
    """int4 items as a list; refuses strings, non-integers, NULLs, out-of-range and empty input."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(field, f"expected a sequence of int4 items, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(field, "must not be empty")
    if len(value) > MAX_ITEMS:
        raise InvalidArgumentError(field, f"has {len(value)} items, more than {MAX_ITEMS}")
    if set(map(type, value)) == {int}:
        try:  # plain ints, range-checked in C: a sixth of a lookup's client time was this loop
            array("i", value)
        except OverflowError:
            pass  # the loop names the item
        else:
            return list(value)
    for position, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int):
            raise InvalidArgumentError(field, f"item {position} is {type(item).__name__}, not an integer")
        if not core.INT4_MIN <= item <= core.INT4_MAX:
            raise InvalidArgumentError(field, f"item {position} ({item}) is out of the int4 range")
    return list(value)


@functools.lru_cache(maxsize=DECODED_CACHE)
def _decoded(value: str) -> tuple[int, ...]:
    return tuple(core.decode_fingerprint(value))


def decode(field: str, value: str) -> list[int]:
    """The items of a compressed fingerprint string. The last few strings' items are kept:
    a web lookup checks its fingerprint on the way in and the driver checks it again, and
    decoding is most of a lookup's client-side cost."""
    try:
        items = list(_decoded(value))
    except FingerprintError as exc:
        raise InvalidArgumentError(field, str(exc)) from None
    if not items:
        raise InvalidArgumentError(field, "the compressed fingerprint holds no items")
    if len(items) > MAX_ITEMS:
        raise InvalidArgumentError(field, f"has {len(items)} items, more than {MAX_ITEMS}")
    return items


def to_items(field: str, value: object) -> list[int]:
    """The items of either form of fingerprint."""
    if isinstance(value, str):
        return decode(field, value)
    return check_items(field, value)


def check_duration(field: str, value: object, maximum: int = MAX_DURATION) -> int:
    return check_int(field, value, minimum=1, maximum=maximum)
