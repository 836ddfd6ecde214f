"""The web service's cost: HTTP lookups per second and p50/p99 latency with 1, 4 and 16
concurrent clients against ``acoustid-pg serve`` (a real subprocess, 2 workers, a real
Redis), beside the driver's own latency for the same queries (the HTTP layer's cost);
then the rate limiter's decisions per second against Redis and its exactness (where the
first refusal falls against the configured limit).
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from acoustid_pg.apikeys import apikey_hash
from acoustid_pg.cluster import Cluster
from acoustid_pg.fingerprint import encode_fingerprint
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import RateLimiter, RateLimits
from acoustid_pg.web.redis_health import RedisHealth, connect_redis

from . import library
from .lookup import ms, percentile, queries
from .report import print_table

CLIENTS = (1, 4, 16)
REQUESTS = 1000  # per concurrency level
WORKERS = 2
THREADS = 2
APP_KEY = "benchWebKey"
DECISIONS = 20_000
EXACTNESS_RATES = (0.5, 1, 4, 10, 100)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_service(lib: library.Library, redis_url: str, port: int, folder: Path) -> subprocess.Popen[str]:
    config = folder / "config.ini"
    # Two workers of two threads: as many lookups at once as the two cores can run (README,
    # "Run your own AcoustID web service"); the default, 4, leaves room for slow requests.
    config.write_text(
        f"[web]\nthreads = {THREADS}\n"
        "[database]\n[rate_limiter]\nglobal = 1000000\napplication = 1000000\nip = 1000000\n"
    )
    names = lib.names
    command = [sys.executable, "-m", "acoustid_pg.cli", "serve", "--config", str(config)]
    command += ["--dsn", lib.cluster.conninfo().replace(" dbname=postgres", "")]
    command += [
        "--app-db",
        names["app"],
        "--fingerprint-db",
        names["fingerprint"],
        "--ingest-db",
        names["ingest"],
    ]
    command += ["--port", str(port), "--workers", str(WORKERS), "--redis", redis_url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("serving"):
        process.kill()
        raise RuntimeError(f"serve did not start: {line} {process.stderr.read() if process.stderr else ''}")
    return process


async def _http(url: str, forms: list[dict[str, str]], clients: int) -> tuple[float, list[float]]:
    """Wall time and per-request latencies of ``forms`` posted by ``clients`` concurrent clients.

    Each client is one kept-alive connection writing prepared request bytes and reading the
    answer by its Content-Length, as a load generator like wrk does: percent-encoding a 2.5 kB
    fingerprint string and a full HTTP client's bookkeeping are the generator's work, not the
    service's, and on two shared cores they would also take CPU from the service.
    """
    parsed = urlsplit(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    requests = [_request(parsed.path, f"{host}:{port}", urlencode(form).encode()) for form in forms]
    latencies: list[float] = []
    position = 0

    async def client(warm_up: list[bytes] | None = None) -> None:
        nonlocal position
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in warm_up or []:
                await _exchange(reader, writer, request)
            while warm_up is None and position < len(requests):
                request = requests[position]
                position += 1
                started = time.perf_counter()
                await _exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    await asyncio.gather(*(client(requests[:10]) for _ in range(2)))  # every worker answered once
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, latencies


def _request(path: str, host: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
    """Send one request and read its whole answer; anything but an ``ok`` answer stops the bench."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    answer = json.loads(await reader.readexactly(length))
    if not head.startswith(b"HTTP/1.1 200") or answer.get("status") != "ok":
        raise RuntimeError(f"the service answered {head[:40]!r}: {answer}")


