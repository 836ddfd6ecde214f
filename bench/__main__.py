"""Runs every benchmark against a throwaway cluster and prints the figures."""

from __future__ import annotations

import sys

from acoustid_pg.cluster import Cluster

from . import functions, ingest, lookup, musicbrainz, restore, web
from .report import machine

# lookup_1m and restore_1m are not in the default run: they load a million fingerprints (see
# bench/lookup.py); restore (PITR with pgBackRest) is not either, being an operations figure.
BENCHMARKS = {
    "functions": functions.main,
    "lookup": lookup.main,
    "ingest": ingest.main,
    "lookup_1m": lookup.main_million,
    "musicbrainz": musicbrainz.main,
    "web": web.main,
    "web_small": web.main_small,
    "restore": restore.main,
    "restore_1m": restore.main_million,
}
DEFAULT = ["functions", "lookup", "ingest", "musicbrainz", "web"]
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
