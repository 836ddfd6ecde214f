"""``/v2/user/lookup`` and ``/v2/user/create_anonymous``."""

from __future__ import annotations

from typing import Any

from ..app import Call
from .keys import backend, client, rate_limit, user


async def user_lookup(call: Call) -> dict[str, Any]:
    await user(call)
    await rate_limit(call, None)
    return {"user": {"apikey": call.params.get("user")}}


async def create_anonymous(call: Call) -> dict[str, Any]:
    app = await client(call)
    assert app.id is not None
    await rate_limit(call, app)
    version = (call.params.get("clientversion") or "").replace("\x00", "")[:255] or None
    apikey = await call.service.run(backend(call).create_anonymous_account, app.id, version, call.ip)
    return {"user": {"apikey": apikey}}
