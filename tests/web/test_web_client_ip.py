"""Who the client is: X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

import pytest

from acoustid_pg.web.client_ip import client_ip, parse_networks

PROXIES = parse_networks(["127.0.0.1", "10.0.0.0/8"])


def test_the_socket_peer_when_no_proxy_is_trusted() -> None:
    assert client_ip("192.0.2.1", "203.0.113.9", ()) == "192.0.2.1"
    assert client_ip("192.0.2.1", "203.0.113.9", PROXIES) == "192.0.2.1"  # not a trusted peer


def test_the_forwarded_address_from_a_trusted_proxy() -> None:
    assert client_ip("127.0.0.1", "203.0.113.9", PROXIES) == "203.0.113.9"
    assert client_ip("127.0.0.1", None, PROXIES) == "127.0.0.1"


def test_a_client_cannot_choose_its_bucket_through_a_trusted_proxy() -> None:
    # The client sent "1.2.3.4" itself; the proxy appended the address it really saw.
    assert client_ip("127.0.0.1", "1.2.3.4, 203.0.113.9", PROXIES) == "203.0.113.9"
    # Hops through several trusted proxies are skipped.
    assert client_ip("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.1.2.3", PROXIES) == "203.0.113.9"


def test_garbage_in_the_header_stops_at_the_last_good_hop() -> None:
    assert client_ip("127.0.0.1", "nonsense", PROXIES) == "127.0.0.1"
    assert client_ip("127.0.0.1", "x" * 10_000 + ", 10.0.0.5", PROXIES) == "10.0.0.5"
    assert client_ip(None, "1.2.3.4", PROXIES) == "0.0.0.0"


def test_ipv6() -> None:
    assert client_ip("::1", "2001:db8::1", parse_networks(["::1"])) == "2001:db8::1"


def test_bad_proxy_setting_is_named() -> None:
    with pytest.raises(ValueError, match="not-an-ip"):
        parse_networks(["not-an-ip"])
