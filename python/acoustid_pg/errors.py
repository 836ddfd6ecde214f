"""Exceptions raised by acoustid_pg, all under one base class."""

from __future__ import annotations


class AcoustidError(Exception):
    """Base class of every error acoustid_pg raises on purpose."""


class FingerprintError(AcoustidError, ValueError):
    """A fingerprint (array or compressed string) is malformed."""


class ClusterError(AcoustidError):
    """A local PostgreSQL cluster could not be created, started or stopped."""


class AudioError(AcoustidError):
    """An audio file could not be fingerprinted (missing, unreadable, no fpcalc)."""


class SettingsError(AcoustidError):
    """Connection settings or database names are inconsistent."""


class ConnectError(AcoustidError):
    """A database could not be reached (server down, wrong name, credentials, ...)."""


class MigrationError(AcoustidError):
    """A schema migration cannot run: edited or missing files, wrong versions, a failed step."""
