"""Responses as AcoustID writes them: JSON with sorted keys, JSONP, or XML."""

from __future__ import annotations

import json
import re
from typing import Any, Final
from xml.sax.saxutils import escape

from aiohttp import web

DEFAULT_CALLBACK: Final = "jsonAcoustidApi"
CALLBACK: Final = re.compile(r"[$A-Za-z_][0-9A-Za-z_]*(\.[$A-Za-z_][0-9A-Za-z_]*)*")
XML_DECLARATION: Final = "<?xml version='1.0' encoding='UTF-8'?>\n"
# Characters XML 1.0 cannot carry at all, even escaped.
XML_INVALID: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def callback_name(value: str | None) -> str:
    """The JSONP callback: the client's if it is a plain (dotted) identifier, else the default."""
    if value and len(value) <= 256 and CALLBACK.fullmatch(value):
        return value
    return DEFAULT_CALLBACK


def to_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True)


def singular(name: str) -> str:
    """``results`` → ``result``, ``entries`` → ``entry``; anything else → ``item``."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and len(name) > 1:
        return name[:-1]
    return "item"


def _text(value: Any) -> str:
    return escape(XML_INVALID.sub("", str(value)))


def _xml(name: str, value: Any, out: list[str]) -> None:
    if value is None:
        out.append(f"<{name} />")  # AcoustID writes the text "None"; empty says it better
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key in sorted(value):
            _xml(key, value[key], out)
        out.append(f"</{name}>")
    elif isinstance(value, (list, tuple)):
        out.append(f"<{name}>")
        item = singular(name)
        for element in value:
            _xml(item, element, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value)}</{name}>")


def to_xml(data: dict[str, Any]) -> str:
    out: list[str] = [XML_DECLARATION]
    _xml("response", data, out)
    return "".join(out)


def render(data: dict[str, Any], fmt: str, callback: str | None = None, status: int = 200) -> web.Response:
    """``data`` as a response in ``fmt`` (json, jsonp or xml)."""
    if fmt == "xml":
        return web.Response(text=to_xml(data), status=status, content_type="text/xml", charset="UTF-8")
    if fmt == "jsonp":
        body = f"{callback_name(callback)}({to_json(data)})"
        return web.Response(text=body, status=status, content_type="application/javascript", charset="UTF-8")
    return web.Response(text=to_json(data), status=status, content_type="application/json", charset="UTF-8")


def ok(fmt: str, callback: str | None = None, **fields: Any) -> web.Response:
    return render({"status": "ok", **fields}, fmt, callback)


def error(
    code: int, message: str, status: int, fmt: str = "json", callback: str | None = None
) -> web.Response:
    data = {"status": "error", "error": {"code": code, "message": message}}
    return render(data, fmt, callback, status)
