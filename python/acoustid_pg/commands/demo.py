"""``acoustid-pg demo``: the tour, on the configured server or the embedded one."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from .. import demo
from ..settings import ALL_DATABASES
from . import connection_options, settings_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        parents=[connection_options()],
        help="see it work: synthesize audio, submit, import, identify altered copies",
        description="Create fresh demo databases (acoustid_demo_app, acoustid_demo_fingerprint, "
        "acoustid_demo_ingest unless named otherwise) on the configured server, or on the embedded "
        "one when none is configured; synthesize and fingerprint sample audio; submit it; import "
        "it; and identify re-encoded, resampled, trimmed and noisy copies.",
    )
    parser.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    for database in ALL_DATABASES:  # scratch names for all, or a demo would drop the real mirror
        if getattr(args, f"{database}_db") is None and args.dbname is None:
            setattr(args, f"{database}_db", demo.DEMO_NAMES[database])
    settings = settings_from_args(args)
    with tempfile.TemporaryDirectory(prefix="acoustid-demo-") as workdir:
        misses = demo.run_demo(settings, Path(workdir))
    return 0 if misses == 0 else 1
