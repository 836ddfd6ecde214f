"""The periodic cleanup jobs."""

from __future__ import annotations

from .client import ClientBase


class MaintenanceMixin(ClientBase):
    """The periodic cleanup jobs."""
