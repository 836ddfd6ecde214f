"""The extension's fingerprint functions, in-process.

Each function runs the same C code as its SQL namesake and returns the same
value (float4 scores come back as the Python float of that exact float4).
Fingerprints are sequences of int4 items as PostgreSQL stores them (what
``fpcalc -raw -signed`` prints).
"""

from __future__ import annotations

import base64
import threading
from array import array
from collections.abc import Iterable, Sequence

from ._core import ffi, lib
from .errors import FingerprintError

__all__ = [
    "compare",
    "compare2",
    "compare3",
    "compressed_bytes",
    "decode_fingerprint",
    "encode_fingerprint",
    "extract_query",
    "fingerprint_algorithm",
    "simhash",
    "simhash_cube",
]

INT4_MIN = -(2**31)
INT4_MAX = 2**31 - 1

_local = threading.local()


def _workspace() -> object:
    """compare2's scratch tables, one per thread (the C call drops the GIL)."""
    ws = getattr(_local, "workspace", None)
    if ws is None:
        _local.buffer = ffi.new("char[]", lib.acoustid_core_workspace_size())  # zeroed
        ws = _local.workspace = ffi.cast("acoustid_workspace *", _local.buffer)
    return ws


def _items(fp: Iterable[int], name: str = "fingerprint") -> array[int]:
    """The items as a C int32 array, with the SQL functions' checks."""
    if isinstance(fp, array) and fp.typecode == "i" and fp.itemsize == 4:
        return fp
    if isinstance(fp, (str, bytes)):
        raise FingerprintError(f"{name} must be a sequence of int4 items, not {type(fp).__name__}")
    try:
        values = list(fp)
    except TypeError as exc:
        raise FingerprintError(f"{name} must be a sequence of int4 items") from exc
    for value in values:
        if value is None:
            raise FingerprintError(f"{name}: array must not contain nulls")
        if isinstance(value, (list, tuple)):
            raise FingerprintError(f"{name}: array must be one-dimensional")
        if not isinstance(value, int) or isinstance(value, bool):
            raise FingerprintError(f"{name}: items must be integers, not {type(value).__name__}")
        if not INT4_MIN <= value <= INT4_MAX:
            raise FingerprintError(f"{name}: item {value} is out of the int4 range")
    return array("i", values)


def _pointer(items: array[int]) -> object:
    return ffi.from_buffer("int32_t[]", items)


