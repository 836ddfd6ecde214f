"""The AcoustID server's v2 test expectations (its tests/test_api_v2.py and test_api.py),
replayed over HTTP against this service with the same fixture rebuilt in our terms."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import acoustid
import pytest
import redis
import requests

from acoustid_pg.apikeys import apikey_hash
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import RateLimits
from acoustid_pg.web.server import build
from acoustid_pg.web.settings import WebSettings
from tests.support.management import Deployment
from tests.support.musicbrainz_sample import MOON
from tests.support.web import RunningApp
from tests.support.web_fixtures import (
    DISABLED_MBID,
    ENABLED_MBID,
    FP,
    FP_ITEMS,
    LENGTH,
    TRACK_GIDS,
    add_fingerprint,
    load_fixture,
)

UNLIMITED = WebSettings(limits=RateLimits(1e6, 1e6, 1e6))
MBID = "b9c05616-1874-4d5d-b30e-6b959c922d28"


@pytest.fixture(scope="module")
def server(web_deployment: Deployment, redis_server: RedisServer) -> Iterator[RunningApp]:
    with RunningApp(
        lambda: build(web_deployment.client, UNLIMITED, redis_server.url, flush_every=0)
    ) as running:
        yield running


@pytest.fixture
def ids(web_db: Deployment, redis_client: redis.Redis) -> dict[str, int]:
    return load_fixture(web_db)


def call(server: RunningApp, path: str, **form: Any) -> requests.Response:
    return requests.post(server.url + path, data=form, timeout=30)


def ok(server: RunningApp, path: str, **form: Any) -> dict[str, Any]:
    response = call(server, path, **form)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status"] == "ok"
    return dict(data)


def error(server: RunningApp, path: str, status: int = 400, **form: Any) -> tuple[int, str]:
    response = call(server, path, **form)
    assert response.status_code == status, response.text
    data = response.json()
    assert data["status"] == "error" and set(data) == {"status", "error"}
    return data["error"]["code"], data["error"]["message"]


LOOKUP = {"format": "json", "client": "app1key", "duration": str(LENGTH), "fingerprint": FP}


def test_lookup_without_fingerprints_finds_nothing(server: RunningApp, ids: dict[str, int]) -> None:
    assert ok(server, "/v2/lookup", **LOOKUP) == {"results": [], "status": "ok"}


def test_lookup_finds_the_track(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    add_fingerprint(web_db, ids["track1"])
    assert ok(server, "/v2/lookup", **LOOKUP) == {
        "results": [{"id": TRACK_GIDS[0], "score": 1.0}],
        "status": "ok",
    }


def test_lookup_meta_1_gives_enabled_recording_ids(
    server: RunningApp, ids: dict[str, int], web_db: Deployment
) -> None:
    add_fingerprint(web_db, ids["track1"])
    data = ok(server, "/v2/lookup", meta="1", **LOOKUP)
    assert data["results"] == [{"id": TRACK_GIDS[0], "score": 1.0, "recordings": [{"id": ENABLED_MBID}]}]
    assert DISABLED_MBID not in str(data)


def test_one_result_per_track(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    add_fingerprint(web_db, ids["track1"])
    add_fingerprint(web_db, ids["track1"])
    assert ok(server, "/v2/lookup", **LOOKUP)["results"] == [{"id": TRACK_GIDS[0], "score": 1.0}]


def test_lookup_parameter_errors(server: RunningApp, ids: dict[str, int]) -> None:
    assert error(server, "/v2/lookup", format="xls") == (1, 'unknown format "xls"')
    assert error(server, "/v2/lookup", format="json") == (2, 'missing required parameter "client"')
    assert error(server, "/v2/lookup", format="json", client="N/A") == (4, "invalid API key")
    no_duration = {k: v for k, v in LOOKUP.items() if k != "duration"}
    assert error(server, "/v2/lookup", **no_duration) == (2, 'missing required parameter "duration"')
    no_fp = {k: v for k, v in LOOKUP.items() if k != "fingerprint"}
    assert error(server, "/v2/lookup", **no_fp) == (2, 'missing required parameter "fingerprint"')
    bad_fp = {**LOOKUP, "fingerprint": "..."}
    assert error(server, "/v2/lookup", **bad_fp) == (3, "invalid fingerprint")


def test_submit(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    form = {
        "format": "json",
        "client": "app1key",
        "user": "user1key",
        "duration": str(LENGTH),
        "fingerprint": FP,
    }
    data = ok(server, "/v2/submit", bitrate="192", mbid=MBID, fileformat="FLAC", **form)
    row = web_db.ingest.execute(
        "SELECT id, mbid::text, format_id, bitrate, fingerprint, length, meta"
        " FROM submission ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row is not None
    assert data == {"status": "ok", "submissions": [{"id": row[0], "status": "pending"}]}
    format_name = web_db.fp.execute("SELECT name FROM format WHERE id = %s", [row[2]]).fetchone()
    assert (row[1], format_name, row[3], row[5], row[6]) == (MBID, ("flac",), 192, LENGTH, None)
    assert row[4] == FP_ITEMS


def test_submit_with_meta(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    form = {
        "format": "json",
        "client": "app1key",
        "user": "user1key",
        "duration": str(LENGTH),
        "fingerprint": FP,
    }
    meta = {
        "track": "Voodoo People",
        "artist": "The Prodigy",
        "album": "Music For The Jitled People",
        "albumartist": "Prodigy",
        "trackno": "2",
        "discno": "3",
        "year": "2030",
    }
    ok(server, "/v2/submit", bitrate="192", mbid=MBID, fileformat="FLAC", **form, **meta)
    row = web_db.ingest.execute("SELECT meta, meta_id FROM submission ORDER BY id DESC LIMIT 1").fetchone()
    assert row == (
        {
            "track": "Voodoo People",
            "artist": "The Prodigy",
            "album": "Music For The Jitled People",
            "album_artist": "Prodigy",
            "track_no": 2,
            "disc_no": 3,
            "year": 2030,
        },
        None,
    )


def test_submit_puid_and_foreignid(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    form = {
        "format": "json",
        "client": "app1key",
        "user": "user1key",
        "duration": str(LENGTH),
        "fingerprint": FP,
    }
    first = ok(server, "/v2/submit", puid=MBID, **form)
    assert first["submissions"] == [{"id": first["submissions"][0]["id"], "status": "pending"}]
    row = web_db.ingest.execute("SELECT puid::text, mbid FROM submission ORDER BY id DESC LIMIT 1").fetchone()
    assert row == (MBID, None)
    ok(server, "/v2/submit", foreignid="foo:123", track="Voodoo People", **form)
    row = web_db.ingest.execute(
        "SELECT foreignid, mbid, puid FROM submission ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row == ("foo:123", None, None)


def test_submit_parameter_errors(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    base = {
        "format": "json",
        "client": "app1key",
        "user": "user1key",
        "duration": str(LENGTH),
        "fingerprint": FP,
    }

    def without(*names: str, **extra: str) -> dict[str, str]:
        return {**{k: v for k, v in base.items() if k not in names}, **extra}

    assert error(server, "/v2/submit", **without(format="xls"))[0] == 1
    assert error(server, "/v2/submit", **without("client")) == (2, 'missing required parameter "client"')
    assert error(server, "/v2/submit", **without(client="N/A"))[0] == 4
    assert error(server, "/v2/submit", **without("user")) == (2, 'missing required parameter "user"')
    assert error(server, "/v2/submit", **without(user="N/A")) == (6, "invalid user API key")
    assert error(server, "/v2/submit", **without(foreignid="aaa")) == (
        10,
        'parameter "foreignid" is not a valid foreign ID, it must be in the format vendor:id',
    )
    response = requests.post(
        server.url + "/v2/submit", data={**base, "mbid": [MBID, "not-a-uuid"]}, timeout=30
    ).json()
    assert response["error"] == {"code": 7, "message": 'parameter "mbid" is not a valid UUID'}
    assert error(server, "/v2/submit", **without(puid="x"))[0] == 7
    assert error(server, "/v2/submit", **without(fingerprint="")) == (
        2,
        'missing required parameter "fingerprint"',
    )
    assert error(server, "/v2/submit", **without("duration")) == (2, 'missing required parameter "duration"')
    assert web_db.ingest.execute("SELECT count(*) FROM submission").fetchone() == (0,)
    two = {
        "format": "json",
        "client": "app1key",
        "user": "user1key",
        "duration.0": str(LENGTH),
        "fingerprint.0": FP,
        "mbid.0": MBID,
        "duration.1": str(LENGTH),
        "fingerprint.1": FP,
        "mbid.1": MBID,
    }
    assert [s["index"] for s in ok(server, "/v2/submit", **two)["submissions"]] == ["0", "1"]
    assert [s["index"] for s in ok(server, "/v2/submit", **{**two, "fingerprint.1": ""})["submissions"]] == [
        "0"
    ]


def test_user_lookup(server: RunningApp, ids: dict[str, int]) -> None:
    assert ok(server, "/v2/user/lookup", format="json", client="app1key", user="user1key") == {
        "status": "ok",
        "user": {"apikey": "user1key"},
    }
    assert error(server, "/v2/user/lookup", format="json", client="app1key", user="xxx")[0] == 6


def test_user_create_anonymous(server: RunningApp, ids: dict[str, int], web_db: Deployment) -> None:
    data = ok(server, "/v2/user/create_anonymous", format="json", client="app1key")
    apikey = data["user"]["apikey"]
    assert set(data) == {"status", "user"} and len(apikey) >= 8
    row = web_db.app.execute(
        "SELECT name, application_id FROM account WHERE apikey_hash = %s", [apikey_hash(apikey)]
    ).fetchone()
    assert row == ("Anonymous", ids["app1"])


def test_jsonp_and_xml_over_http(server: RunningApp, ids: dict[str, int]) -> None:
    response = call(server, "/v2/user/lookup", format="jsonp", jsoncallback="$foo", user="user1key")
    assert response.text == '$foo({"status": "ok", "user": {"apikey": "user1key"}})'
    response = call(server, "/v2/user/lookup", format="jsonp", jsoncallback="///", user="user1key")
    assert response.text.startswith("jsonAcoustidApi(")
    response = call(server, "/v2/user/lookup", format="xml", user="user1key")
    assert response.text == (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<response><status>ok</status><user><apikey>user1key</apikey></user></response>"
    )


def test_gzip_body_and_double_slashes(server: RunningApp, ids: dict[str, int]) -> None:
    body = gzip.compress(b"format=json&user=user1key")
    response = requests.post(
        server.url + "/v2//user//lookup",
        data=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.json() == {"status": "ok", "user": {"apikey": "user1key"}}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_lookup_with_musicbrainz_metadata_as_picard_and_pyacoustid_read_it(
    server: RunningApp, ids: dict[str, int], web_db: Deployment, mirror_read_path: str
) -> None:
    add_fingerprint(web_db, ids["track1"])
    web_db.fp.execute(
        "INSERT INTO track_mbid (track_id, mbid, submission_count) VALUES (%s, %s, 3)", [ids["track1"], MOON]
    )
    picard = ok(
        server, "/v2/lookup", meta="recordings releasegroups releases tracks compress sources", **LOOKUP
    )
    (result,) = picard["results"]
    moon = next(r for r in result["recordings"] if r["id"] == MOON)
    assert moon["title"] == "Moon" and moon["sources"] == 3 and moon["artists"][0]["name"]
    releases = [release for group in moon["releasegroups"] for release in group["releases"]]
    assert releases and all("mediums" in release for release in releases)  # Picard indexes mediums
    plain = ok(server, "/v2/lookup", meta="recordings", **LOOKUP)
    parsed = list(acoustid.parse_lookup_result(plain))
    assert (1.0, MOON, "Moon") in [(score, rid, title) for score, rid, title, _ in parsed]
    m2 = ok(server, "/v2/lookup", meta="2", **LOOKUP)["results"][0]["recordings"]
    moon2 = next(r for r in m2 if r["id"] == MOON)
    assert moon2["tracks"] and moon2["tracks"][0]["title"] == "Moon"
