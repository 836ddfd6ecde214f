"""Real clients against the running service: pyacoustid from PyPI (gzip bodies, .N
suffixes) with an import worker, on fpcalc output of synthesized audio; and Picard's
request shapes replayed as Picard sends them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import acoustid
import pytest
import requests

from acoustid_pg import audio, samples
from acoustid_pg.audio import AudioFingerprint
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.support.driver import run_worker
from tests.support.management import Deployment
from tests.support.web import RunningApp
from tests.support.web_fixtures import FP, LENGTH

SETTINGS = WebSettings(limits=RateLimits(1e6, 1e6, 1e6))
APP_KEY = "pyacoustidTest"
USER_KEY = "pyacoustidUser"
PIECES = [("melody", 41), ("speech", 42), ("noise", 43)]
UNKNOWN = ("melody", 51)


@pytest.fixture(scope="module")
def service(web_deployment: Deployment, redis_server: RedisServer) -> Iterator[RunningApp]:
    app = web_deployment.app
    account = app.execute(
        "INSERT INTO account (name, apikey) VALUES ('u', %s) RETURNING id", [USER_KEY]
    ).fetchone()
    assert account is not None
    app.execute(
        "INSERT INTO application (name, apikey, account_id) VALUES ('pyacoustid', %s, %s)",
        [APP_KEY, account[0]],
    )
    with RunningApp(
        lambda: build(web_deployment.client, SETTINGS, redis_server.url, flush_every=0)
    ) as running:
        acoustid.set_base_url(running.url + "/v2")
        try:
            yield running
        finally:
            acoustid.set_base_url("https://api.acoustid.org/v2/")


@pytest.fixture(scope="module")
def audio_files(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[AudioFingerprint, AudioFingerprint]]:
    """Each piece's original and an mp3 copy, through fpcalc; plus an unrelated piece."""
    folder = tmp_path_factory.mktemp("web_audio")

    def make(kind: str, seed: int) -> tuple[AudioFingerprint, AudioFingerprint]:
        source = samples.synthesize(kind, seed, 30, folder / f"{kind}{seed}.wav")
        altered = samples.make_variant(source, "mp3", Path(folder / f"{kind}{seed}.mp3"))
        return audio.fingerprint_file(source), audio.fingerprint_file(altered)

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(lambda p: make(*p), [*PIECES, UNKNOWN]))
    return {f"{k}{s}": fps for (k, s), fps in zip([*PIECES, UNKNOWN], made)}


def mbid_of(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "web-" + name))


def test_pyacoustid_submit_status_and_lookup(
    service: RunningApp,
    web_deployment: Deployment,
    audio_files: dict[str, tuple[AudioFingerprint, AudioFingerprint]],
) -> None:
    known = [f"{k}{s}" for k, s in PIECES]
    items = [
        {
            "fingerprint": audio_files[name][0].compressed,
            "duration": audio_files[name][0].duration,
            "mbid": mbid_of(name),
            "fileformat": "WAV",
            "bitrate": 1411,
        }
        for name in known
    ]
    answer = acoustid.submit(APP_KEY, USER_KEY, items)  # gzip body, fingerprint.0 ... suffixes
    assert answer["status"] == "ok"
    submissions = answer["submissions"]
    assert [s["index"] for s in submissions] == ["0", "1", "2"]
    assert all(s["status"] == "pending" for s in submissions)
    assert (
        acoustid.get_submission_status(APP_KEY, submissions[0]["id"])["submissions"][0]["status"] == "pending"
    )

    run_worker(web_deployment)
    for submission in submissions:
        status = acoustid.get_submission_status(APP_KEY, submission["id"])
        assert status["submissions"][0]["status"] == "imported"
        assert uuid.UUID(status["submissions"][0]["result"]["id"])

    for name in known:
        altered = audio_files[name][1]
        data = acoustid.lookup(APP_KEY, altered.compressed.encode(), altered.duration)
        parsed = list(acoustid.parse_lookup_result(data))
        assert parsed, f"{name}: {data}"
        score, recording_id, title, artist = parsed[0]
        assert recording_id == mbid_of(name) and score > 0.5
        assert (title, artist) == (None, None)  # no MusicBrainz data yet: ids only

    unknown, _ = audio_files[f"{UNKNOWN[0]}{UNKNOWN[1]}"]
    data = acoustid.lookup(APP_KEY, unknown.compressed, unknown.duration)
    assert data == {"results": [], "status": "ok"}
    assert list(acoustid.parse_lookup_result(data)) == []


def test_pyacoustid_sees_errors_as_data(service: RunningApp) -> None:
    data = acoustid.lookup("not-a-key", FP, LENGTH)
    assert data == {"error": {"code": 4, "message": "invalid API key"}, "status": "error"}
    with pytest.raises(acoustid.WebServiceError, match="error 6"):
        acoustid.submit(APP_KEY, "not-a-user", {"fingerprint": FP, "duration": LENGTH, "mbid": mbid_of("x")})


def picard_body(args: dict[str, str]) -> bytes:
    """Picard's _encode_acoustid_args: client, clientversion, format=json, %20 for spaces."""
    args = {**args, "client": APP_KEY, "clientversion": "3.0.0b9", "format": "json"}
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in args.items()).encode()


def picard_post(service: RunningApp, path: str, args: dict[str, str]) -> requests.Response:
    return requests.post(
        service.url + "/v2/" + path,
        data=picard_body(args),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=60,
    )


def test_picard_lookup_shape(service: RunningApp) -> None:
    meta = "recordings releasegroups releases tracks compress sources"
    assert "%20" in picard_body({"meta": meta}).decode()
    response = picard_post(service, "lookup", {"meta": meta, "fingerprint": FP, "duration": str(LENGTH)})
    assert response.status_code == 200
    assert response.json() == {"results": [], "status": "ok"}


def test_picard_submission_batches_and_retry_on_413(service: RunningApp, web_deployment: Deployment) -> None:
    """Picard fills a batch up to an estimated 1,000,000 bytes and, on 413, retries with 70 %."""
    users_args = {"user": USER_KEY}
    item_count = 200  # more than fit in 1 MiB with this fingerprint
    limit = 2_000_000.0  # start above the server's limit to see the 413 and the retry
    sent: list[int] = []
    attempts = 0
    pending = list(range(item_count))
    while pending and attempts < 10:
        attempts += 1
        args = dict(users_args)
        size = 0.0
        batch = []
        for i in pending:
            n = len(batch)
            item = {f"fingerprint.{n}": FP, f"duration.{n}": str(LENGTH), f"mbid.{n}": mbid_of(f"picard{i}")}
            size += sum(len(k) + len(v) + 2 for k, v in item.items()) * 1.03
            if size > limit:
                break
            args.update(item)
            batch.append(i)
        response = picard_post(service, "submit", args)
        if response.status_code == 413:
            assert response.json()["error"]["code"] == 19
            limit *= 0.7
            continue
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        assert len(data["submissions"]) == len(batch)
        sent += batch
        pending = pending[len(batch) :]
    assert sent == list(range(item_count))
    assert attempts >= 3  # at least one 413 and more than one batch
    count = web_deployment.ingest.execute(
        "SELECT count(*) FROM submission WHERE mbid = ANY(%s::uuid[])",
        [[mbid_of(f"picard{i}") for i in range(item_count)]],
    ).fetchone()
    assert count == (item_count,)
