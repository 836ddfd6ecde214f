"""The endpoints beyond AcoustID's own tests: batches, track ids through merges, metadata
shapes, submission status through a real import, track listings, fingerprints, health,
the rate limiter over HTTP and a database that is down."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import acoustid
import pytest
import redis
import requests

import acoustid_pg
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.support.driver import run_worker
from tests.support.management import Deployment, scalar, server_conninfo
from tests.support.web import RunningApp
from tests.support.web_fixtures import ENABLED_MBID, FP, LENGTH, TRACK_GIDS, add_fingerprint, load_fixture

UNLIMITED = WebSettings(limits=RateLimits(1e6, 1e6, 1e6))
MBID = "b9c05616-1874-4d5d-b30e-6b959c922d28"
PUID = "5ec3ac2e-0d9b-4bd3-b0a7-bb5f3bb8c3a0"


@pytest.fixture(scope="module")
def server(web_deployment: Deployment, redis_server: RedisServer) -> Iterator[RunningApp]:
    with RunningApp(
        lambda: build(web_deployment.client, UNLIMITED, redis_server.url, flush_every=0)
    ) as running:
        yield running


@pytest.fixture
def ids(web_db: Deployment, redis_client: redis.Redis) -> dict[str, int]:
    return load_fixture(web_db)


def post(server: RunningApp, path: str, form: Any, status: int = 200) -> dict[str, Any]:
    response = requests.post(server.url + path, data=form, timeout=60)
    assert response.status_code == status, response.text
    return dict(response.json())


def test_batch_lookup_mixes_fingerprints_and_track_ids(
    server: RunningApp, ids: dict[str, int], web_db: Deployment
) -> None:
    add_fingerprint(web_db, ids["track1"])
    form = {
        "client": "app1key",
        "batch": "1",
        "meta": "recordingids sources",
        "fingerprint.0": FP,
        "duration.0": str(LENGTH),
        "trackid.1": TRACK_GIDS[1],
        "trackid.2": "00000000-0000-4000-8000-000000000000",
        "fingerprint.3": "...",  # a bad query among good ones is dropped
        "duration.3": "10",
    }
    data = post(server, "/v2/lookup", form)
    assert data == {
        "status": "ok",
        "fingerprints": [
            {
                "index": 0,
                "results": [
                    {"id": TRACK_GIDS[0], "score": 1.0, "recordings": [{"id": ENABLED_MBID, "sources": 1}]}
                ],
            },
            {"index": 1, "results": [{"id": TRACK_GIDS[1], "score": 1.0}]},
            {"index": 2, "results": []},
        ],
    }
    # Without batch only the first query is answered.
    assert post(server, "/v2/lookup", {**form, "batch": "0"})["results"][0]["id"] == TRACK_GIDS[0]


def test_batch_limits_are_error_19(server: RunningApp, ids: dict[str, int]) -> None:
    fingerprints = {"client": "app1key", "batch": "1"}
    for n in range(21):
        fingerprints.update({f"fingerprint.{n}": FP, f"duration.{n}": str(LENGTH)})
    assert post(server, "/v2/lookup", fingerprints, 413)["error"]["code"] == 19
    tracks = {"client": "app1key", "batch": "1", **{f"trackid.{n}": TRACK_GIDS[0] for n in range(101)}}
    assert post(server, "/v2/lookup", tracks, 413)["error"]["code"] == 19
    del tracks["trackid.100"]
    assert len(post(server, "/v2/lookup", tracks)["fingerprints"]) == 100


def test_trackid_follows_merges_and_echoes_the_asked_gid(
    server: RunningApp, ids: dict[str, int], web_db: Deployment
) -> None:
    web_db.client.tracks.merge(TRACK_GIDS[0], [TRACK_GIDS[2]])
    data = post(server, "/v2/lookup", {"client": "app1key", "trackid": TRACK_GIDS[2], "meta": "recordings"})
    assert data["results"] == [{"id": TRACK_GIDS[2], "score": 1.0, "recordings": [{"id": ENABLED_MBID}]}]
    web_db.fp.execute("UPDATE track SET disabled = true WHERE id = %s", [ids["track4"]])
    assert post(server, "/v2/lookup", {"client": "app1key", "trackid": TRACK_GIDS[3]})["results"] == []
    assert post(server, "/v2/lookup", {"client": "app1key", "trackid": "nope"}, 400)["error"] == {
        "code": 7,
        "message": 'parameter "trackid" is not a valid UUID',
    }


def test_usermeta_gives_recordings_pyacoustid_can_read(
    server: RunningApp, ids: dict[str, int], web_db: Deployment, mirror_read_path: str
) -> None:
    add_fingerprint(web_db, ids["track1"])
    form = {"client": "app1key", "duration": str(LENGTH), "fingerprint": FP, "meta": "recordings usermeta"}
    data = post(server, "/v2/lookup", form)
    recordings = data["results"][0]["recordings"]
    assert recordings == [
        {"id": ENABLED_MBID},
        {
            "id": None,
            "title": "Custom Track 2",
            "artists": [{"name": "Custom Artist"}],
        },  # most submitted first
        {"id": None, "title": "Custom Track 1", "artists": [{"name": "Custom Artist"}]},
    ]
    assert list(acoustid.parse_lookup_result(data)) == [
        (1.0, ENABLED_MBID, None, None),
        (1.0, None, "Custom Track 2", "Custom Artist"),
        (1.0, None, "Custom Track 1", "Custom Artist"),
    ]


def test_maxdurationdiff(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    add_fingerprint(web_db, ids["track1"])
    far = {"client": "app1key", "duration": str(LENGTH + 20), "fingerprint": FP}
    assert post(server, "/v2/lookup", far)["results"] == []
    assert len(post(server, "/v2/lookup", {**far, "maxdurationdiff": "25"})["results"]) == 1
    for bad in ("0", "31", "-1", "x", "99999999999999999999"):
        error = post(server, "/v2/lookup", {**far, "maxdurationdiff": bad}, 400)["error"]
        assert error == {"code": 11, "message": 'parameter "maxdurationdiff" must be between 1 and 30'}


def test_submission_status_through_a_real_import(
    server: RunningApp, ids: dict[str, int], web_db: Deployment
) -> None:
    form = {"client": "app1key", "user": "user1key"}
    form.update({"fingerprint.0": FP, "duration.0": str(LENGTH), "mbid.0": MBID})
    form.update({"fingerprint.1": FP, "duration.1": str(LENGTH), "track.1": "Only a title"})
    form.update({"fingerprint.2": "AQAAAA", "duration.2": str(LENGTH), "mbid.2": MBID})  # no items: dropped
    submissions = post(server, "/v2/submit", form)["submissions"]
    assert [s["index"] for s in submissions] == ["0", "1"]
    first, second = (s["id"] for s in submissions)
    status = {"client": "app1key", "id": [str(first), str(second), "999999", "x", "-3"]}
    assert post(server, "/v2/submission_status", status)["submissions"] == [
        {"id": first, "status": "pending"},
        {"id": second, "status": "pending"},
        {"id": 999999, "status": "unknown"},
    ]
    web_db.ingest.execute(
        "INSERT INTO submission_result (submission_id, skip_reason) VALUES (%s, 'test: refused')", [second]
    )
    web_db.ingest.execute("DELETE FROM pending_submission WHERE submission_id = %s", [second])
    web_db.ingest.execute("UPDATE submission SET handled = true WHERE id = %s", [second])
    run_worker(web_db)
    answers = post(server, "/v2/submission_status", status)["submissions"]
    track_gid = scalar(
        web_db.fp,
        "SELECT t.gid::text FROM track AS t JOIN track_mbid AS tm ON tm.track_id = t.id WHERE tm.mbid = %s",
        [MBID],
    )
    assert answers[0] == {"id": first, "status": "imported", "result": {"id": track_gid}}
    assert answers[1] == {"id": second, "status": "skipped", "reason": "test: refused"}
    # A later merge moves the answer to the track that holds the fingerprint now.
    web_db.client.tracks.merge(TRACK_GIDS[1], [track_gid])
    answers = post(server, "/v2/submission_status", status)["submissions"]
    assert answers[0]["result"] == {"id": TRACK_GIDS[1]}


def test_list_by_mbid(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    disabled = "54b7b412-fc69-4fc7-8c96-17800eda3a98"
    web_db.fp.execute(
        "INSERT INTO track_mbid (track_id, mbid) VALUES (%s, %s)", [ids["track2"], ENABLED_MBID]
    )
    assert post(server, "/v2/track/list_by_mbid", {"mbid": ENABLED_MBID}) == {
        "status": "ok",
        "tracks": [{"id": TRACK_GIDS[0]}, {"id": TRACK_GIDS[1]}],
    }
    batch = {"mbid": [disabled, ENABLED_MBID], "batch": "1"}
    assert post(server, "/v2/track/list_by_mbid", batch)["mbids"] == [
        {"mbid": disabled, "tracks": []},
        {"mbid": ENABLED_MBID, "tracks": [{"id": TRACK_GIDS[0]}, {"id": TRACK_GIDS[1]}]},
    ]
    with_disabled = post(server, "/v2/track/list_by_mbid", {"mbid": disabled, "disabled": "1"})
    assert with_disabled["tracks"] == [{"id": TRACK_GIDS[0], "disabled": True}]
    assert post(server, "/v2/track/list_by_mbid", {}, 400)["error"]["code"] == 2
    assert post(server, "/v2/track/list_by_mbid", {"mbid": "x"}, 400)["error"]["code"] == 7


def test_list_by_puid(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    web_db.fp.execute("INSERT INTO track_puid (track_id, puid) VALUES (%s, %s)", [ids["track3"], PUID])
    assert post(server, "/v2/track/list_by_puid", {"puid": PUID}) == {
        "status": "ok",
        "tracks": [{"id": TRACK_GIDS[2]}],
    }
    assert post(server, "/v2/track/list_by_puid", {"puid": MBID})["tracks"] == []
    assert post(server, "/v2/track/list_by_puid", {"puid": "x"}, 400)["error"]["code"] == 7


def test_fingerprint(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    fingerprint_id = add_fingerprint(web_db, ids["track1"])
    data = post(server, "/v2/fingerprint", {"id": str(fingerprint_id)})["fingerprint"]
    assert data["id"] == fingerprint_id and data["duration"] == LENGTH and len(data["hashes"]) == 2000
    for missing in (str(fingerprint_id + 1), "0", "abc", "-1", "9" * 30):
        assert post(server, "/v2/fingerprint", {"id": missing}, 404)["error"] == {
            "code": 18,
            "message": "fingerprint not found",
        }
    assert post(server, "/v2/fingerprint", {}, 400)["error"]["code"] == 2


def test_health(server: RunningApp, ids: dict[str, int]) -> None:
    data = post(server, "/_health", {})
    assert data["databases"] == {"app": "ok", "fingerprint": "ok", "ingest": "ok"}
    assert data["musicbrainz"] == {"source": "mirror", "status": "ok"}
    assert data["redis"]["configured"] is True and data["redis"]["failures"] == 0


def test_health_reports_an_unreachable_musicbrainz_database(
    web_deployment: Deployment, redis_server: RedisServer
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    names = {db: web_deployment.names[db] for db in ("app", "fingerprint", "ingest")}
    client = acoustid_pg.connect(
        server_conninfo(web_deployment.cluster),
        **names,
        musicbrainz_dsn=f"host=127.0.0.1 port={closed} dbname=musicbrainz user=nobody connect_timeout=1",
        max_size=2,
    )
    try:
        with RunningApp(lambda: build(client, UNLIMITED, redis_server.url, flush_every=0)) as running:
            started = time.monotonic()
            response = requests.get(running.url + "/_health", timeout=60)
            took = time.monotonic() - started
    finally:
        client.close()
    assert response.status_code == 200 and took < 4.5  # the mirror's short timeout, not the pool's 10 s
    data = response.json()
    assert data["status"] == "ok" and data["databases"] == {"app": "ok", "fingerprint": "ok", "ingest": "ok"}
    assert data["musicbrainz"]["source"] == "external" and data["musicbrainz"]["status"] == "unavailable"
    assert "MusicBrainz" in data["musicbrainz"]["error"]


def test_rate_limit_over_http(
    web_deployment: Deployment, redis_server: RedisServer, ids: dict[str, int]
) -> None:
    settings = WebSettings(
        limits=RateLimits(global_rate=1000, application_rate=1000, ip_rate=0.25)
    )  # 5 per 20 s
    with RunningApp(
        lambda: build(web_deployment.client, settings, redis_server.url, flush_every=0)
    ) as running:
        form = {"client": "app1key", "trackid": TRACK_GIDS[0]}
        answers = [requests.post(running.url + "/v2/lookup", data=form, timeout=30) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].json()["error"] == {
        "code": 14,
        "message": "rate limit (0.250000 requests per second) exceeded, try again later",
    }
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 20
    assert answers[-1].headers["Access-Control-Allow-Origin"] == "*"


def test_lookups_are_counted_for_the_statistics(
    server: RunningApp, ids: dict[str, int], web_db: Deployment, redis_client: redis.Redis
) -> None:
    add_fingerprint(web_db, ids["track1"])
    form = {"client": "app1key", "duration": str(LENGTH), "fingerprint": FP}
    post(server, "/v2/lookup", form)
    post(server, "/v2/lookup", {"client": "app1key", "trackid": "00000000-0000-4000-8000-000000000000"})
    deadline = time.monotonic() + 5
    while sum(int(v) for v in redis_client.hvals("stats:lookups")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    counts = {k.decode(): int(v) for k, v in redis_client.hgetall("stats:lookups").items()}
    assert sorted(counts.values()) == [1, 1]
    assert any('"hit"' in k for k in counts) and any('"miss"' in k for k in counts)


def test_database_down_is_error_13(redis_server: RedisServer) -> None:
    nowhere = acoustid_pg.connect("host=/nonexistent-socket-dir port=5432 user=nobody", max_size=2)
    try:
        with RunningApp(lambda: build(nowhere, UNLIMITED, redis_server.url, flush_every=0)) as running:
            health = requests.get(running.url + "/_health", timeout=60)
            lookup = requests.post(running.url + "/v2/user/lookup", data={"user": "k"}, timeout=60)
    finally:
        nowhere.close()
    for response in (health, lookup):
        assert response.status_code == 503
        assert response.json() == {
            "error": {"code": 13, "message": "service currently unavailable, try again later"},
            "status": "error",
        }
