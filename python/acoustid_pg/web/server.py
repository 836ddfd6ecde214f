"""Running the service: the application for a driver client and a Redis URL, the periodic
flush of lookup counts into PostgreSQL (``acoustid_pg.lookup_counts``), and N worker
processes sharing one port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from .. import lookup_counts
from .app import Service, build_app
from .backend import Backend
from .redis_health import connect_redis
from .routes import ROUTES
from .settings import WebSettings

log = logging.getLogger("acoustid_pg.web")


def build(
    db: Any, settings: WebSettings, redis_url: str | None, *, flush_every: float | None = None
) -> web.Application:
    """The whole service over a driver client; ``redis_url`` None serves without Redis.
    ``flush_every`` (default ``settings.flush_every``; 0: never) is how often this process moves
    the lookup counts into PostgreSQL itself, so they do not pile up in Redis on an install
    where nobody runs ``acoustid-pg maintenance``."""
    redis = connect_redis(redis_url) if redis_url else None
    service = Service(Backend(db), settings, redis)
    app = build_app(service, ROUTES)
    every = settings.flush_every if flush_every is None else flush_every
    if redis_url and every > 0:
        app.cleanup_ctx.append(_flusher(service, db, redis_url, every))
    return app


def _flusher(
    service: Service, db: Any, redis_url: str, every: float
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    async def flush_forever() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await service.run(lookup_counts.flush_url, redis_url, db.stats_counts)
            except Exception as exc:  # Redis or PostgreSQL away: the counts wait in Redis
                log.warning("lookup statistics not flushed: %s", exc)

    @contextlib.asynccontextmanager
    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.ensure_future(flush_forever())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):  # one last flush on the way out, this second's counts too
            if service.counter is not None:
                await service.counter.drain()
            await service.run(lookup_counts.flush_url, redis_url, db.stats_counts)

    return context


def run(
    connect: Callable[[], Any],
    settings: WebSettings,
    redis_url: str | None,
    *,
    workers: int = 1,
    ready: Callable[[str], None] | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM. With several workers, each is a process of its own (its own
    pools, made after the fork) listening on the same port (SO_REUSEPORT)."""
    address = f"http://{settings.host}:{settings.port}"
    if workers <= 1:
        _serve_one(connect, settings, redis_url, ready, address, reuse_port=False)
        return 0
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                _serve_one(connect, settings, redis_url, None, address, reuse_port=True)
            except BaseException:
                log.exception("web worker failed")
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    if ready is not None and _wait_listening(settings.host, settings.port, children):
        ready(address)

    def forward(signum: int, frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    for child in children:
        while True:
            try:
                _, code = os.waitpid(child, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                code = 0
                break
        status = status or (os.waitstatus_to_exitcode(code) if sys.version_info >= (3, 9) else code)
    return 0 if status in (0, -signal.SIGTERM) else 1


def _wait_listening(host: str, port: int, children: list[int], timeout: float = 60.0) -> bool:
    """Whether the port accepts connections within ``timeout`` (False if the workers died)."""
    target = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((target, port), timeout=1):
                return True
        except OSError:
            if not any(_alive(child) for child in children):
                return False
            time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # a zombie still answers, but not for long: the port wait is the real test
    except ProcessLookupError:
        return False
    return True


def _serve_one(
    connect: Callable[[], Any],
    settings: WebSettings,
    redis_url: str | None,
    ready: Callable[[str], None] | None,
    address: str,
    *,
    reuse_port: bool,
) -> None:
    db = connect()
    try:
        app = build(db, settings, redis_url)
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            reuse_port=reuse_port or None,
            print=(lambda _: ready(address)) if ready is not None else None,
            access_log=None,
            handler_cancellation=True,
        )
    finally:
        db.close()
