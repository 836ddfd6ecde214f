"""The [web] and [rate_limiter] sections of the config file."""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from pathlib import Path

import pytest

from acoustid_pg.errors import SettingsError
from acoustid_pg.web.app import Service
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.settings import WebSettings, load_web_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.ini"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    assert load_web_settings(None) == WebSettings()
    assert load_web_settings(tmp_path / "missing.ini") == WebSettings()
    assert WebSettings().host == "127.0.0.1" and WebSettings().limits == RateLimits(100, 10, 4)
    assert (WebSettings().header_timeout, WebSettings().body_timeout, WebSettings().flush_every) == (
        10,
        10,
        60,
    )


def test_every_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """[database]
host = /tmp
[web]
host = 0.0.0.0
port = 9000
workers = 4
threads = 3
redis = unix:///run/redis.sock
trusted_proxies = 127.0.0.1, 10.0.0.0/8
open_lookups = yes
header_timeout = 5
body_timeout = 2.5
flush_every = 0
[rate_limiter]
global = 50
application = 5.5
ip = 2
application.v8pQ6oyB = 20
application.12 = 30
ip.192.0.2.7 = 9
""",
    )
    settings = load_web_settings(path)
    assert (settings.host, settings.port, settings.workers, settings.threads) == ("0.0.0.0", 9000, 4, 3)
    assert settings.redis_url == "unix:///run/redis.sock"
    assert settings.trusted_proxies == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
    )
    assert settings.open_lookups is True
    assert (settings.header_timeout, settings.body_timeout, settings.flush_every) == (5, 2.5, 0)
    assert settings.limits == RateLimits(50, 5.5, 2, {"v8pQ6oyB": 20, "12": 30}, {"192.0.2.7": 9})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[web]\nport = 99999\n", "port"),
        ("[web]\nworkers = many\n", "workers"),
        ("[web]\nthreads = 0\n", "threads"),
        ("[web]\ncolour = blue\n", "colour"),
        ("[web]\ntrusted_proxies = proxy.example\n", "proxy.example"),
        ("[web]\nopen_lookups = perhaps\n", "open_lookups"),
        ("[web]\nheader_timeout = 0\n", "header_timeout"),
        ("[web]\nbody_timeout = inf\n", "body_timeout"),
        ("[web]\nflush_every = -1\n", "flush_every"),
        ("[rate_limiter]\nglobal = -1\n", "global"),
        ("[rate_limiter]\nip = nan\n", "ip"),
        ("[rate_limiter]\nbucket = 3\n", "bucket"),
        ("[rate_limiter]\nip. = 3\n", "ip."),
    ],
)
def test_bad_values_are_named(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(SettingsError, match=named.replace(".", r"\.")):
        load_web_settings(write(tmp_path, text))


def test_a_worker_runs_at_most_threads_driver_calls_at_once() -> None:
    """``threads`` bounds the calls in flight; the rest wait their turn in the worker's queue."""
    service = Service(None, WebSettings(threads=3), None)
    lock = threading.Lock()
    running, most = 0, 0

    def call() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def many() -> None:
        await asyncio.gather(*(service.run(call) for _ in range(12)))
        await service.close()

    asyncio.run(many())
    assert most == 3
