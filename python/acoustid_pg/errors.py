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


class InvalidArgumentError(AcoustidError, ValueError):
    """An argument of a driver method has the wrong type or value; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFoundError(AcoustidError, LookupError):
    """An argument names a row that does not exist (account, application, track, link)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class InvalidApiKeyError(AcoustidError):
    """An API key is unknown (the message never contains the key)."""


class InactiveApplicationError(InvalidApiKeyError):
    """An application API key is known, but the application was deactivated."""


class TrackMergeError(AcoustidError):
    """A track merge was refused: self-merge, cycle, already merged or disabled target."""


class StatementCancelled(AcoustidError, TimeoutError):
    """The server cancelled a statement (statement_timeout, pg_cancel_backend); it was rolled back."""


class LookupTimeout(StatementCancelled):
    """A lookup ran past its time budget and was cancelled by the server (statement_timeout)."""


class ResourceExhausted(AcoustidError):
    """The server ran out of disk space, memory or connections (SQLSTATE class 53).

    The failed statement's transaction rolled back; retry once the resource is back.
    """


class ConnectionLost(ConnectError):
    """The connection broke during an operation; the pool connects afresh on the next call."""


class PermissionDeniedError(AcoustidError, PermissionError):
    """The database role may not do this (a reader writing, a writer altering the schema, ...)."""


class SchemaError(AcoustidError):
    """A database lacks the acoustid extension or schema (run ``acoustid-pg init`` or ``migrate``)."""


class ChangelogGap(AcoustidError):
    """Changelog entries after a consumer's cursor were pruned: rebuild from a snapshot."""

    def __init__(self, cursor: int, pruned_through: int) -> None:
        super().__init__(
            f"changelog entries after {cursor} up to {pruned_through} were pruned: "
            "rebuild the copy from db.changelog.snapshot()"
        )
        self.cursor = cursor
        self.pruned_through = pruned_through


class ReplicaLagTimeout(AcoustidError, TimeoutError):
    """A replica did not replay the primary's latest writes within the time allowed."""
