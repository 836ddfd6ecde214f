"""Slow clients, on raw sockets: a request's headers must arrive within ``header_timeout``
(after connecting, and after the previous answer on a kept-alive connection), so clients
trickling header bytes (slowloris) cannot hold connections; normal clients are not hurt."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
from collections.abc import Iterator

import pytest

from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.support.management import Deployment
from tests.support.web import RunningApp

HEADER_TIMEOUT = 2.0
SLACK = 1.5  # aiohttp's timers, the event loop, a loaded CI machine
SETTINGS = WebSettings(limits=RateLimits(1e6, 1e6, 1e6), header_timeout=HEADER_TIMEOUT)
HEALTH = b"GET /_health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def server(web_deployment: Deployment) -> Iterator[RunningApp]:
    with RunningApp(lambda: build(web_deployment.client, SETTINGS, None, flush_every=0)) as running:
        yield running


def read_answer(conn: socket.socket) -> bytes:
    """One whole answer (headers and a Content-Length body) from a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def trickle_until_closed(conn: socket.socket, give_up: float = 20.0) -> float:
    """Send a header byte a second until the server closes; seconds from the first byte."""
    conn.settimeout(1.0)
    started = time.monotonic()
    for byte in b"GET /_health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
        if time.monotonic() - started > give_up:
            break
        try:
            conn.sendall(bytes([byte]))
            if conn.recv(1) == b"":
                return time.monotonic() - started
        except socket.timeout:
            continue
        except OSError:  # reset by the server
            return time.monotonic() - started
    raise AssertionError(f"a client trickling its headers was still connected after {give_up} s")


@pytest.mark.parametrize("after_an_answer", [False, True], ids=["first request", "kept-alive request"])
def test_trickled_headers_are_cut_off(server: RunningApp, after_an_answer: bool) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        if after_an_answer:
            conn.sendall(HEALTH)
            assert read_answer(conn).startswith(b"HTTP/1.1 200")
        held = trickle_until_closed(conn)
    assert HEADER_TIMEOUT - 1.0 <= held <= HEADER_TIMEOUT + SLACK, held


def test_a_kept_alive_client_making_several_requests_is_not_cut_off(server: RunningApp) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        sockets = set()
        started = time.monotonic()
        for _ in range(5):  # 5 requests, 1 s apart: longer than the header timeout in all
            conn.request("GET", "/_health")
            response = conn.getresponse()
            assert response.status == 200 and b'"ok"' in response.read()
            assert conn.sock is not None
            sockets.add(id(conn.sock))
            time.sleep(HEADER_TIMEOUT / 2)
        assert time.monotonic() - started > 2 * HEADER_TIMEOUT
        assert len(sockets) == 1  # one connection served them all
    finally:
        conn.close()


def test_many_slow_clients_do_not_stop_a_normal_one(server: RunningApp) -> None:
    slow = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(200)]
    try:
        for conn in slow:
            conn.sendall(b"GET /_health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        for _ in range(5):
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as normal:
                normal.sendall(HEALTH)
                assert read_answer(normal).startswith(b"HTTP/1.1 200")
            assert time.monotonic() - started < 1.0
        # and the slow ones are all gone once the timeout has passed
        time.sleep(HEADER_TIMEOUT + SLACK)
        for conn in slow:
            conn.settimeout(2.0)
            with contextlib.suppress(ConnectionResetError):
                assert conn.recv(1) == b""
    finally:
        for conn in slow:
            conn.close()
