"""Who a command-line submission comes from: given API keys, or a local account.

AcoustID's API takes a client (application) key and a user key. On the command
line both are optional: without them, submissions come from a local account
and application named ``acoustid-pg command line``, made on first use.
"""

from __future__ import annotations

import argparse
import os

from ..api import AcoustID
from ..errors import InvalidArgumentError

LOCAL_NAME = "acoustid-pg command line"


def add_submitter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "submitter (default: $ACOUSTID_CLIENT_KEY and $ACOUSTID_USER_KEY, else a local account and "
        "application; keys in the environment stay out of ps and shell history)"
    )
    group.add_argument(
        "--client-key",
        metavar="KEY",
        default=os.environ.get("ACOUSTID_CLIENT_KEY"),
        help="the application's API key",
    )
    group.add_argument(
        "--user-key", metavar="KEY", default=os.environ.get("ACOUSTID_USER_KEY"), help="the account's API key"
    )


def submitter(client: AcoustID, args: argparse.Namespace) -> tuple[int, int]:
    """(account_id, application_id) for the keys given, or the local pair."""
    if bool(args.client_key) != bool(args.user_key):
        raise InvalidArgumentError("--client-key/--user-key", "give both keys or neither")
    if args.client_key:
        application = client.accounts.validate_application_key(args.client_key)
        account = client.accounts.validate_user_key(args.user_key)
        return account.id, application.id
    return local_submitter(client)


def local_submitter(client: AcoustID) -> tuple[int, int]:
    account, application = client.accounts.local_pair(LOCAL_NAME)
    return account.id, application.id
