"""Target ``http``: whole HTTP requests through the real aiohttp application, on a real
socket, over real databases (a throwaway PostgreSQL cluster holding AcoustID's v2 test
fixture: keys ``app1key`` and ``user1key``, four tracks, one fingerprint).

Input, a readable request (the harness adds ``HTTP/1.1``, ``Host``, ``Content-Length`` and
``Connection: close``)::

    POST /v2/lookup?format=xml
    Content-Type: application/x-www-form-urlencoded
    Content-Encoding: gzip

    client=app1key&duration=260&fingerprint=...

``Content-Encoding: gzip`` (or ``deflate``) makes the harness compress the body, so the
fuzzer mutates what the service sees after inflating; ``gzip!`` sends the header without
compressing (corrupt streams). ``X-Fuzz-Chunked: 1`` sends the body chunked.

The property: an answer within the time limit; never a 5xx (the databases are up); an answer
in the API's envelope carries ``status: ok`` with 200, or a documented error code (1-19, not
5) with its documented HTTP status; and the service logged no error (an exception it caught).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import re
import socket
import xml.etree.ElementTree as ElementTree
import zlib
from dataclasses import dataclass
from typing import Any, Final

from acoustid_pg.web.errors import ERRORS, INTERNAL_ERROR, NOT_ALLOWED
from tests.fuzz.verdict import PropertyBroken

ANSWER_SECONDS: Final = 20.0  # a stalled body is cut at the service's body_timeout (0.5 s here)
DROPPED_HEADERS: Final = frozenset({b"content-length", b"transfer-encoding", b"host", b"connection"})
TOKEN: Final = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
METHOD: Final = re.compile(rb"[A-Z]{1,20}")
TARGET_SAFE: Final = re.compile(rb"[\x00-\x20\x7f]")  # spaces and controls would break the framing
VALUE_UNSAFE: Final = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
ENVELOPE_TYPES: Final = ("application/json", "application/javascript", "text/xml")
# Errors AcoustID gives outside its API with their own status (unknown path, method, stalled body).
OTHER_STATUS: Final = {NOT_ALLOWED: (404, 405, 408)}


@dataclass
class Request:
    method: bytes
    wire: bytes


def build_request(data: bytes) -> Request:
    """The fuzz input as bytes for the socket: always well-framed HTTP/1.1."""
    head, _, body = data.partition(b"\n\n")
    first, *lines = head.split(b"\n")
    method, _, target = first.strip(b"\r").partition(b" ")
    if not METHOD.fullmatch(method):
        method, target = b"GET", first
    target = TARGET_SAFE.sub(lambda m: b"%%%02X" % m[0][0], target)
    if not target.startswith(b"/"):
        target = b"/" + target
    headers: list[bytes] = []
    chunked = False
    for line in lines:
        name, colon, value = line.partition(b":")
        name = name.strip()
        if not colon or not TOKEN.fullmatch(name) or name.lower() in DROPPED_HEADERS:
            continue
        value = VALUE_UNSAFE.sub(b"", value).strip()
        if name.lower() == b"x-fuzz-chunked":
            chunked = True
            continue
        if name.lower() == b"content-encoding":
            value, body = _encode(value, body)
        headers.append(name + b": " + value)
    if chunked:
        headers.append(b"Transfer-Encoding: chunked")
        pieces = [body[i : i + 1000] for i in range(0, len(body), 1000)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    elif body or method in (b"POST", b"PUT", b"PATCH"):
        headers.append(b"Content-Length: %d" % len(body))
    lines_out = [method + b" " + target + b" HTTP/1.1", b"Host: fuzz", b"Connection: close", *headers]
    return Request(method, b"\r\n".join(lines_out) + b"\r\n\r\n" + body)


def _encode(value: bytes, body: bytes) -> tuple[bytes, bytes]:
    """``gzip``/``deflate`` compress the body; a trailing ``!`` sends it as it is."""
    if value.endswith(b"!"):
        return value[:-1], body
    if value.lower() == b"gzip":
        return value, gzip.compress(body, mtime=0)
    if value.lower() == b"deflate":
        return value, zlib.compress(body)
    return value, body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def exchange(port: int, wire: bytes) -> Answer:
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS) as sock:
        # The service may answer (413, 400) and close before it has read everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(wire)
        received = bytearray()
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            raise PropertyBroken(f"no complete answer within {ANSWER_SECONDS} s") from None
    return parse_answer(bytes(received))


def parse_answer(raw: bytes) -> Answer:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise PropertyBroken(f"no HTTP answer (got {raw[:80]!r})")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise PropertyBroken(f"bad status line {status_line!r}")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Answer(int(parts[1]), headers, body)


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)


def envelope(answer: Answer) -> dict[str, Any] | None:
    """The API's answer as data, or None when aiohttp's HTTP parser answered (plain text)."""
    content_type = answer.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in ENVELOPE_TYPES:
        return None
    text = answer.body.decode("utf-8")
    if content_type == "text/xml":
        root = ElementTree.fromstring(answer.body)
        status = root.findtext("status")
        code = root.findtext("error/code")
        return {"status": status, "error": {"code": int(code)} if code is not None else None}
    if content_type == "application/javascript":
        text = text[text.index("(") + 1 : text.rindex(")")]
    data = json.loads(text)
    if not isinstance(data, dict):
        raise PropertyBroken(f"answer is not an object: {text[:80]!r}")
    return data


def check_answer(request: Request, answer: Answer) -> None:
    if answer.status >= 500:
        raise PropertyBroken(f"HTTP {answer.status}: {answer.body[:300]!r}")
    if request.method == b"HEAD" or answer.status == 204:
        return
    data = envelope(answer)
    if data is None:
        if answer.status < 400:
            raise PropertyBroken(f"HTTP {answer.status} outside the API's envelope: {answer.body[:200]!r}")
        return  # aiohttp refused the request line or a header itself
    if data.get("status") == "ok":
        if answer.status != 200:
            raise PropertyBroken(f"status ok with HTTP {answer.status}")
        return
    error = data.get("error") or {}
    code = error.get("code")
    if data.get("status") != "error" or code not in ERRORS or code == INTERNAL_ERROR:
        raise PropertyBroken(f"not a documented answer: HTTP {answer.status} {answer.body[:300]!r}")
    allowed = (ERRORS[code][1], *OTHER_STATUS.get(code, ()))
    if answer.status not in allowed:
        raise PropertyBroken(f"error {code} with HTTP {answer.status}, documented {allowed}")


class LogWatch(logging.Handler):
    """Errors the service logged (a caught exception, answered as error 5 or by aiohttp's 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))

    def install(self) -> LogWatch:
        # aiohttp's own "Error handling request" for a request line its parser refuses is its
        # 400, not ours; an exception in our code is logged under acoustid_pg (and answers 5xx).
        logging.getLogger("acoustid_pg").addHandler(self)
        return self


class HttpTarget:
    """The property over a service listening on ``port`` whose logs ``watch`` sees."""

    def __init__(self, port: int, watch: LogWatch) -> None:
        self.port = port
        self.watch = watch

    def check(self, data: bytes) -> None:
        request = build_request(data)
        self.watch.records.clear()
        answer = exchange(self.port, request.wire)
        if self.watch.records:
            raise PropertyBroken("the service logged an error:\n" + "\n".join(self.watch.records))
        check_answer(request, answer)
