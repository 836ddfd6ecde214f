"""The ``acoustid-pg`` command line.

Subcommands live in ``acoustid_pg.commands``, one module per group. Errors the
user can fix are printed as one line on stderr with exit status 1 (2 for
options that do not go together), never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import psycopg

from . import __version__
from .commands import (
    UsageError,
    accounts,
    backfill,
    backup,
    bench,
    bulk_import,
    demo,
    indexes,
    lookup,
    maintenance,
    musicbrainz,
    publish_changes,
    schema,
    serve,
    server,
    status,
    submit,
    tracks,
    worker,
)
from .dberrors import first_line
from .errors import AcoustidError

COMMAND_GROUPS = (
    demo,
    schema,
    status,
    submit,
    lookup,
    worker,
    publish_changes,
    backfill,
    bulk_import,
    musicbrainz,
    tracks,
    maintenance,
    indexes,
    accounts,
    server,
    serve,
    backup,
    bench,
)
PROG = "acoustid-pg"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="The AcoustID fingerprint database on PostgreSQL."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (AcoustidError, psycopg.Error) as exc:
        print(f"{PROG}: error: {first_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
