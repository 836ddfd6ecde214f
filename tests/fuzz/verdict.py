"""What a fuzz property raises when it is broken (anything else a target raises is a bug too)."""

from __future__ import annotations

from acoustid_pg.web.errors import ERRORS, INTERNAL_ERROR, ApiError


class PropertyBroken(AssertionError):
    """The code under test answered, but not as its contract says."""


def check_api_error(exc: ApiError) -> None:
    """A documented API error: codes 1-19, never 5 (internal error, i.e. a bug we caught)."""
    if exc.code not in ERRORS or exc.code == INTERNAL_ERROR:
        raise PropertyBroken(f"undocumented API error code {exc.code}: {exc.message}")
