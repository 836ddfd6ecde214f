"""The aiohttp application: one catch-all route, so paths can be matched after ``//`` is
collapsed (AcoustID's rule) without redirecting a POST, and every answer -- unknown
path, wrong method, bad body, database down, a bug -- leaves in the API's envelope.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, TypeVar

import psycopg
from aiohttp import web
from psycopg_pool import PoolTimeout
from redis.asyncio import Redis

from ..errors import ConnectError, ResourceExhausted, SchemaError, StatementCancelled
from . import render
from .body import Params, read_params
from .client_ip import client_ip
from .errors import INTERNAL_ERROR, NOT_ALLOWED, SERVICE_UNAVAILABLE, TOO_MANY_REQUESTS, ApiError
from .lookup_stats import LookupCounter
from .params import response_format
from .ratelimit import RateLimiter
from .redis_health import RedisHealth
from .settings import WebSettings

log = logging.getLogger("acoustid_pg.web")

T = TypeVar("T")
SLASHES: Final = re.compile(r"/{2,}")
METHODS: Final = ("GET", "POST", "HEAD")
# Errors that mean "the databases cannot answer now", not "this request is wrong".
UNAVAILABLE: Final = (
    ConnectError,
    SchemaError,
    ResourceExhausted,
    StatementCancelled,
    PoolTimeout,
    psycopg.OperationalError,
)
SERVICE_KEY: Final = web.AppKey("acoustid_service", object)


class Service:
    """What the handlers share: the driver, Redis, the limiter, the settings, a thread pool
    for the driver's blocking calls."""

    def __init__(
        self,
        db: Any,
        settings: WebSettings,
        redis: Redis | None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.redis = redis
        self.health = RedisHealth()
        self.limiter = RateLimiter(redis, settings.limits, self.health) if redis is not None else None
        self.counter = LookupCounter(redis, self.health) if redis is not None else None
        self.executor = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="acoustid-web")

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking driver call on the thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(function, *args, **kwargs))

    async def close(self) -> None:
        if self.counter is not None:
            await self.counter.drain()
        if self.redis is not None:
            await self.redis.aclose()
        self.executor.shutdown(wait=False)


@dataclass
class Call:
    """One API request, its parameters already read."""

    request: web.Request
    params: Params
    fmt: str
    ip: str
    service: Service

    @property
    def user_agent(self) -> str:
        return self.request.headers.get("User-Agent", "")

    async def rate_limit(self, app_key: str | None = None, app_id: int | None = None) -> None:
        """Count the request against its buckets; error 14 when one is full."""
        limiter = self.service.limiter
        if limiter is None:
            return
        decision = await limiter.check(app_key=app_key, app_id=app_id, ip=self.ip)
        if not decision.allowed:
            raise ApiError(
                TOO_MANY_REQUESTS, decision.rate, headers={"Retry-After": str(decision.retry_after)}
            )


Handler = Callable[[Call], Awaitable[dict[str, Any]]]


def _cors(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"


async def _on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    _cors(request, response)


def _error(exc: ApiError, fmt: str = "json", callback: str | None = None) -> web.Response:
    response = render.error(exc.code, exc.message, exc.status, fmt, callback)
    response.headers.update(exc.headers)
    return response


class Dispatcher:
    def __init__(self, service: Service, routes: Mapping[str, Handler]) -> None:
        self.service = service
        self.routes = dict(routes)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = SLASHES.sub("/", request.path)
        if len(path) > 1:
            path = path.rstrip("/")  # AcoustID's routes do not mind a trailing slash
        handler = self.routes.get(path)
        if request.method == "OPTIONS":
            return web.Response(
                status=204,
                headers={
                    "Access-Control-Allow-Methods": "GET, POST",
                    "Access-Control-Allow-Headers": "Content-Type, Content-Encoding",
                    "Access-Control-Max-Age": "86400",
                },
            )
        if handler is None:
            return _error(ApiError(NOT_ALLOWED, status=404))
        if request.method not in METHODS:
            response = _error(ApiError(NOT_ALLOWED, status=405))
            response.headers["Allow"] = "GET, POST"
            return response
        fmt, callback = "json", None
        try:
            params = await read_params(request, timeout=self.service.settings.body_timeout)
            fmt = response_format(params)
            callback = params.get("jsoncallback")
            peer = request.transport.get_extra_info("peername") if request.transport else None
            peer_host = peer[0] if isinstance(peer, tuple) and peer else None
            ip = client_ip(
                peer_host, request.headers.get("X-Forwarded-For"), self.service.settings.trusted_proxies
            )
            data = await handler(Call(request, params, fmt, ip, self.service))
            return render.ok(fmt, callback, **data)
        except ApiError as exc:
            return _error(exc, fmt, callback)
        except UNAVAILABLE as exc:
            log.warning("database unavailable for %s: %s", path, exc)
            return _error(ApiError(SERVICE_UNAVAILABLE), fmt, callback)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("internal error answering %s", path)
            return _error(ApiError(INTERNAL_ERROR), fmt, callback)


def build_app(service: Service, routes: Mapping[str, Handler]) -> web.Application:
    """The application; ``client_max_size`` is not used: the body is bounded while it is read.

    The header timeout is aiohttp's keep-alive timeout: its timer starts when a connection is
    made and again after each answer, and closes the connection if no complete request head
    has arrived when it fires; bytes trickling in do not restart it (aiohttp >= 3.14.5 starts
    it at connect too). handler_args win over run_app's own keepalive_timeout default.
    """
    app = web.Application(
        handler_args={
            "max_field_size": 16 * 1024,
            "max_line_size": 128 * 1024,
            "keepalive_timeout": service.settings.header_timeout,
        }
    )
    app[SERVICE_KEY] = service
    app.on_response_prepare.append(_on_prepare)

    async def close_service(app: web.Application) -> None:
        await service.close()

    app.on_cleanup.append(close_service)
    app.router.add_route("*", "/{tail:.*}", Dispatcher(service, routes).handle)
    return app
