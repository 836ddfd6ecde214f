"""``/_health``: every database answers (else error 13, HTTP 503), and how Redis and the
MusicBrainz mirror are. The mirror, like Redis, is reported in the details without failing
the check: only lookups asking for metadata need it, and a load balancer that took every
worker out for it would turn lost metadata into a lost service."""

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
        databases, musicbrainz = await asyncio.wait_for(
            asyncio.gather(
                service.run(backend(call).check_databases), service.run(backend(call).check_musicbrainz)
            ),
            TIMEOUT,
        )
    except asyncio.TimeoutError:
        raise ApiError(SERVICE_UNAVAILABLE) from None
    redis: dict[str, Any] = {"configured": service.redis is not None, **service.health.details()}
    if service.counter is not None:
        redis["lookup_counts_dropped"] = service.counter.dropped
    return {"databases": databases, "musicbrainz": musicbrainz, "redis": redis}
