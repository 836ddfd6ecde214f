"""API keys are stored as SHA-256 digests made by the driver: after creation no table, server log
line (``log_statement = all``), repr or error holds a key; a key is shown once; keys stored in
plain text before migration app/0004 keep working after it; and a wrong key that shares a prefix
with a real one takes exactly the path of any other wrong key."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import psycopg
import pytest

import acoustid_pg
from acoustid_pg import migrate
from acoustid_pg.apikeys import apikey_hash, new_apikey
from acoustid_pg.cluster import pg_bindir
from acoustid_pg.errors import InvalidApiKeyError
from tests.support.management import Deployment, server_conninfo
from tests.support.own_cluster import own_deployment


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with own_deployment(log_statement="all") as deployed:
        yield deployed


def server_log(deployment: Deployment) -> str:
    return deployment.cluster.log_file.read_text(errors="replace")


def table_data(deployment: Deployment, dbname: str) -> str:
    """Every row of every table of ``dbname``, as pg_dump writes them."""
    dump = [str(pg_bindir() / "pg_dump"), "--data-only", "-d", dbname]
    return subprocess.run(
        dump, env=deployment.cluster.env(), capture_output=True, text=True, check=True
    ).stdout


def test_no_table_log_line_repr_or_error_holds_a_key(deployment: Deployment) -> None:
    client = deployment.client
    account = client.accounts.create_account("hashed")
    application = client.accounts.create_application("hashed app", account_id=account.id)
    assert account.apikey is not None and application.apikey is not None
    keys = [account.apikey, application.apikey]
    assert client.accounts.validate_user_key(account.apikey).id == account.id
    assert client.accounts.validate_application_key(application.apikey).id == application.id
    client.accounts.deactivate_application(application.id)
    shown = [repr(account), str(account), repr(application), str(application)]
    for attempt in (application.apikey, account.apikey[:-1], new_apikey()):
        with pytest.raises(InvalidApiKeyError) as refused:
            client.accounts.validate_application_key(attempt)
        shown += [str(refused.value), repr(refused.value)]
        keys.append(attempt)
    client.accounts.activate_application(application.id)

    log = server_log(deployment)
    data = table_data(deployment, deployment.names["app"])
    for key in keys:
        assert key not in log and key not in data, key
        assert not [text for text in shown if key in text], key
    # What the server did see, and stores: the digest (so the log above really holds the statements).
    assert apikey_hash(application.apikey).hex() in log
    assert apikey_hash(application.apikey).hex() in data
    stored = deployment.app.execute("SELECT apikey_hash FROM account WHERE id = %s", [account.id]).fetchone()
    assert stored is not None and bytes(stored[0]) == apikey_hash(account.apikey)


def test_a_key_is_shown_once(deployment: Deployment) -> None:
    client = deployment.client
    account = client.accounts.create_account("once")
    application = client.accounts.create_application("once app", account_id=account.id)
    assert account.apikey and application.apikey  # the creator gets them ...
    # ... and no later read does, though it is the same row.
    for read in (
        client.accounts.get_account(account.id),
        client.accounts.validate_user_key(account.apikey),
        client.accounts.get_application(application.id),
        client.accounts.validate_application_key(application.apikey),
        client.accounts.deactivate_application(application.id),
    ):
        assert read.apikey is None
        assert read.id in (account.id, application.id)
    assert client.accounts.get_account(account.id) == account  # the key is not part of equality


def test_the_cache_keys_on_the_digest(deployment: Deployment) -> None:
    client = deployment.client
    account = client.accounts.create_account("cached")
    assert account.apikey is not None
    client.accounts.validate_user_key(account.apikey)
    digests = client.accounts.key_cache.accounts.digests()
    assert apikey_hash(account.apikey) in digests
    assert all(isinstance(d, bytes) and len(d) == 32 for d in digests)


STATEMENT = re.compile(r"LOG:  (?:statement|execute [^:]*): (.*)")
PARAMETERS = re.compile(r"DETAIL:  [Pp]arameters: (.*)")


def statements_for(deployment: Deployment, attempt: str) -> tuple[list[str], str]:
    """The statements the server ran while ``attempt`` was refused (each digest parameter replaced
    by its length), and the error the driver raised."""
    before = len(server_log(deployment))
    with pytest.raises(InvalidApiKeyError) as refused:
        deployment.client.accounts.validate_application_key(attempt)
    new = server_log(deployment)[before:].splitlines()
    ran = []
    for line in new:
        statement, parameters = STATEMENT.search(line), PARAMETERS.search(line)
        if statement:
            ran.append(statement.group(1))
        elif parameters:
            ran.append(
                re.sub(r"'\\x([0-9a-f]*)'", lambda m: f"<{len(m.group(1)) // 2} bytes>", parameters.group(1))
            )
    return ran, str(refused.value)


def test_a_wrong_key_sharing_a_prefix_takes_the_path_of_any_wrong_key(deployment: Deployment) -> None:
    client = deployment.client
    account = client.accounts.create_account("prefix")
    application = client.accounts.create_application("prefix app", account_id=account.id)
    key = application.apikey
    assert key is not None
    last = "A" if key[-1] != "A" else "B"
    near_misses = [key[:-1] + last, key[:20] + new_apikey()[20:], key[:-1], "x" + key[1:]]
    strangers = [new_apikey(), new_apikey()[:30]]
    paths = {attempt: statements_for(deployment, attempt) for attempt in near_misses + strangers}
    expected = paths[strangers[0]]
    # One lookup by a 32-byte digest, nothing else: the same text, parameters and error for all.
    assert expected[0] and any("apikey_hash = $1" in line for line in expected[0]), expected
    assert "<32 bytes>" in " ".join(expected[0])
    for attempt, path in paths.items():
        assert path == expected, attempt
    assert client.accounts.validate_application_key(key).id == application.id
    assert len(client.accounts.key_cache.applications.digests()) >= 1


def test_keys_stored_in_plain_text_keep_working_after_migration(deployment: Deployment) -> None:
    """An app database at 0003 (keys in plain text, as pgcrypto made them or as an older AcoustID
    server stored them) migrated to 0004: every key validates, no key is left in a table."""
    name = "app_keys_0003"
    cluster = deployment.cluster
    with psycopg.connect(cluster.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    old_keys = [new_apikey() for _ in range(5)] + ["short-old-key", "üñí-cöde key"]
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        assert migrate.upgrade(conn, "app", 3) == 3
        for n, key in enumerate(old_keys):
            account = conn.execute(
                "INSERT INTO account (name, apikey) VALUES (%s, %s) RETURNING id", [f"old {n}", key]
            ).fetchone()
            assert account is not None
            conn.execute(
                "INSERT INTO application (name, apikey, account_id) VALUES (%s, %s, %s)",
                [f"old {n}", key[::-1], account[0]],
            )
        assert migrate.upgrade(conn, "app") >= 4
    data = table_data(deployment, name)
    assert not [key for key in old_keys if key in data or key[::-1] in data]
    with acoustid_pg.connect(server_conninfo(cluster), app=name) as client:
        for n, key in enumerate(old_keys):
            assert client.accounts.validate_user_key(key).name == f"old {n}"
            assert client.accounts.validate_application_key(key[::-1]).name == f"old {n}"
            with pytest.raises(InvalidApiKeyError):
                client.accounts.validate_application_key(key)
        # New keys are made the new way in the migrated database too.
        fresh = client.accounts.create_account("new")
        assert fresh.apikey is not None and client.accounts.validate_user_key(fresh.apikey).id == fresh.id
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        # Going down cannot bring keys back: the old ones stop working, and that is said in the step.
        migrate.downgrade(conn, "app", 3)
        stored = {row[0] for row in conn.execute("SELECT apikey FROM account").fetchall()}
        assert stored.isdisjoint(old_keys) and len(stored) == len(old_keys) + 1
