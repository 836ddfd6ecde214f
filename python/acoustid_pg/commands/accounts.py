"""``acoustid-pg accounts`` and ``acoustid-pg apps``: accounts, applications, API keys."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..accounts import Account, Application
from . import client_from_args, connection_options


def register(subparsers: Any) -> None:
    accounts = subparsers.add_parser("accounts", help="create or show accounts (user API keys)")
    actions = accounts.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", parents=[connection_options()], help="create an account")
    create.add_argument("name")
    create.add_argument("--mbuser", help="MusicBrainz user name")
    create.add_argument("--admin", action="store_true", help="an administrator")
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(run=run_create_account)
    show = actions.add_parser("show", parents=[connection_options()], help="show an account")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(run=run_show_account)

    apps = subparsers.add_parser("apps", help="create, show, deactivate or activate applications")
    actions = apps.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", parents=[connection_options()], help="create an application")
    create.add_argument("name")
    create.add_argument("--account", type=int, required=True, help="the owning account's id")
    create.add_argument("--version", help="application version")
    create.add_argument("--email", help="contact address")
    create.add_argument("--website", help="web site")
    create.add_argument(
        "--apikey", help="use this client key (e.g. a client's built-in one) instead of a new one"
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(run=run_create_app)
    for action, function in (
        ("show", run_show_app),
        ("deactivate", run_deactivate),
        ("activate", run_activate),
    ):
        parser = actions.add_parser(action, parents=[connection_options()], help=f"{action} an application")
        parser.add_argument("id", type=int)
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.set_defaults(run=function)


def _fields(record: Account | Application, show_key: bool) -> dict[str, Any]:
    fields = {k: v if isinstance(v, (int, bool, type(None))) else str(v) for k, v in vars(record).items()}
    if not show_key:
        fields.pop("apikey")  # a key is shown once, when it is made
    return fields


def _print(record: Account | Application, args: argparse.Namespace, show_key: bool) -> int:
    fields = _fields(record, show_key)
    if args.json:
        print(json.dumps(fields, indent=2))
    else:
        for key, value in fields.items():
            print(f"{key:<20} {value if value is not None else '-'}")
    return 0


def run_create_account(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        account = client.accounts.create_account(args.name, mbuser=args.mbuser, is_admin=args.admin)
    return _print(account, args, show_key=True)


def run_show_account(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        return _print(client.accounts.get_account(args.id), args, show_key=False)


def run_create_app(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        application = client.accounts.create_application(
            args.name,
            account_id=args.account,
            version=args.version,
            email=args.email,
            website=args.website,
            apikey=args.apikey,
        )
    return _print(application, args, show_key=True)


def run_show_app(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        return _print(client.accounts.get_application(args.id), args, show_key=False)


def run_deactivate(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        return _print(client.accounts.deactivate_application(args.id), args, show_key=False)


def run_activate(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        return _print(client.accounts.activate_application(args.id), args, show_key=False)
