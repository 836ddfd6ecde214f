"""Paths to endpoints (after ``//`` is collapsed and a trailing ``/`` dropped)."""

from __future__ import annotations

from typing import Final

from .app import Handler
from .endpoints.health import health
from .endpoints.lookup import lookup
from .endpoints.status import submission_status
from .endpoints.submit import submit
from .endpoints.tracks import fingerprint, list_by_mbid, list_by_puid
from .endpoints.users import create_anonymous, user_lookup

ROUTES: Final[dict[str, Handler]] = {
    "/v2/lookup": lookup,
    "/v2/submit": submit,
    "/v2/submission_status": submission_status,
    "/v2/track/list_by_mbid": list_by_mbid,
    "/v2/track/list_by_puid": list_by_puid,
    "/v2/fingerprint": fingerprint,
    "/v2/user/lookup": user_lookup,
    "/v2/user/create_anonymous": create_anonymous,
    "/_health": health,
}
