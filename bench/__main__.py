"""Runs every benchmark against a throwaway cluster and prints the figures."""

from __future__ import annotations

import sys

from acoustid_pg.cluster import Cluster

from . import functions
from .report import machine

BENCHMARKS = {"functions": functions.main}


def main(argv: list[str]) -> None:
    chosen = argv or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    print(f"acoustid-pg benchmarks on {machine()}")
    with Cluster.temporary() as cluster:
        for name in chosen:
            BENCHMARKS[name](cluster)


if __name__ == "__main__":
    main(sys.argv[1:])
