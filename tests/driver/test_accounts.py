"""Accounts, applications, API keys and the 60-second cache of valid keys, on real databases."""

from __future__ import annotations

import re
from typing import Any

import pytest

import acoustid_pg
from acoustid_pg.accounts import ApiKeyCaches
from acoustid_pg.api import AcoustID
from acoustid_pg.errors import (
    AcoustidError,
    InactiveApplicationError,
    InvalidApiKeyError,
    InvalidArgumentError,
    NotFoundError,
)
from tests.support.management import Deployment, FakeClock, scalar, server_conninfo

KEY = re.compile(r"[A-Za-z0-9_-]{40}")


def count(deployment: Deployment, table: str) -> int:
    return int(scalar(deployment.app, f"SELECT count(*) FROM {table}"))


def test_accounts_and_applications_get_distinct_random_keys(client: AcoustID) -> None:
    accounts = [client.accounts.create_account(f"user {n}") for n in range(20)]
    applications = [
        client.accounts.create_application(f"app {n}", account_id=accounts[0].id) for n in range(20)
    ]
    keys = [a.apikey for a in accounts] + [a.apikey for a in applications]
    assert all(KEY.fullmatch(key) for key in keys)
    assert len(set(keys)) == 40
    assert applications[0].active and applications[0].account_id == accounts[0].id


def test_repr_never_shows_the_key(client: AcoustID) -> None:
    account = client.accounts.create_account("someone", mbuser="someone_mb", created_from="192.0.2.7")
    application = client.accounts.create_application("player", account_id=account.id, version="1.0")
    assert account.apikey not in repr(account)
    assert application.apikey not in repr(application)
    assert str(account.created_from) == "192.0.2.7"


def test_created_rows_read_back(client: AcoustID) -> None:
    account = client.accounts.create_account("reader")
    application = client.accounts.create_application(
        "tagger", account_id=account.id, email="dev@example.org", website="https://example.org", rate_limit=5
    )
    assert client.accounts.get_account(account.id) == account
    assert client.accounts.get_application(application.id) == application
    assert application.rate_limit == 5


def test_validate_keys(client: AcoustID) -> None:
    account = client.accounts.create_account("validator")
    application = client.accounts.create_application("checker", account_id=account.id)
    assert client.accounts.validate_application_key(application.apikey) == application
    assert client.accounts.validate_user_key(account.apikey) == account
    # Each key is valid only for its own kind.
    with pytest.raises(InvalidApiKeyError):
        client.accounts.validate_user_key(application.apikey)
    with pytest.raises(InvalidApiKeyError):
        client.accounts.validate_application_key(account.apikey)


@pytest.mark.parametrize("key", ["", "x" * 41, "no such key", "abc\x00def"])
def test_unknown_keys_are_refused_without_echoing_them(client: AcoustID, key: str) -> None:
    with pytest.raises(InvalidApiKeyError) as raised:
        client.accounts.validate_application_key(key)
    assert "unknown application API key" in str(raised.value)
    if key:
        assert key not in str(raised.value)
    with pytest.raises(InvalidApiKeyError):
        client.accounts.validate_user_key(key)


def test_a_key_that_is_not_a_string_is_a_bad_argument(client: AcoustID) -> None:
    with pytest.raises(InvalidArgumentError, match="apikey: expected a string"):
        client.accounts.validate_application_key(12345)  # type: ignore[arg-type]


def test_valid_keys_are_served_from_the_cache(client: AcoustID, deployment: Deployment) -> None:
    clock = FakeClock()
    client.accounts.key_cache = ApiKeyCaches(clock=clock)
    account = client.accounts.create_account("cached")
    application = client.accounts.create_application("cached app", account_id=account.id)
    client.accounts.validate_application_key(application.apikey)
    client.accounts.validate_user_key(account.apikey)
    # Gone from the database, still valid here until the TTL passes: no query was made.
    deployment.app.execute("DELETE FROM application WHERE id = %s", [application.id])
    deployment.app.execute("DELETE FROM account WHERE id = %s", [account.id])
    clock.now += 59
    assert client.accounts.validate_application_key(application.apikey).id == application.id
    assert client.accounts.validate_user_key(account.apikey).id == account.id
    clock.now += 1
    with pytest.raises(InvalidApiKeyError):
        client.accounts.validate_application_key(application.apikey)
    with pytest.raises(InvalidApiKeyError):
        client.accounts.validate_user_key(account.apikey)


def test_deactivation_takes_effect_at_once_in_the_same_process(client: AcoustID) -> None:
    account = client.accounts.create_account("owner")
    application = client.accounts.create_application("old app", account_id=account.id)
    client.accounts.validate_application_key(application.apikey)  # now cached
    deactivated = client.accounts.deactivate_application(application.id)
    assert not deactivated.active
    with pytest.raises(
        InactiveApplicationError, match=rf"application {application.id} \('old app'\) is inactive"
    ):
        client.accounts.validate_application_key(application.apikey)
    client.accounts.activate_application(application.id)
    assert client.accounts.validate_application_key(application.apikey).active


