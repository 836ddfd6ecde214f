"""The web service's settings: ``[web]`` and ``[rate_limiter]`` in acoustid-pg's config file.

::

    [web]
    host = 127.0.0.1
    port = 8080
    workers = 1
    threads = 4                              ; requests a worker runs against the databases at once
    redis = unix:///run/redis/redis.sock     ; else a private redis-server is started
    trusted_proxies = 127.0.0.1, 10.0.0.0/8  ; only these may say X-Forwarded-For
    open_lookups = false                     ; true: any client key may look up (never submit)
    header_timeout = 10                      ; seconds for a request's headers (after connecting,
                                             ; or after the previous answer on a kept-alive connection)
    body_timeout = 10                        ; seconds for a request's body once its headers are in
    flush_every = 60                         ; seconds between moves of lookup counts into PostgreSQL
                                             ; by serve itself; 0 leaves it to `acoustid-pg maintenance`

    [rate_limiter]
    global = 100          ; requests per second, all clients together
    application = 10      ; per application key, by default
    ip = 4                ; per client address, by default
    application.v8pQ6oyB = 50   ; an application (by key or id) with a rate of its own
    ip.192.0.2.7 = 20           ; an address with a rate of its own

Keys in ``[rate_limiter]`` keep their case (API keys are case-sensitive).
"""

from __future__ import annotations

import configparser
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ..errors import SettingsError
from .client_ip import Network, parse_networks
from .ratelimit import RateLimits

WEB: Final = "web"
RATE_LIMITER: Final = "rate_limiter"
WEB_KEYS: Final = (
    "host",
    "port",
    "workers",
    "threads",
    "redis",
    "trusted_proxies",
    "open_lookups",
    "header_timeout",
    "body_timeout",
    "flush_every",
)
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8080


@dataclass(frozen=True)
class WebSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    # Requests one worker runs against the databases at once (its thread pool, and its
    # connections per database). More than the cores can run only adds queueing in the
    # kernel and for the GIL instead of in one FIFO: longer tails, not more lookups.
    threads: int = 4
    redis_url: str | None = None
    trusted_proxies: tuple[Network, ...] = ()
    open_lookups: bool = False
    limits: RateLimits = field(default_factory=RateLimits)
    # Seconds a client may take to send a request's headers: from connecting, and on a kept-alive
    # connection from the previous answer (so also how long an idle connection is kept). Without
    # it a client trickling header bytes (slowloris) holds its connection forever.
    header_timeout: float = 10.0
    body_timeout: float = 10.0  # seconds a client may take to send its request body
    flush_every: float = 60.0  # seconds between serve's own flushes of lookup counts; 0: never


def _rate(path: Path, key: str, value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not math.isfinite(rate) or rate < 0:
        raise SettingsError(
            f"config file {path}: [{RATE_LIMITER}] {key} must be a number >= 0, got {value!r}"
        )
    return rate


def _limits(path: Path, section: dict[str, str]) -> RateLimits:
    defaults = RateLimits()
    rates = {"global": defaults.global_rate, "application": defaults.application_rate, "ip": defaults.ip_rate}
    applications: dict[str, float] = {}
    ips: dict[str, float] = {}
    for key, value in section.items():
        scope, dot, name = key.partition(".")
        if not dot and key in rates:
            rates[key] = _rate(path, key, value)
        elif dot and name and scope == "application":
            applications[name] = _rate(path, key, value)
        elif dot and name and scope == "ip":
            ips[name] = _rate(path, key, value)
        else:
            raise SettingsError(f"config file {path}: unknown key [{RATE_LIMITER}] {key}")
    return RateLimits(rates["global"], rates["application"], rates["ip"], applications, ips)


def _int(path: Path, key: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise SettingsError(f"config file {path}: [{WEB}] {key} must be an integer {low}..{high}")
    return number


def _seconds(path: Path, key: str, value: str, low: float, high: float) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and low <= seconds <= high):
        raise SettingsError(
            f"config file {path}: [{WEB}] {key} must be a number of seconds {low:g}..{high:g}"
        )
    return seconds


def load_web_settings(path: Path | None) -> WebSettings:
    """The settings from ``path`` (the config file acoustid-pg uses), defaults where it is silent."""
    if path is None or not path.exists():
        return WebSettings()
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read(path)
    except configparser.Error as exc:
        raise SettingsError(f"config file {path}: {exc.message}") from exc
    web = dict(parser.items(WEB)) if parser.has_section(WEB) else {}
    unknown = sorted(set(web) - set(WEB_KEYS))
    if unknown:
        raise SettingsError(f"config file {path}: unknown key(s) in [{WEB}]: {', '.join(unknown)}")
    limits = _limits(path, dict(parser.items(RATE_LIMITER))) if parser.has_section(RATE_LIMITER) else None
    try:
        proxies = parse_networks(web.get("trusted_proxies", "").split(","))
    except ValueError as exc:
        raise SettingsError(f"config file {path}: [{WEB}] {exc}") from None
    try:
        open_lookups = parser.getboolean(WEB, "open_lookups", fallback=False)
    except ValueError:
        raise SettingsError(f"config file {path}: [{WEB}] open_lookups must be true or false") from None
    defaults = WebSettings()
    timeouts = {
        key: _seconds(path, key, web[key], low, high) if web.get(key) else getattr(defaults, key)
        for key, low, high in (
            ("header_timeout", 0.1, 3600),
            ("body_timeout", 0.1, 3600),
            ("flush_every", 0, 86400),
        )
    }
    return WebSettings(
        host=web.get("host") or DEFAULT_HOST,
        port=_int(path, "port", web["port"], 0, 65535) if web.get("port") else DEFAULT_PORT,
        workers=_int(path, "workers", web["workers"], 1, 256) if web.get("workers") else 1,
        threads=_int(path, "threads", web["threads"], 1, 256) if web.get("threads") else defaults.threads,
        redis_url=web.get("redis") or None,
        trusted_proxies=proxies,
        open_lookups=open_lookups,
        limits=limits or RateLimits(),
        header_timeout=timeouts["header_timeout"],
        body_timeout=timeouts["body_timeout"],
        flush_every=timeouts["flush_every"],
    )
