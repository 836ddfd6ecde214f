"""The request side of the web service: bodies (plain, gzip, bombs), fields, paths,
methods, CORS, and the envelope of every kind of failure."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from acoustid_pg.errors import ConnectError
from acoustid_pg.web.app import Call, Service, build_app
from acoustid_pg.web.params import suffixes
from acoustid_pg.web.settings import WebSettings
from tests.support.web import RunningApp


async def echo(call: Call) -> dict[str, Any]:
    params = call.params
    return {
        "params": {name: params.getall(name) for name in params.names()},
        "suffixes": suffixes(params, "fingerprint", "trackid"),
        "ip": call.ip,
    }


async def boom(call: Call) -> dict[str, Any]:
    raise RuntimeError("secret detail /etc/passwd")


async def database_down(call: Call) -> dict[str, Any]:
    raise ConnectError("cannot connect to database 'acoustid_app'")


ROUTES = {"/v2/echo": echo, "/v2/boom": boom, "/v2/down": database_down}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningApp]:
    with RunningApp(lambda: build_app(Service(None, WebSettings(), None), ROUTES)) as running:
        yield running


def post(server: RunningApp, path: str, body: bytes, **headers: str) -> requests.Response:
    headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return requests.post(server.url + path, data=body, headers=headers, timeout=30)


def test_get_query_and_post_form_are_both_read(server: RunningApp) -> None:
    response = requests.post(server.url + "/v2/echo?format=json&a=1", data={"a": "2", "b": "x y"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.json()["params"] == {"format": ["json"], "a": ["1", "2"], "b": ["x y"]}
    assert requests.get(server.url + "/v2/echo?x=%20y+z", timeout=10).json()["params"] == {"x": [" y z"]}


def test_gzip_body_is_inflated(server: RunningApp) -> None:
    body = gzip.compress(b"fingerprint.0=AQAB&duration.0=100&fingerprint.1=AQAC")
    response = post(server, "/v2/echo", body, **{"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.json()["params"]["fingerprint.0"] == ["AQAB"]
    assert response.json()["suffixes"] == [".0", ".1"]


def test_corrupt_gzip_is_refused_cleanly(server: RunningApp) -> None:
    response = post(server, "/v2/echo", b"\x1f\x8b\x08\x00garbage" * 10, **{"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": 12, "message": "not allowed"}, "status": "error"}


def test_body_over_one_mebibyte_is_error_19(server: RunningApp) -> None:
    body = b"a=" + b"x" * (1024 * 1024)
    response = post(server, "/v2/echo", body)
    assert response.status_code == 413
    assert response.json()["error"] == {"code": 19, "message": "request too large"}
    just_fits = b"a=" + b"x" * (1024 * 1024 - 2)
    assert post(server, "/v2/echo", just_fits).status_code == 200


def _peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_gzip_bomb_is_refused_while_memory_stays_flat(server: RunningApp) -> None:
    # 512 MiB of zeros in about 0.5 MB of gzip.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1024 * 1024)
    bomb = b"".join(compressor.compress(chunk) for _ in range(512)) + compressor.flush()
    assert len(bomb) < 1024 * 1024
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark
    before = _peak_rss_kib()
    response = post(server, "/v2/echo", bomb, **{"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == 19
    assert _peak_rss_kib() - before < 64 * 1024  # the bomb inflates to 512 MiB; we held < 64


def test_more_than_1000_fields_is_error_19(server: RunningApp) -> None:
    many = "&".join(f"f{i}=1" for i in range(1001)).encode()
    assert post(server, "/v2/echo", many).json()["error"]["code"] == 19
    exactly = "&".join(f"f{i}=1" for i in range(1000)).encode()
    assert post(server, "/v2/echo", exactly).status_code == 200
    split = "&".join(f"q{i}=1" for i in range(600))
    response = post(server, "/v2/echo?" + split, split.encode())
    assert response.json()["error"]["code"] == 19  # the query string counts too


def test_invalid_utf8_is_replaced_not_a_crash(server: RunningApp) -> None:
    response = post(server, "/v2/echo", b"client=%ff%fe&raw=\xff\xfe")
    assert response.status_code == 200
    assert response.json()["params"] == {"client": ["\ufffd\ufffd"], "raw": ["\ufffd\ufffd"]}


def test_suffixes_are_numeric_and_ordered(server: RunningApp) -> None:
    body = b"fingerprint.10=a&fingerprint.2=b&fingerprint=c&fingerprint.x=d&trackid.3=e&fingerprint.-1=f"
    assert post(server, "/v2/echo", body).json()["suffixes"] == ["", ".2", ".3", ".10"]
    huge = b"fingerprint.99999999999999999999=a"
    assert post(server, "/v2/echo", huge).json()["suffixes"] == []


def test_double_slashes_and_trailing_slash_reach_the_route(server: RunningApp) -> None:
    assert requests.get(server.url + "//v2//echo/?a=1", timeout=10).json()["params"] == {"a": ["1"]}


def test_unknown_path_and_method_answer_in_the_envelope(server: RunningApp) -> None:
    response = requests.get(server.url + "/v2/nothing", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": 12, "message": "not allowed"}, "status": "error"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    response = requests.delete(server.url + "/v2/echo", timeout=10)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == 12
    assert response.headers["Allow"] == "GET, POST"


def test_cors_on_every_answer_and_preflight(server: RunningApp) -> None:
    assert requests.get(server.url + "/v2/echo", timeout=10).headers["Access-Control-Allow-Origin"] == "*"
    assert requests.get(server.url + "/v2/boom", timeout=10).headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(server.url + "/v2/echo", timeout=10)
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_internal_error_is_code_5_without_details(server: RunningApp) -> None:
    response = requests.get(server.url + "/v2/boom", timeout=10)
    assert response.status_code == 500
    assert response.json() == {"error": {"code": 5, "message": "internal error"}, "status": "error"}
    assert "passwd" not in response.text and "Traceback" not in response.text


def test_database_down_is_code_13_http_503(server: RunningApp) -> None:
    response = requests.get(server.url + "/v2/down?format=xml", timeout=10)
    assert response.status_code == 503
    assert response.text.endswith(
        "<response><error><code>13</code><message>service currently unavailable, try again later"
        "</message></error><status>error</status></response>"
    )


def test_unknown_format_is_error_1_in_json(server: RunningApp) -> None:
    response = requests.get(server.url + "/v2/echo?format=xls", timeout=10)
    assert response.status_code == 400
    assert json.loads(response.text) == {
        "error": {"code": 1, "message": 'unknown format "xls"'},
        "status": "error",
    }
