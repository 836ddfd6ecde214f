"""acoustid_pg: the AcoustID fingerprint database on PostgreSQL.

``acoustid_pg.fingerprint`` runs the extension's C functions in-process;
``acoustid_pg.cluster`` starts local PostgreSQL clusters.
"""

from __future__ import annotations

from .api import AcoustID, connect
from .errors import AcoustidError, ClusterError, FingerprintError

__version__ = "0.1.0"

__all__ = ["AcoustID", "AcoustidError", "ClusterError", "FingerprintError", "__version__", "connect"]
