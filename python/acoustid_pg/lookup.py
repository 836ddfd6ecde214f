"""Identifying audio: fingerprint lookups against the fingerprint database."""

from __future__ import annotations

from .client import ClientBase


class LookupMixin(ClientBase):
    """Identifying audio: fingerprint lookups against the fingerprint database."""
