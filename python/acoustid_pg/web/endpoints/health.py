"""``/_health``: every database answers (else error 13, HTTP 503), and how Redis has been."""

from __future__ import annotations

import asyncio
from typing import Any, Final

from ..app import Call
from ..errors import SERVICE_UNAVAILABLE, ApiError
from .keys import backend

TIMEOUT: Final = 5.0


async def health(call: Call) -> dict[str, Any]:
    service = call.service
    try:
        databases = await asyncio.wait_for(service.run(backend(call).check_databases), TIMEOUT)
    except asyncio.TimeoutError:
        raise ApiError(SERVICE_UNAVAILABLE) from None
    redis: dict[str, Any] = {"configured": service.redis is not None, **service.health.details()}
    if service.counter is not None:
        redis["lookup_counts_dropped"] = service.counter.dropped
    return {"databases": databases, "redis": redis}
