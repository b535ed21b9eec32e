"""Pure rules of outgoing webhooks: which events a subscription wants, how a delivery is signed,
which URLs may receive them."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from lojal.kit.crypto import hmac_sha256_hex

EVENT_TYPES = (
    "customer.created", "customer.updated", "customer.erased",
    "order.placed", "order.paid", "order.fulfilled", "order.updated", "order.cancelled", "order.refunded",
    "cart.updated", "checkout.started", "event.custom",
    "points.earned", "points.available", "points.reversed", "points.adjusted", "points.expiring", "points.expired",
    "tier.changed", "reward.redeemed", "code.used",
)
"""The domain events a shop can subscribe to (``order.*`` and ``*`` select several)."""


def valid_pattern(pattern: str) -> bool:
    if pattern == "*" or pattern in EVENT_TYPES:
        return True
    return pattern.endswith(".*") and any(event.startswith(pattern[:-1]) for event in EVENT_TYPES)


def matches(patterns: list[str], event_type: str) -> bool:
    return any(pattern == "*" or pattern == event_type
               or (pattern.endswith(".*") and event_type.startswith(pattern[:-1])) for pattern in patterns)


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    return f"t={timestamp},v1={hmac_sha256_hex(secret, str(timestamp).encode() + b'.' + body)}"


class RefusedUrl(ValueError):
    pass


def check_url(url: str, *, allow_private: bool) -> None:
    """http(s) only; a host that resolves to loopback, private, link-local or reserved addresses
    is refused unless ``allow_private`` (checked again before every delivery)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedUrl("only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise RefusedUrl("the URL has no host")
    if parts.username or parts.password:
        raise RefusedUrl("the URL must not carry a user name or password")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (OSError, ValueError) as error:
        raise RefusedUrl(f"the host {parts.hostname!r} cannot be resolved") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified):
            raise RefusedUrl(f"the host {parts.hostname!r} is on a private or local network ({ip})")
