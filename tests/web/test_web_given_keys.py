"""Clients with built-in keys (Picard's v8pQ6oyB, beets' 1vOwZtEn): an application can be
registered with a given key, and ``open_lookups`` lets any key look up (never submit)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import redis
import requests

from acoustid_pg.errors import InvalidArgumentError
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.support.management import Deployment, server_conninfo
from tests.support.web import RunningApp
from tests.support.web_fixtures import FP, LENGTH

PICARD_KEY = "v8pQ6oyB"


def test_an_application_with_a_given_key(deployment: Deployment) -> None:
    accounts = deployment.client.accounts
    owner = accounts.create_account("owner")
    app = accounts.create_application("Picard", account_id=owner.id, apikey=PICARD_KEY)
    assert app.apikey == PICARD_KEY
    assert accounts.validate_application_key(PICARD_KEY).id == app.id
    with pytest.raises(InvalidArgumentError, match="apikey: already belongs"):
        accounts.create_application("again", account_id=owner.id, apikey=PICARD_KEY)
    with pytest.raises(InvalidArgumentError, match="apikey"):
        accounts.create_application("spaces", account_id=owner.id, apikey=" x ")


def test_apps_create_apikey_on_the_command_line(deployment: Deployment) -> None:
    owner = deployment.client.accounts.create_account("owner")
    names = deployment.names
    command = [sys.executable, "-m", "acoustid_pg.cli", "apps", "create", "beets", "--account", str(owner.id)]
    command += [
        "--apikey",
        "1vOwZtEn",
        "--dsn",
        server_conninfo(deployment.cluster),
        "--app-db",
        names["app"],
    ]
    command += ["--fingerprint-db", names["fingerprint"], "--ingest-db", names["ingest"]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "1vOwZtEn" in result.stdout
    again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already belongs" in again.stderr and "Traceback" not in again.stderr


def test_open_lookups_accept_any_key_for_lookups_only(
    deployment: Deployment, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    settings = WebSettings(limits=RateLimits(1e6, 1e6, 1e6), open_lookups=True)
    with RunningApp(lambda: build(deployment.client, settings, redis_server.url, flush_every=0)) as running:
        lookup = requests.post(
            running.url + "/v2/lookup",
            data={"client": PICARD_KEY, "fingerprint": FP, "duration": LENGTH},
            timeout=30,
        )
        submit = requests.post(
            running.url + "/v2/submit",
            data={"client": PICARD_KEY, "user": "u", "fingerprint": FP, "duration": LENGTH},
            timeout=30,
        )
    assert lookup.json() == {"results": [], "status": "ok"}
    assert submit.status_code == 400 and submit.json()["error"]["code"] == 4
    # An unknown key has no application bucket: only the global and per-address ones count it.
    assert not any(key.startswith(b"rl:bucket:app:") for key in redis_client.keys("rl:*"))
    assert any(key.startswith(b"rl:bucket:ip:") for key in redis_client.keys("rl:*"))
