"""Accounts, applications and API keys (app database)."""

from __future__ import annotations

from .client import ClientBase


class AccountsMixin(ClientBase):
    """Accounts, applications and API keys (app database)."""
