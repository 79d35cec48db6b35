"""Addresses the service calls out to (webhooks, list mirrors): checked when configured.

Only ``https://`` is allowed, and ``http://`` to a loopback address (a test or a local
mirror). ``file:``, ``ftp:``, ``gopher:`` and the like are refused, and so are literal
private, link-local, multicast and reserved addresses (10/8, 172.16/12, 192.168/16,
169.254/16 - the cloud metadata service -, fc00::/7 ...), whatever the scheme: a server-side
request forgery guard (OWASP SSRF Prevention Cheat Sheet). Host *names* are not resolved here
(DNS may differ at request time); a deployment that needs more pins egress at its firewall.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from chainwatch.model.errors import ChainwatchError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class UnsafeUrl(ChainwatchError, ValueError):
    """A configured outbound URL that the service refuses to call."""


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    address = _ip(host)
    return host.lower() in LOOPBACK_NAMES if address is None else address.is_loopback


def check_outbound_url(url: str, what: str = "URL") -> str:
    """`url` if the service may call it, else UnsafeUrl saying why.

    >>> check_outbound_url("https://hooks.example.com/x")
    'https://hooks.example.com/x'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"{what}: not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeUrl(f"{what}: only https:// URLs are allowed, not {scheme or 'no'} scheme")
    if not host:
        raise UnsafeUrl(f"{what}: the URL names no host")
    if parts.username or parts.password:
        raise UnsafeUrl(f"{what}: credentials in the URL are not allowed")
    loopback = is_loopback(host)
    if scheme == "http" and not loopback:
        raise UnsafeUrl(f"{what}: only https:// URLs are allowed (http:// only to loopback)")
    address = _ip(host)
    if (
        address is not None
        and not loopback
        and (
            address.is_private
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        )
    ):
        raise UnsafeUrl(f"{what}: {host} is an internal address")
    return url