def _maxoffset(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not INT4_MIN <= value <= INT4_MAX:
        raise FingerprintError(f"maxoffset must be an int4, not {value!r}")
    return value


def compare(a: Sequence[int], b: Sequence[int]) -> float:
    """Share of items matching within 120 positions (``acoustid_compare``)."""
    x, y = _items(a, "a"), _items(b, "b")
    return float(lib.acoustid_core_compare(_pointer(x), len(x), _pointer(y), len(y)))


def compare2(a: Sequence[int], b: Sequence[int], maxoffset: int = 0) -> float:
    """AcoustID's similarity score (``acoustid_compare2``); AcoustID passes 80."""
    x, y = _items(a, "a"), _items(b, "b")
    return float(
        lib.acoustid_core_compare2(
            _pointer(x), len(x), _pointer(y), len(y), _maxoffset(maxoffset), _workspace()
        )
    )


def compare3(a: Sequence[int], b: Sequence[int], maxoffset: int = -1) -> float:
    """Weighted bit agreement at the best offset (``acoustid_compare3``)."""
    x, y = _items(a, "a"), _items(b, "b")
    offset = _maxoffset(maxoffset)
    if not x or not y:
        return 0.0
    if lib.acoustid_core_compare3_pairs(len(x), len(y), offset) > lib.ACOUSTID_COMPARE3_MAX_PAIRS:
        raise FingerprintError(
            ffi.string(lib.acoustid_core_status_message(lib.ACOUSTID_ERR_TOO_MUCH_WORK)).decode()
        )
    counts = ffi.new("int64_t[]", lib.acoustid_core_compare3_counts_size(len(x), len(y)))
    score = ffi.new("float *")
    status = lib.acoustid_core_compare3(_pointer(x), len(x), _pointer(y), len(y), offset, counts, score)
    _check(status)
    return float(score[0])


def extract_query(fp: Sequence[int]) -> list[int]:
    """The at most 120 index terms of a fingerprint (``acoustid_extract_query``)."""
    items = _items(fp)
    query = ffi.new("int32_t[]", lib.ACOUSTID_QUERY_LENGTH)
    n = lib.acoustid_core_extract_query(_pointer(items), len(items), query)
    return list(query[0:n])


def simhash(fp: Sequence[int]) -> int:
    """32-bit majority-vote hash as a signed int4 (``acoustid_simhash``)."""
    items = _items(fp)
    return int(lib.acoustid_core_simhash(_pointer(items), len(items)))


def simhash_cube(fp: Sequence[int]) -> tuple[float, ...]:
    """The simhash as 32 coordinates of 0.0 / 1.0 (``acoustid_simhash_cube``)."""
    bits = simhash(fp)
    return tuple(float((bits >> bit) & 1) for bit in range(lib.ACOUSTID_SIMHASH_BITS))


def _check(status: int) -> None:
    if status != lib.ACOUSTID_OK:
        raise FingerprintError(ffi.string(lib.acoustid_core_status_message(status)).decode())


def _text(fingerprint: str | bytes) -> bytes:
    if isinstance(fingerprint, str):
        try:
            return fingerprint.encode("ascii")
        except UnicodeEncodeError as exc:
            raise FingerprintError(
                "invalid compressed fingerprint: compressed fingerprint contains a character "
                "outside the URL-safe base64 alphabet"
            ) from exc
    if isinstance(fingerprint, bytes):
        return fingerprint
    raise FingerprintError(f"compressed fingerprint must be str, not {type(fingerprint).__name__}")


def _header(raw: bytes) -> tuple[int, int]:
    algorithm = ffi.new("int *")
    count = ffi.new("size_t *")
    status = lib.acoustid_core_decode_header(raw, len(raw), algorithm, count)
    if status != lib.ACOUSTID_OK:
        raise FingerprintError(
            "invalid compressed fingerprint: " + ffi.string(lib.acoustid_core_status_message(status)).decode()
        )
    return int(algorithm[0]), int(count[0])


def decode_fingerprint(fingerprint: str | bytes) -> list[int]:
    """Decode fpcalc's compressed string (``acoustid_decode_fingerprint``)."""
    raw = _text(fingerprint)
    _, count = _header(raw)
    items = ffi.new("int32_t[]", max(count, 1))
    status = lib.acoustid_core_decode(raw, len(raw), items, count)
    if status != lib.ACOUSTID_OK:
        raise FingerprintError(
            "invalid compressed fingerprint: " + ffi.string(lib.acoustid_core_status_message(status)).decode()
        )
    return list(items[0:count])


def fingerprint_algorithm(fingerprint: str | bytes) -> int:
    """The algorithm number of a compressed string (``acoustid_fingerprint_algorithm``)."""
    return _header(_text(fingerprint))[0]


def encode_fingerprint(fp: Sequence[int], algorithm: int = 1) -> str:
    """Encode items as fpcalc's compressed string (``acoustid_encode_fingerprint``)."""
    items = _items(fp)
    highest = lib.ACOUSTID_MAX_ALGORITHM
    if isinstance(algorithm, bool) or not isinstance(algorithm, int) or not 0 <= algorithm <= highest:
        raise FingerprintError(f"fingerprint algorithm must be between 0 and {highest}, not {algorithm!r}")
    if len(items) > lib.ACOUSTID_MAX_ITEMS:
        _check(lib.ACOUSTID_ERR_TOO_LONG)
    out = ffi.new("char[]", lib.acoustid_core_encoded_size_bound(len(items)) + 1)
    out_len = ffi.new("size_t *")
    _check(lib.acoustid_core_encode(_pointer(items), len(items), algorithm, out, out_len))
    return str(ffi.unpack(out, out_len[0]).decode("ascii"))


def compressed_bytes(fp: Sequence[int], algorithm: int = 1) -> bytes:
    """Chromaprint's compressed fingerprint as bytes: ``encode_fingerprint`` without its base64
    (what ``fingerprint_data.fingerprint`` holds, ``acoustid_fingerprint_bytes`` in SQL)."""
    text = encode_fingerprint(fp, algorithm)
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
