"""``acoustid-pg serve``: the AcoustID ``/v2`` web service (see acoustid_pg.web.launch)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import config
from . import UsageError, connection_options, messaging_from_args, settings_from_args

if TYPE_CHECKING:
    from ..web.launch import FirstKeys


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=[connection_options()],
        conflict_handler="resolve",  # --host and --port here are the web server's
        help="run the AcoustID web service (/v2 API: Picard, beets, pyacoustid)",
        description="Serve the AcoustID /v2 API over HTTP. Settings come from flags, then the config "
        "file's [web] and [rate_limiter] sections. Without --redis or [web] redis, a private "
        "redis-server is started in the data directory and stopped on exit. The database server "
        "comes from --dsn, libpq's environment or the config file (--host/--port are the web server's).",
    )
    parser.add_argument("--host", dest="listen_host", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", dest="listen_port", type=int, help="port to listen on (8080)")
    parser.add_argument("--workers", type=int, help="worker processes sharing the port (1)")
    parser.add_argument("--redis", metavar="URL", help="Redis URL, e.g. redis://host:6379/0 or unix:///path")
    parser.add_argument(
        "--nats",
        metavar="URL",
        help="announce each committed submission on this NATS server's submissions stream, for "
        "`worker --nats` (else $ACOUSTID_PG_NATS, else the config file's [messaging] nats); "
        "a submit never fails because NATS is down: the workers' sweep imports it",
    )
    parser.add_argument(
        "--open-lookups",
        action="store_true",
        default=None,
        help="accept any client key for lookups (rate-limited per address), never for submissions",
    )
    parser.set_defaults(run=run_serve)


def _print_first_keys(keys: FirstKeys) -> None:
    print("This deployment had no application yet; made one. Keep these keys, they are shown once:")
    print(f"  client (application) key: {keys.application_key}")
    print(f"  user (account) key:       {keys.user_key}")


def run_serve(args: argparse.Namespace) -> int:
    if args.workers is not None and not 1 <= args.workers <= 256:
        raise UsageError("--workers must be between 1 and 256")
    if args.listen_port is not None and not 0 <= args.listen_port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    from ..web import launch  # aiohttp and redis load only for this command

    path = config.load_config(args.config).path
    web = launch.web_settings(
        Path(path) if path else None,
        host=args.listen_host,
        port=args.listen_port,
        workers=args.workers,
        redis_url=args.redis,
        open_lookups=args.open_lookups,
    )
    args.host = args.port = None  # the database server comes from --dsn, the environment or the file
    database = settings_from_args(args)
    messaging = messaging_from_args(args, nats=args.nats)
    return launch.serve(
        database,
        web,
        nats_url=messaging.nats_url,
        announce=lambda where: print(f"serving the AcoustID API on {where}", flush=True),
        on_first_keys=_print_first_keys,
    )
