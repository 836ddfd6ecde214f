"""Taking in submissions: validation, the ingest queue and the exactly-once import."""

from __future__ import annotations

from .client import ClientBase


class IngestMixin(ClientBase):
    """Taking in submissions: validation, the ingest queue and the exactly-once import."""
