"""Lookup, user-agent and daily statistics (app database)."""

from __future__ import annotations

from .client import ClientBase


class StatsMixin(ClientBase):
    """Lookup, user-agent and daily statistics (app database)."""
