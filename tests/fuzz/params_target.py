"""Target ``params``: a query string and a form body, decoded as the service decodes them, then
every endpoint's parameter parsing and validation, then the answer rendered in every format.

Input: the raw query string, a newline, the raw body. The property: each endpoint's parsing
gives values or a documented API error (codes 1-19), and whatever a client sent that the
service echoes renders as well-formed JSON, JSONP and XML. In-process and database-free, so
it runs thousands of inputs a second; ``http_target`` drives the same code through the real
server.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from typing import Any, Final

from acoustid_pg.musicbrainz.shapes import parse_meta
from acoustid_pg.web import render
from acoustid_pg.web.body import MAX_FIELDS, Params, parse_pairs
from acoustid_pg.web.endpoints.lookup import parse_queries
from acoustid_pg.web.endpoints.submit import _item
from acoustid_pg.web.errors import ApiError
from acoustid_pg.web.params import (
    FORMATS,
    flag,
    max_duration_diff,
    parse_uuid,
    required,
    response_format,
    suffixes,
)
from tests.fuzz.verdict import PropertyBroken, check_api_error

QUERY_UNSEEN: Final = re.compile(rb"[^\x21-\x7e]")


def decode(data: bytes) -> Params:
    """The query string as aiohttp hands it over (its HTTP parser refuses a request line with
    bytes outside printable ASCII, so only those reach us), the body as ``read_params``
    decodes a form."""
    query, _, body = data.partition(b"\n")
    pairs = parse_pairs(QUERY_UNSEEN.sub(b"", query).decode("ascii"), MAX_FIELDS)
    pairs += parse_pairs(body.decode("utf-8", errors="replace"), MAX_FIELDS - len(pairs))
    return Params(pairs)


def _lookup(params: Params) -> Any:
    levels = parse_meta(params.get("meta"), strict=False)
    return [max_duration_diff(params), flag(params, "batch"), sorted(levels), len(parse_queries(params))]


def _submit(params: Params) -> Any:
    version = (params.get("clientversion") or "").replace("\x00", "")[:255] or None
    items = [_item(params, suffix, 1, 1, version) for suffix in suffixes(params, "fingerprint")]
    return [None if item is None else len(item.mbids or ()) for item in items]


def _list_by_mbid(params: Params) -> Any:
    return [str(parse_uuid("mbid", value)) for value in params.getall("mbid") if value]


def _list_by_puid(params: Params) -> Any:
    return str(parse_uuid("puid", required(params, "puid")))


def _echo(params: Params) -> Any:
    """What ``/v2/user/lookup`` sends back: the key as given."""
    return params.get("user")


STEPS: list[Callable[[Params], Any]] = [
    response_format,
    _lookup,
    _submit,
    _list_by_mbid,
    _list_by_puid,
    _echo,
]


def check_rendered(data: dict[str, Any], callback: str | None) -> None:
    """The answer in all three formats: text that encodes, and parses back."""
    for fmt in FORMATS:
        response = render.render(data, fmt, callback)
        assert response.text is not None
        text = response.text
        body = text.encode("utf-8")  # what the response sends; a lone surrogate fails here
        if fmt == "xml":
            ElementTree.fromstring(body)
        elif fmt == "json":
            json.loads(text)
        else:
            name = render.callback_name(callback)
            if not (text.startswith(name + "(") and text.endswith(")")):
                raise PropertyBroken(f"JSONP not wrapped in {name}(): {text[:80]!r}")
            json.loads(text[len(name) + 1 : -1])


def check(data: bytes) -> None:
    try:
        params = decode(data)
    except ApiError as exc:
        check_api_error(exc)
        return
    for step in STEPS:
        try:
            answer = step(params)
        except ApiError as exc:
            check_api_error(exc)
            check_rendered({"status": "error", "error": {"code": exc.code, "message": exc.message}}, None)
            continue
        check_rendered({"status": "ok", "answer": answer}, params.get("jsoncallback"))
