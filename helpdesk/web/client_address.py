"""The address of the browser behind a request, trusting ``X-Forwarded-For`` only from
configured proxies (``DIODO_TRUSTED_PROXIES``). Pure functions, no web framework.

Anyone can send an ``X-Forwarded-For`` header. It says something only when the direct
peer is a reverse proxy we run: then the proxy's own entry (the right-most) is the
address it saw. Entries further left were written by the client and are not believed,
unless they were added by another trusted proxy in the chain.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def parse_trusted_proxies(value: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or networks (``10.0.0.5, 192.168.1.0/24, ::1``).

    Raises ``ValueError`` for an entry that is neither.
    """
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in value.split(",")
        if item.strip()
    )


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(value: str, trusted: tuple[IPNetwork, ...]) -> bool:
    address = _address(value)
    return address is not None and any(address in network for network in trusted)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: tuple[IPNetwork, ...]
) -> str:
    """The browser's address.

    Args:
        peer: the address of the direct TCP peer (``request.client.host``).
        forwarded_for: every ``X-Forwarded-For`` header value of the request.
        trusted: the networks of our reverse proxies (empty: the header is never used).

    Returns:
        ``peer`` unless it is a trusted proxy; then the right-most ``X-Forwarded-For``
        entry that is not a trusted proxy itself. A malformed entry there means the chain
        cannot be followed: the last trusted hop is returned.
    """
    if not peer:
        return UNKNOWN
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [item.strip() for value in forwarded_for for item in value.split(",") if item.strip()]
    current = peer
    for hop in reversed(hops):
        if _address(hop) is None:
            return current
        current = hop
        if not _trusted(hop, trusted):
            return hop
    return current
