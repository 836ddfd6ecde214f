"""Track merges and track-MBID link moderation with an audit trail."""

from __future__ import annotations

from .client import ClientBase


class TracksMixin(ClientBase):
    """Track merges and track-MBID link moderation with an audit trail."""
