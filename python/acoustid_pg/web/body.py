"""A request's parameters: the query string plus a form body, bounded in size and count.

aiohttp inflates ``Content-Encoding: gzip`` (and deflate) bodies itself, a bounded chunk
at a time; here the *inflated* bytes are counted as they arrive, so a gzip bomb is cut
off at ``MAX_BODY`` (error 19) before more than about one chunk past the limit is held.
Values are decoded as UTF-8 with invalid bytes replaced, as AcoustID's Werkzeug does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Final
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from .errors import NOT_ALLOWED, TOO_LARGE, ApiError

MAX_BODY: Final = 1024 * 1024  # after decompression; AcoustID's max_content_length
MAX_FIELDS: Final = 1000  # AcoustID's max_form_parts
BODY_TIMEOUT: Final = 10.0  # seconds a client may take to send its body
FORM_TYPES: Final = ("", "application/x-www-form-urlencoded", "text/plain")


class Params:
    """Parameters in the order they came: the query string's first, then the body's."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._by_name: dict[str, list[str]] = {}
        for name, value in pairs:
            self._by_name.setdefault(name, []).append(value)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``."""
        values = self._by_name.get(name)
        return values[0] if values else default

    def getall(self, name: str) -> list[str]:
        return list(self._by_name.get(name, ()))

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._pairs)


def parse_pairs(text: str, budget: int) -> list[tuple[str, str]]:
    """``a=1&b=2`` pairs (``+`` and ``%20`` are spaces); more than ``budget`` fields is error 19."""
    if not text:
        return []
    try:
        return parse_qsl(
            text, keep_blank_values=True, max_num_fields=budget, encoding="utf-8", errors="replace"
        )
    except ValueError:  # more fields than allowed
        raise ApiError(TOO_LARGE) from None


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The (inflated) body, refused with error 19 as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise ApiError(TOO_LARGE)
            chunks.append(chunk)
    except (HttpProcessingError, RequestPayloadError):  # a body that does not inflate (corrupt gzip)
        raise ApiError(NOT_ALLOWED) from None
    return b"".join(chunks)


async def read_params(request: web.Request, *, timeout: float = BODY_TIMEOUT) -> Params:
    """Every parameter of a GET or POST request."""
    pairs = parse_pairs(request.rel_url.raw_query_string, MAX_FIELDS)
    if request.can_read_body:
        try:
            body = await asyncio.wait_for(read_body(request), timeout)
        except asyncio.TimeoutError:
            raise ApiError(NOT_ALLOWED, status=408) from None
        # Only form bodies carry parameters (multipart is not spoken by any AcoustID client).
        if request.content_type in FORM_TYPES or not request.headers.get("Content-Type"):
            text = body.decode("utf-8", errors="replace")
            pairs += parse_pairs(text, MAX_FIELDS - len(pairs))
    return Params(pairs)
