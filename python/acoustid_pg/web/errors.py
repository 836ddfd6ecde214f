"""AcoustID's API error codes, their messages and HTTP statuses (the ``/v2`` wire format)."""

from __future__ import annotations

from typing import Final

UNKNOWN_FORMAT: Final = 1
MISSING_PARAMETER: Final = 2
INVALID_FINGERPRINT: Final = 3
INVALID_API_KEY: Final = 4
INTERNAL_ERROR: Final = 5
INVALID_USER_API_KEY: Final = 6
INVALID_UUID: Final = 7
INVALID_DURATION: Final = 8
INVALID_BITRATE: Final = 9
INVALID_FOREIGNID: Final = 10
INVALID_MAX_DURATION_DIFF: Final = 11
NOT_ALLOWED: Final = 12
SERVICE_UNAVAILABLE: Final = 13
TOO_MANY_REQUESTS: Final = 14
INVALID_MUSICBRAINZ_ACCESS_TOKEN: Final = 15
INSECURE_REQUEST: Final = 16
UNKNOWN_APPLICATION: Final = 17
FINGERPRINT_NOT_FOUND: Final = 18
TOO_LARGE: Final = 19

# code: (message template, HTTP status); templates take the parameter name or the rate.
ERRORS: Final[dict[int, tuple[str, int]]] = {
    UNKNOWN_FORMAT: ('unknown format "{}"', 400),
    MISSING_PARAMETER: ('missing required parameter "{}"', 400),
    INVALID_FINGERPRINT: ("invalid fingerprint", 400),
    INVALID_API_KEY: ("invalid API key", 400),
    INTERNAL_ERROR: ("internal error", 500),
    INVALID_USER_API_KEY: ("invalid user API key", 400),
    INVALID_UUID: ('parameter "{}" is not a valid UUID', 400),
    INVALID_DURATION: ('parameter "{}" must be a positive integer', 400),
    INVALID_BITRATE: ('parameter "{}" must be a positive integer', 400),
    INVALID_FOREIGNID: ('parameter "{}" is not a valid foreign ID, it must be in the format vendor:id', 400),
    INVALID_MAX_DURATION_DIFF: ('parameter "{}" must be between 1 and 30', 400),
    NOT_ALLOWED: ("not allowed", 400),
    SERVICE_UNAVAILABLE: ("service currently unavailable, try again later", 503),
    TOO_MANY_REQUESTS: ("rate limit ({:f} requests per second) exceeded, try again later", 429),
    INVALID_MUSICBRAINZ_ACCESS_TOKEN: ("invalid MusicBrainz access token", 400),
    INSECURE_REQUEST: ("only requests over HTTPS are allowed here", 400),
    UNKNOWN_APPLICATION: ("unknown application", 400),
    FINGERPRINT_NOT_FOUND: ("fingerprint not found", 404),
    TOO_LARGE: ("request too large", 413),
}


class ApiError(Exception):
    """An answer in AcoustID's error envelope: ``code`` picks the message and the HTTP status."""

    def __init__(
        self,
        code: int,
        argument: object = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        template, default_status = ERRORS[code]
        self.code = code
        self.message = template.format(argument) if "{" in template else template
        # Only for answers AcoustID gives outside its API (unknown path or method, a stalled body).
        self.status = status or default_status
        self.headers = dict(headers or {})
        super().__init__(self.message)
