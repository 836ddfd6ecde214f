"""``acoustid-pg server start|stop|status``: the embedded PostgreSQL server, its Redis and (with
``--with-nats``) its NATS server."""

from __future__ import annotations

import argparse
from typing import Any

from .. import embedded, embedded_nats, embedded_redis


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "server",
        help="start, stop or inspect the embedded PostgreSQL server (and Redis, for serve)",
        description="The embedded server is a PostgreSQL cluster that acoustid-pg creates and runs "
        "itself in $ACOUSTID_PG_DATA (default ~/.local/share/acoustid-pg, or /var/lib/acoustid-pg "
        "for root). Commands use it whenever no server is configured. A private redis-server (for "
        "acoustid-pg serve) is started and stopped with it, on a unix socket in the same directory; with "
        "--with-nats, a private nats-server (JetStream, on 127.0.0.1) too, which commands using the embedded "
        "server then use for submissions and the fpindex stream.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="create the cluster if needed and start it")
    start.add_argument(
        "--with-nats", action="store_true", help="also start a private nats-server (JetStream) on 127.0.0.1"
    )
    start.set_defaults(run=run_start)
    actions.add_parser("stop", help="stop the cluster (its data stays)").set_defaults(run=run_stop)
    actions.add_parser("status", help="say where the cluster is and whether it runs").set_defaults(
        run=run_status
    )


def run_start(args: argparse.Namespace) -> int:
    cluster = embedded.ensure_running()
    print(f"embedded server running: host={cluster.socket_dir} (data in {cluster.data_dir})")
    redis = embedded_redis.ensure_running()
    print(f"embedded redis running: {redis.url}")
    if args.with_nats:
        nats = embedded_nats.embedded_nats().start()
        print(f"embedded nats running: {nats.url} (JetStream store in {nats.store_dir})")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    nats = embedded_nats.embedded_nats()
    if nats.pid() is not None:
        nats.stop()
        print("embedded nats stopped")
    redis = embedded_redis.embedded_redis()
    if redis.running():
        redis.stop()
        print("embedded redis stopped")
    cluster = embedded.embedded_cluster()
    if not cluster.initialized() or not cluster.running():
        print("embedded server is not running")
        return 0
    cluster.stop()
    print("embedded server stopped")
    return 0


def run_status(args: argparse.Namespace) -> int:
    cluster = embedded.embedded_cluster()
    if not cluster.initialized():
        print(f"embedded server: not created yet (would live in {cluster.base_dir})")
        return 3
    state = "running" if cluster.running() else "stopped"
    print(f"embedded server: {state}; data in {cluster.data_dir}; socket directory {cluster.socket_dir}")
    redis = embedded_redis.embedded_redis()
    print(f"embedded redis: {'running' if redis.running() else 'stopped'} ({redis.url})")
    nats_url = embedded_nats.running_url()
    if nats_url is not None:
        print(f"embedded nats: running ({nats_url})")
    return 0 if state == "running" else 3
