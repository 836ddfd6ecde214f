"""Runs every benchmark against a throwaway cluster and prints the figures."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

from acoustid_pg.cluster import Cluster

from . import bulk, calibration, faults, functions, ingest, lookup, musicbrainz, nats, restore, scaling, web
from .report import machine

# The *_1m benchmarks are not in the default run: they load a million fingerprints (one
# database per run, shared by them: `python -m bench bulk_1m lookup_1m`); restore (PITR with
# pgBackRest) is not either, being an operations figure. Nor is scaling (hours at its default
# sizes: `python -m bench scaling 100k 300k 1M 3M`); calibration is, its fpcalc corpus cached.
# faults (the whole system under kills and restarts, ~4 minutes, on a server of its own) is, last.
BENCHMARKS: dict[str, Callable[[Cluster], None]] = {
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
    "calibration": calibration.main,
    "scaling": scaling.main,
    "faults": faults.main,
}
# These take sizes after their name (`scaling 100k 300k`, `calibration 1M`).
SIZED: dict[str, Callable[[Cluster, list[int]], None]] = {
    "calibration": calibration.main,
    "scaling": scaling.main,
}
DEFAULT = ["functions", "lookup", "ingest", "bulk", "calibration", "musicbrainz", "web", "nats", "faults"]
SHARED_BUFFERS = "8GB"


def plan(argv: list[str]) -> list[Callable[[Cluster], None]]:
    """The benchmarks to run, in order; a sized one takes the sizes that follow its name."""
    runs: list[Callable[[Cluster], None]] = []
    words = argv or DEFAULT
    n = 0
    while n < len(words):
        name = words[n]
        if name not in BENCHMARKS:
            sys.exit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        sizes = []
        while n + 1 < len(words) and words[n + 1] not in BENCHMARKS and name in SIZED:
            sizes.append(words[n + 1])
            n += 1
        try:
            counts = scaling.parse_sizes(sizes)
        except ValueError as error:
            sys.exit(f"{name}: {error}")
        runs.append(functools.partial(SIZED[name], sizes=counts) if counts else BENCHMARKS[name])
        n += 1
    return runs


def main(argv: list[str]) -> None:
    runs = plan(argv)
    print(f"acoustid-pg benchmarks on {machine()}")
    # Sized like a deployment that keeps lookups in memory: at a million fingerprints the GIN is
    # 4.2 GB and the items lookups compare 4 GB (README, Scaling); a third of this 24 GiB machine.
    with Cluster.temporary(shared_buffers=SHARED_BUFFERS) as cluster:
        for run in runs:
            run(cluster)


if __name__ == "__main__":
    main(sys.argv[1:])