async def _limiter(redis_url: str) -> tuple[float, int]:
    """Decisions per second (16 concurrent callers), and the worst distance between the first
    refusal and the configured limit over several rates."""
    client = connect_redis(redis_url)
    try:
        limiter = RateLimiter(client, RateLimits(1e9, 1e9, 1e9), RedisHealth())
        done = 0

        async def caller(n: int) -> None:
            nonlocal done
            while done < DECISIONS:
                done += 1
                await limiter.check(app_key="bench", app_id=1, ip=f"10.0.{n}.1")

        started = time.perf_counter()
        await asyncio.gather(*(caller(n) for n in range(16)))
        per_second = DECISIONS / (time.perf_counter() - started)
        worst = 0
        for rate in EXACTNESS_RATES:
            exact = RateLimiter(client, RateLimits(1e9, 1e9, rate), RedisHealth(), clock=lambda: 1e9 + 1)
            ip = f"192.0.2.{EXACTNESS_RATES.index(rate)}"
            allowed = 0
            while (await exact.check(app_key=None, app_id=None, ip=ip)).allowed:
                allowed += 1
            worst = max(worst, abs(allowed - int(rate * 20)))
        return per_second, worst
    finally:
        await client.aclose()


def run(cluster: Cluster, size: int) -> None:
    lib = library.build(cluster, size)
    sample = queries(size)
    strings = [(encode_fingerprint(items), duration) for items, duration, _ in sample]
    with lib.connect("app") as conn:
        # The tables hold keys' SHA-256 only (apikeys.apikey_hash).
        conn.execute("DELETE FROM application WHERE apikey_hash = %s", [apikey_hash(APP_KEY)])
        account = conn.execute(
            "INSERT INTO account (name, apikey_hash) VALUES ('bench', %s) "
            "ON CONFLICT (apikey_hash) DO UPDATE SET name = 'bench' RETURNING id",
            [apikey_hash("benchUser")],
        ).fetchone()
        assert account is not None
        conn.execute("INSERT INTO application (name, apikey_hash, account_id) VALUES ('bench', %s, %s)",
                     [apikey_hash(APP_KEY), account[0]])  # fmt: skip
    with lib.client(min_size=1, max_size=2) as client:
        for fp, duration in strings[:100]:
            client.lookup(fp, duration)
        sql_times = []
        for fp, duration in strings[:REQUESTS]:
            started = time.perf_counter()
            client.lookup(fp, duration, max_results=10)
            sql_times.append(time.perf_counter() - started)
    forms = [{"client": APP_KEY, "fingerprint": fp, "duration": str(d)} for fp, d in strings]
    rows = [
        [
            "driver lookup (same queries, one at a time)",
            "",
            f"{ms(sql_times, 0.5)} / {ms(sql_times, 0.99)} ms",
            "",
        ]
    ]
    with (
        tempfile.TemporaryDirectory(prefix="acoustid-bench-web-") as folder,
        RedisServer.temporary() as redis,
    ):
        port = _free_port()
        service = _start_service(lib, redis.url, port, Path(folder))
        try:
            url = f"http://127.0.0.1:{port}/v2/lookup"
            http_p50_single = 0.0
            for clients in CLIENTS:
                wall, latencies = asyncio.run(_http(url, forms[:REQUESTS], clients))
                if clients == 1:
                    http_p50_single = percentile(latencies, 0.5)
                rows.append([
                    f"HTTP lookups, {clients} concurrent client(s), {WORKERS} workers x {THREADS} threads",
                    f"{len(latencies) / wall:,.0f} lookups/s",
                    f"{ms(latencies, 0.5)} / {ms(latencies, 0.99)} ms",
                    "",
                ])  # fmt: skip

            overhead = (http_p50_single - percentile(sql_times, 0.5)) * 1000
            rows.append(
                ["HTTP layer's own cost at p50 (1 client minus driver)", f"{overhead:.2f} ms", "", ""]
            )
        finally:
            service.terminate()
            service.wait(30)
        decisions, worst = asyncio.run(_limiter(redis.url))
    rows.append(["rate limiter decisions (16 concurrent, real Redis)", f"{decisions:,.0f} /s", "", ""])
    rows.append([
        "rate limiter exactness: first refusal vs limit",
        f"±{worst} request(s)",
        "",
        f"rates {', '.join(str(r) for r in EXACTNESS_RATES)}/s",
    ])  # fmt: skip
    print_table(
        f"Web service, {size:,} synthetic fingerprints, {REQUESTS} lookups per level",
        ["figure", "value", "p50 / p99", "detail"],
        rows,
    )


def main(cluster: Cluster) -> None:
    run(cluster, 100_000)


def main_small(cluster: Cluster) -> None:
    run(cluster, 20_000)
