"""The ``client`` (application) and ``user`` (account) keys of a request."""

from __future__ import annotations

from ...errors import InvalidApiKeyError
from ..app import Call
from ..backend import Backend, Client
from ..errors import INVALID_API_KEY, INVALID_USER_API_KEY, MISSING_PARAMETER, ApiError
from ..params import required

MAX_KEY = 255  # no key is longer; a longer one is refused without asking the database


def backend(call: Call) -> Backend:
    db = call.service.db
    assert isinstance(db, Backend)
    return db


async def client(call: Call, *, open_lookups: bool = False) -> Client:
    """The active application named by ``client`` (error 2 or 4); with ``open_lookups`` an
    unknown key is let through as an application without id (rate-limited per IP only)."""
    key = required(call.params, "client")
    try:
        if len(key) > MAX_KEY or "\x00" in key:
            raise InvalidApiKeyError("malformed key")
        cached = backend(call).cached_application(key)
        if cached is not None:
            return Client(cached, key)
        return Client(await call.service.run(backend(call).application, key), key)
    except InvalidApiKeyError:
        if open_lookups:
            return Client(None, key)
        raise ApiError(INVALID_API_KEY) from None


async def user(call: Call) -> int:
    """The account named by ``user`` (error 2 or 6)."""
    key = call.params.get("user")
    if not key:
        raise ApiError(MISSING_PARAMETER, "user")
    try:
        if len(key) > MAX_KEY or "\x00" in key:
            raise InvalidApiKeyError("malformed key")
        cached = backend(call).cached_account(key)
        return cached if cached is not None else await call.service.run(backend(call).account, key)
    except InvalidApiKeyError:
        raise ApiError(INVALID_USER_API_KEY) from None


async def rate_limit(call: Call, app: Client | None) -> None:
    if app is None or app.id is None:
        await call.rate_limit()
    else:
        await call.rate_limit(app.key, app.id)
