"""Who is asking: the socket peer, unless that peer is a proxy we were told to trust.

AcoustID takes ``X-Forwarded-For`` from anyone, so anyone can choose their own rate-limit
bucket. Here the header counts only when the peer is in ``trusted_proxies``; then the
address is the right-most one in the header that is not itself a trusted proxy (each
trusted hop appends the address it saw, so everything left of that was said by the client).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Final, Union

UNKNOWN: Final = "0.0.0.0"
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks (``10.0.0.0/8``, ``::1``); raises ValueError naming a bad one."""
    networks = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {text!r} is not an IP address or network") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_ip(peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[Network]) -> str:
    """The client's address as text; ``peer`` is the socket's (None when it has none, such as
    a unix socket: then ``0.0.0.0``, one shared bucket)."""
    peer_address = _address(peer) if peer else None
    if peer_address is None:
        return UNKNOWN
    if not forwarded_for or not _trusted(peer_address, trusted_proxies):
        return str(peer_address)
    client = peer_address
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break  # garbage on the client's side of the chain: keep the last good hop
        client = address
        if not _trusted(address, trusted_proxies):
            break
    return str(client)
