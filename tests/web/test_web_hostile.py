"""Hostile input: each gets its documented error in the API's envelope, never a 500 and
never a stack trace."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import requests

from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.support.management import Deployment
from tests.support.web import RunningApp
from tests.support.web_fixtures import FP, LENGTH, load_fixture

SETTINGS = WebSettings(limits=RateLimits(1e6, 1e6, 1e6), body_timeout=0.5)
LONG = "A" * 100_000
HUGE = "9" * 40
SUBMIT = {"client": "app1key", "user": "user1key", "fingerprint": FP, "duration": str(LENGTH)}
LOOKUP = {"client": "app1key", "fingerprint": FP, "duration": str(LENGTH)}


@pytest.fixture(scope="module")
def server(web_deployment: Deployment, redis_server: RedisServer) -> Iterator[RunningApp]:
    with RunningApp(
        lambda: build(web_deployment.client, SETTINGS, redis_server.url, flush_every=0)
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def fixture(web_db: Deployment, redis_client: redis.Redis) -> None:
    load_fixture(web_db)


CASES: list[tuple[str, str, Any, int, int]] = [
    # (name, path, form, HTTP status, error code)
    ("invalid utf-8 key", "/v2/lookup", b"client=%ff%fe&fingerprint=AQAB&duration=1", 400, 4),
    ("raw invalid utf-8", "/v2/lookup", b"client=\xff\xfe&fingerprint=AQAB&duration=1", 400, 4),
    (
        "non-numeric suffix",
        "/v2/lookup",
        {"client": "app1key", "fingerprint.x": FP, "duration.x": "5"},
        400,
        2,
    ),
    ("undecodable fingerprint", "/v2/lookup", {**LOOKUP, "fingerprint": "!!!not base64!!!"}, 400, 3),
    ("fingerprint of 100k chars", "/v2/lookup", {**LOOKUP, "fingerprint": LONG}, 400, 3),
    ("client key of 100k chars", "/v2/lookup", {**LOOKUP, "client": LONG}, 400, 4),
    ("duration of 100k digits", "/v2/lookup", {**LOOKUP, "duration": "9" * 100_000}, 400, 8),
    ("negative duration", "/v2/lookup", {**LOOKUP, "duration": "-5"}, 400, 8),
    ("enormous duration", "/v2/lookup", {**LOOKUP, "duration": HUGE}, 400, 8),
    ("float duration", "/v2/lookup", {**LOOKUP, "duration": "1e9"}, 400, 8),
    ("enormous maxdurationdiff", "/v2/lookup", {**LOOKUP, "maxdurationdiff": HUGE}, 400, 11),
    ("NUL in the key", "/v2/lookup", {**LOOKUP, "client": "app1key\x00"}, 400, 4),
    ("trackid of 100k chars", "/v2/lookup", {"client": "app1key", "trackid": LONG}, 400, 7),
    ("format of 100k chars", "/v2/lookup", {**LOOKUP, "format": LONG}, 400, 1),
    ("negative submit duration", "/v2/submit", {**SUBMIT, "duration": "-1"}, 400, 8),
    ("enormous submit duration", "/v2/submit", {**SUBMIT, "duration": "40000"}, 400, 8),
    ("negative bitrate", "/v2/submit", {**SUBMIT, "bitrate": "-5"}, 400, 9),
    ("enormous bitrate", "/v2/submit", {**SUBMIT, "bitrate": HUGE}, 400, 9),
    ("user key of 100k chars", "/v2/submit", {**SUBMIT, "user": LONG}, 400, 6),
    ("foreignid without vendor", "/v2/submit", {**SUBMIT, "foreignid": ":x"}, 400, 10),
    ("foreignid of 100k chars", "/v2/submit", {**SUBMIT, "foreignid": "v:" + LONG, "track": "t"}, 400, 10),
    ("mbid of 100k chars", "/v2/submit", {**SUBMIT, "mbid": LONG}, 400, 7),
    ("fingerprint id of 100k digits", "/v2/fingerprint", {"id": "9" * 100_000}, 404, 18),
    ("mbid list of 100k chars", "/v2/track/list_by_mbid", {"mbid": LONG}, 400, 7),
    ("unknown path", "/v2/../../etc/passwd", {}, 404, 12),
    ("unknown v1 path", "/lookup", {}, 404, 12),
]


@pytest.mark.parametrize(("name", "path", "form", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input(server: RunningApp, name: str, path: str, form: Any, status: int, code: int) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = requests.post(server.url + path, data=form, headers=headers, timeout=60)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text[:300]
    assert response.json()["status"] == "error"
    assert "Traceback" not in response.text


def test_metadata_with_nul_and_huge_text_is_cleaned_not_refused(
    server: RunningApp, web_db: Deployment
) -> None:
    form = {**SUBMIT, "track": "a\x00b" + "x" * 100_000, "artist": "  ", "year": HUGE, "trackno": "-1"}
    response = requests.post(server.url + "/v2/submit", data=form, timeout=60)
    assert response.status_code == 200, response.text
    meta = web_db.ingest.execute("SELECT meta FROM submission").fetchone()
    assert meta is not None and meta[0] == {"track": "ab" + "x" * 253}


def test_repeated_parameters_take_the_first(server: RunningApp) -> None:
    body = f"client=app1key&client=bad&format=json&format=xml&fingerprint={FP}&duration={LENGTH}&duration=-1"
    response = requests.post(
        server.url + "/v2/lookup",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json() == {"results": [], "status": "ok"}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(server: RunningApp, method: str) -> None:
    response = requests.request(method, server.url + "/v2/lookup", timeout=30)
    assert response.status_code == 405 and response.json()["error"]["code"] == 12


def test_a_slow_body_times_out(server: RunningApp) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(
            b"POST /v2/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\nclient=app1"
        )
        started = time.monotonic()
        reply = conn.recv(65536).decode()
    assert time.monotonic() - started < 5
    assert reply.startswith("HTTP/1.1 408")
    assert '"code": 12' in reply


def test_a_garbled_request_line_is_a_400_without_trace(server: RunningApp) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(b"\x00\xff GARBAGE\r\n\r\n")
        reply = conn.recv(65536).decode(errors="replace")
    assert reply.split("\r\n")[0].endswith("400 Bad Request") and "Traceback" not in reply
