"""Runs every benchmark against a throwaway cluster and prints the figures."""

from __future__ import annotations

import sys

from acoustid_pg.cluster import Cluster

from . import bulk, faults, functions, ingest, lookup, musicbrainz, nats, restore, web
from .report import machine

# The *_1m benchmarks are not in the default run: they load a million fingerprints (one
# database per run, shared by them: `python -m bench bulk_1m lookup_1m`); restore (PITR with
# pgBackRest) is not either, being an operations figure. faults (the whole system under
# kills and restarts, ~4 minutes, on a server of its own) is, last.
BENCHMARKS = {
    "functions": functions.main,
    "lookup": lookup.main,
    "ingest": ingest.main,
    "lookup_1m": lookup.main_million,
    "bulk": bulk.main,
    "bulk_1m": bulk.main_million,
    "ingest_1m": ingest.main_million,
    "musicbrainz": musicbrainz.main,
    "web": web.main,
    "web_small": web.main_small,
    "nats": nats.main,
    "nats_small": nats.main_small,
    "nats_1m": nats.main_million,
    "restore": restore.main,
    "restore_1m": restore.main_million,
    "faults": faults.main,
}
DEFAULT = ["functions", "lookup", "ingest", "bulk", "musicbrainz", "web", "nats", "faults"]
SHARED_BUFFERS = "4GB"


def main(argv: list[str]) -> None:
    chosen = argv or DEFAULT
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    print(f"acoustid-pg benchmarks on {machine()}")
    # Sized like a deployment whose lookup index (5.4 kB a fingerprint) should stay in memory.
    with Cluster.temporary(shared_buffers=SHARED_BUFFERS) as cluster:
        for name in chosen:
            BENCHMARKS[name](cluster)


if __name__ == "__main__":
    main(sys.argv[1:])