def test_deactivation_in_another_process_is_masked_at_most_one_ttl(
    client: AcoustID, deployment: Deployment
) -> None:
    clock = FakeClock()
    client.accounts.key_cache = ApiKeyCaches(clock=clock)
    account = client.accounts.create_account("owner")
    application = client.accounts.create_application("shared app", account_id=account.id)
    client.accounts.validate_application_key(application.apikey)
    with acoustid_pg.connect(server_conninfo(deployment.cluster), **deployment.names) as other:
        other.accounts.deactivate_application(application.id)
        with pytest.raises(InactiveApplicationError):
            other.accounts.validate_application_key(application.apikey)
    clock.now += 30
    assert client.accounts.validate_application_key(application.apikey).active  # the documented staleness
    clock.now += 30
    with pytest.raises(InactiveApplicationError):
        client.accounts.validate_application_key(application.apikey)


def test_inactive_applications_are_never_cached(client: AcoustID) -> None:
    account = client.accounts.create_account("owner")
    application = client.accounts.create_application("paused", account_id=account.id)
    client.accounts.deactivate_application(application.id)
    with pytest.raises(InactiveApplicationError):
        client.accounts.validate_application_key(application.apikey)
    assert len(client.accounts.key_cache.applications) == 0


def test_missing_rows_are_not_found(client: AcoustID, deployment: Deployment) -> None:
    with pytest.raises(NotFoundError, match="account_id: no account 999"):
        client.accounts.get_account(999)
    with pytest.raises(NotFoundError, match="application_id: no application 999"):
        client.accounts.get_application(999)
    with pytest.raises(NotFoundError, match="application_id: no application 999"):
        client.accounts.deactivate_application(999)
    with pytest.raises(NotFoundError, match="account_id: no such account"):
        client.accounts.create_application("orphan", account_id=999)
    with pytest.raises(NotFoundError, match="application_id: no such application"):
        client.accounts.create_account("stray", application_id=999)
    assert count(deployment, "application") == 0
    assert count(deployment, "account") == 0


def test_a_taken_musicbrainz_user_is_refused(client: AcoustID, deployment: Deployment) -> None:
    client.accounts.create_account("first", mbuser="taken")
    with pytest.raises(InvalidArgumentError, match="mbuser: already belongs to another account"):
        client.accounts.create_account("second", mbuser="taken")
    assert count(deployment, "account") == 1


BAD_ACCOUNTS: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "name: must not be empty"),
    ({"name": "   "}, "name: must not be empty"),
    ({"name": 5}, "name: expected a string, got int"),
    ({"name": "n" * 256}, "name: must be at most 255 characters"),
    ({"name": "a\x00b"}, "name: must not contain NUL"),
    ({"name": "ok", "mbuser": "m" * 65}, "mbuser: must be at most 64 characters"),
    ({"name": "ok", "created_from": "999.1.1.1"}, "created_from: '999.1.1.1' is not an IP address"),
    ({"name": "ok", "application_id": 0}, "application_id: must be between 1 and"),
    ({"name": "ok", "application_id": True}, "application_id: expected an integer, got bool"),
    ({"name": "ok", "is_admin": "yes"}, "is_admin: expected True or False"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_ACCOUNTS)
def test_bad_account_arguments(
    client: AcoustID, deployment: Deployment, arguments: dict[str, Any], message: str
) -> None:
    name = arguments.pop("name")
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        client.accounts.create_account(name, **arguments)
    assert count(deployment, "account") == 0


BAD_APPLICATIONS: list[tuple[dict[str, Any], str]] = [
    ({"account_id": "1"}, "account_id: expected an integer, got str"),
    ({"version": 1.0}, "version: expected a string, got float"),
    ({"email": "nobody"}, "email: is not an email address"),
    ({"email": "a b@example.org"}, "email: is not an email address"),
    ({"website": "ftp://example.org"}, "website: must be an http:// or https:// URL"),
    ({"rate_limit": 0}, "rate_limit: must be between 1 and"),
    ({"rate_limit": 2.5}, "rate_limit: expected an integer, got float"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_APPLICATIONS)
def test_bad_application_arguments(
    client: AcoustID, deployment: Deployment, arguments: dict[str, Any], message: str
) -> None:
    account = client.accounts.create_account("owner")
    options = {"account_id": account.id, **arguments}
    with pytest.raises(InvalidArgumentError, match=re.escape(message)) as raised:
        client.accounts.create_application("app", **options)
    assert isinstance(raised.value, AcoustidError) and raised.value.field == message.split(":")[0]
    assert count(deployment, "application") == 0
