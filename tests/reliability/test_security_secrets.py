"""Secrets: API keys are random (distinct, uniform over the key alphabet, no shared prefixes),
compared in constant time, refused once their application is inactive, and never logged, shown
by repr or echoed in errors; neither are database passwords."""

from __future__ import annotations

import collections
import hmac
import logging
from collections.abc import Iterator

import pytest

import acoustid_pg
from acoustid_pg import apikeys
from acoustid_pg.errors import (
    AcoustidError,
    InactiveApplicationError,
    InvalidApiKeyError,
    InvalidArgumentError,
)
from tests.support.management import Deployment, server_conninfo
from tests.support.own_cluster import own_deployment
from tests.support.reliability import submissions

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
KEYS = 600  # of each kind


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with own_deployment() as deployed:
        yield deployed


@pytest.fixture(scope="module")
def keys(deployment: Deployment) -> list[str]:
    client = deployment.client
    accounts = [client.accounts.create_account(f"user {n}") for n in range(KEYS)]
    applications = [
        client.accounts.create_application(f"app {n}", account_id=accounts[n].id) for n in range(KEYS)
    ]
    return [a.apikey for a in accounts] + [a.apikey for a in applications]


def test_keys_are_distinct_and_uniform_over_the_alphabet(keys: list[str]) -> None:
    assert len(set(keys)) == len(keys) == 2 * KEYS
    assert all(len(key) == 40 and set(key) <= set(ALPHABET) for key in keys)
    # 30 random bytes are 40 base64 characters of 6 uniform bits each: every position and the
    # whole of them look uniform (chi-square, 63 degrees of freedom; p < 1e-6 above 130).
    counts = collections.Counter("".join(keys))
    expected = len(keys) * 40 / 64
    chi_square = sum((counts[c] - expected) ** 2 / expected for c in ALPHABET)
    assert chi_square < 130, chi_square
    for position in (0, 17, 39):
        column = collections.Counter(key[position] for key in keys)
        assert len(column) > 55  # 1,200 draws from 64 symbols miss none but by a fluke
    # No two keys share a long prefix (a counter or a clock would make them).
    ordered = sorted(keys)
    assert all(a[:6] != b[:6] for a, b in zip(ordered, ordered[1:]))


def test_a_cached_key_is_compared_in_constant_time(
    deployment: Deployment, keys: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(apikeys.hmac, "compare_digest", spy)
    client = deployment.client
    key = keys[KEYS]  # an application's
    client.accounts.validate_application_key(key)
    client.accounts.validate_application_key(key)  # from the cache: the stored key is compared, not ==
    assert (key.encode(), key.encode()) in compared
    # And the cache is keyed by a digest, so a lookup never compares the secrets themselves.
    with open(apikeys.__file__) as module:
        source = module.read()
    assert "hashlib.sha256" in source and "hmac.compare_digest" in source


def test_an_inactive_applications_key_and_submissions_are_refused(deployment: Deployment) -> None:
    client = deployment.client
    account = client.accounts.create_account("owner")
    application = client.accounts.create_application("to be paused", account_id=account.id)
    client.accounts.validate_application_key(application.apikey)
    client.accounts.deactivate_application(application.id)
    with pytest.raises(InactiveApplicationError) as refused:
        client.accounts.validate_application_key(application.apikey)
    assert application.apikey not in str(refused.value)
    with (
        acoustid_pg.connect(server_conninfo(deployment.cluster)) as fresh,
        pytest.raises(InactiveApplicationError),
    ):
        fresh.accounts.validate_application_key(application.apikey)
    submitter = type("Submitter", (), {"account_id": account.id, "application_id": application.id})
    with pytest.raises(InvalidArgumentError, match="inactive"):
        client.submit_many(submissions(submitter, 1, 1))  # type: ignore[arg-type]


def test_no_secret_in_logs_reprs_or_errors(
    deployment: Deployment, keys: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    password = "pa55-word-that-must-not-show"
    for logger in ("", "psycopg", "psycopg.pool", "acoustid_pg"):  # psycopg is quiet by default
        caplog.set_level(logging.DEBUG, logger=logger)
    secrets = [password]
    with acoustid_pg.connect(f"{server_conninfo(deployment.cluster)} password={password}") as client:
        account = client.accounts.create_account("logged")
        application = client.accounts.create_application("logged app", account_id=account.id)
        secrets += [account.apikey, application.apikey]
        assert client.accounts.validate_user_key(account.apikey).id == account.id
        assert client.accounts.validate_application_key(application.apikey).id == application.id
        client.accounts.deactivate_application(application.id)
        errors: list[AcoustidError] = []
        for attempt in (application.apikey, account.apikey + "x", keys[0][::-1]):
            with pytest.raises(InvalidApiKeyError) as refused:
                client.accounts.validate_application_key(attempt)
            errors.append(refused.value)
            secrets.append(attempt)
        shown = [repr(client.settings), repr(account), repr(application), str(account), str(application)]
        shown += [str(error) for error in errors] + [repr(error) for error in errors]
    logged = [record.getMessage() for record in caplog.records]
    logged += [repr(record.args) for record in caplog.records]
    assert any("psycopg" in record.name for record in caplog.records)  # the capture saw the driver
    for secret in secrets:
        assert not [text for text in shown + logged if secret in text], secret
    # The server's log (default settings: no statement logging) has none either.
    server_log = deployment.cluster.log_file.read_text()
    assert not [secret for secret in secrets[1:] if secret in server_log]
