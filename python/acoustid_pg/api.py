"""``acoustid_pg.connect``: the driver's entry point."""

from __future__ import annotations

from collections.abc import Sequence

from .accounts import AccountsMixin
from .bulk_import import BulkImportMixin
from .changelog import ChangelogMixin
from .client import ClientBase
from .ingest import IngestMixin
from .lookup import LookupMixin
from .maintenance import MaintenanceMixin
from .replicas import ReplicasMixin
from .settings import Settings
from .stats import StatsMixin
from .tracks import TracksMixin


class AcoustID(
    LookupMixin,
    IngestMixin,
    AccountsMixin,
    StatsMixin,
    TracksMixin,
    MaintenanceMixin,
    BulkImportMixin,
    ChangelogMixin,
    ReplicasMixin,
    ClientBase,
):
    """Everything a deployment can do, over pooled connections to its three databases."""


def connect(
    url: str | None = None,
    *,
    app: str | None = None,
    fingerprint: str | None = None,
    ingest: str | None = None,
    min_size: int = 1,
    max_size: int = 10,
    replicas: str | Sequence[str] = (),
) -> AcoustID:
    """Connect to a deployment.

    ``url`` is a libpq connection string or URL without a database name
    (libpq's environment variables fill in what it leaves out); ``app``,
    ``fingerprint`` and ``ingest`` name the three databases (defaults
    acoustid_app, acoustid_fingerprint, acoustid_ingest; give one name to all
    three for a single-database install).

    ``replicas`` are connection strings (no database name, like ``url``) of streaming
    replicas of the same cluster: lookups take turns over them, writes and everything
    else go to ``url``.
    """
    names = {"app": app, "fingerprint": fingerprint, "ingest": ingest}
    settings = Settings.from_options(dsn=url, names=names)
    standbys = [replicas] if isinstance(replicas, str) else list(replicas)
    read_only = [Settings.from_options(dsn=replica, names=names) for replica in standbys]
    return AcoustID(settings, min_size=min_size, max_size=max_size, replicas=read_only)
