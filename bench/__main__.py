"""Runs every benchmark against a throwaway cluster and prints the figures."""

from __future__ import annotations

import sys

from acoustid_pg.cluster import Cluster

from . import functions, ingest, lookup, musicbrainz, nats, web
from .report import machine

# lookup_1m is not in the default run: it loads a million fingerprints (see bench/lookup.py).
BENCHMARKS = {
    "functions": functions.main,
    "lookup": lookup.main,
    "ingest": ingest.main,
    "lookup_1m": lookup.main_million,
    "musicbrainz": musicbrainz.main,
    "web": web.main,
    "web_small": web.main_small,
    "nats": nats.main,
    "nats_small": nats.main_small,
}
DEFAULT = ["functions", "lookup", "ingest", "musicbrainz", "web", "nats"]
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
