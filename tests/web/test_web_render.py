"""Serialisation as AcoustID's own tests pin it (tests/test_api.py and the JSONP choice)."""

from __future__ import annotations

import json

from acoustid_pg.web.render import callback_name, render, singular, to_json, to_xml

ARTISTS = {
    "status": "ok",
    "artists": [{"name": "Jean Michel Jarre", "year": 1948, "cities": ["Paris", "Lyon"]}],
}
JSON = (
    '{"artists": [{"cities": ["Paris", "Lyon"], "name": "Jean Michel Jarre", "year": 1948}], "status": "ok"}'
)


def test_json_sorts_keys_with_acoustids_separators() -> None:
    assert to_json(ARTISTS) == JSON
    response = render(ARTISTS, "json")
    assert response.content_type == "application/json" and response.charset == "UTF-8"
    assert response.text == JSON


def test_jsonp_wraps_in_the_callback() -> None:
    response = render(ARTISTS, "jsonp", "getData")
    assert response.text == f"getData({JSON})"
    assert response.content_type == "application/javascript"


def test_jsonp_callback_choice() -> None:
    assert callback_name(None) == "jsonAcoustidApi"
    assert callback_name("$foo") == "$foo"
    assert callback_name("a.b_c.$d") == "a.b_c.$d"
    assert callback_name("///") == "jsonAcoustidApi"
    assert callback_name("alert(1);x") == "jsonAcoustidApi"
    assert callback_name("a" * 10_000) == "jsonAcoustidApi"


def test_xml_has_a_response_root_sorted_keys_and_singular_items() -> None:
    assert to_xml(ARTISTS) == (
        "<?xml version='1.0' encoding='UTF-8'?>\n<response><artists><artist><cities><city>Paris</city>"
        "<city>Lyon</city></cities><name>Jean Michel Jarre</name><year>1948</year></artist></artists>"
        "<status>ok</status></response>"
    )
    assert render(ARTISTS, "xml").content_type == "text/xml"


def test_xml_escapes_text_and_drops_characters_xml_cannot_hold() -> None:
    xml = to_xml({"title": "<a & b>\x00\x07", "index": None})
    assert "<title>&lt;a &amp; b&gt;</title>" in xml
    assert "<index />" in xml


def test_singular_names() -> None:
    assert [singular(n) for n in ("results", "entries", "mediums", "isrcs", "fingerprints", "data")] == [
        "result",
        "entry",
        "medium",
        "isrc",
        "fingerprint",
        "item",
    ]


def test_floats_are_json_numbers() -> None:
    assert json.loads(to_json({"score": 1.0})) == {"score": 1.0}
    assert to_json({"score": 1.0}) == '{"score": 1.0}'
