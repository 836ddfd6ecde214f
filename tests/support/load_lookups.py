"""One lookup process of the load test: ``count`` lookups (or until ``seconds`` pass), then one
JSON line with its latencies and how many answers were right.

    python -m tests.support.load_lookups --count 200 --seconds 30 --seed 1 --stored 2000 \\
        --importing 100:400 [connection options]

Even lookups ask for a stored (bulk-loaded) recording, which must come back first with its
track gid; odd ones for a recording the worker is importing meanwhile, which may not be
there yet but, if found, must carry that recording's MBID.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from acoustid_pg.api import AcoustID
from acoustid_pg.commands import connection_options, settings_from_args
from acoustid_pg.errors import AcoustidError
from tests.support.driver import flip
from tests.support.reliability import duration, recording, stored_gid


def main() -> None:
    parser = argparse.ArgumentParser(parents=[connection_options()])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--stored", type=int, required=True, help="recordings 0..N-1 were bulk-loaded")
    parser.add_argument("--importing", required=True, help="FIRST:END, recordings being imported")
    args = parser.parse_args()
    first, end = (int(n) for n in args.importing.split(":"))
    rng = random.Random(args.seed)
    report = {"latencies": [], "right": 0, "wrong": [], "errors": [], "found_importing": 0}
    deadline = time.monotonic() + args.seconds
    with AcoustID(settings_from_args(args), min_size=1, max_size=1) as client:
        for n in range(args.count):
            if time.monotonic() > deadline:
                break
            stored = n % 2 == 0
            wanted = rng.randrange(args.stored) if stored else rng.randrange(first, end)
            query = flip(rng, recording(wanted), 0.02)  # a re-encoding, not the stored items
            started = time.perf_counter()
            try:
                matches = client.lookup(query, duration(wanted))
            except AcoustidError as exc:
                report["errors"].append(f"{type(exc).__name__}: {exc}")
                continue
            report["latencies"].append(time.perf_counter() - started)
            if stored:
                good = bool(matches) and matches[0].track_gid == stored_gid(wanted)
            else:
                good = not matches or [m.mbid.int for m in matches[0].mbids] == [wanted]
                report["found_importing"] += bool(matches)
            if good:
                report["right"] += 1
            else:
                report["wrong"].append(wanted)
    json.dump(report, sys.stdout)
    print(flush=True)


if __name__ == "__main__":
    main()
