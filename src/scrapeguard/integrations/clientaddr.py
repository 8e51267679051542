"""The visitor's address behind trusted proxies.

A forwarding header is believed only when the direct peer is a configured trusted proxy, and
then only as far as it was written by trusted proxies: its hops are read from the nearest
(rightmost) to the farthest, and the first address that is not a trusted proxy is the client.
Anything a client writes into a forwarding header itself therefore lies to the left of the
address its first trusted proxy appended, and is never read.

Choose the header explicitly wherever possible. In auto mode the first header present wins, so
a client can send a header its proxy does not set (``Forwarded`` in front of a proxy that only
appends ``X-Forwarded-For``) and have it read instead.

Deployments behind a proxy on a Unix socket (the peer address is empty) must list ``unix``
among the trusted proxies; otherwise every visitor resolves to `UNKNOWN_ADDRESS`.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping
from typing import Final

from scrapeguard.enforce.lists import AccessList
from scrapeguard.netranges import ip_to_int

__all__ = ["HEADERS", "UNKNOWN_ADDRESS", "ClientAddress"]

UNKNOWN_ADDRESS: Final = "0.0.0.0"
"""The address given when none can be known: an untrusted Unix-socket or unparsable peer, or a
trusted Unix-socket peer whose forwarding header holds no usable address."""

HEADERS: Final = ("forwarded", "x-forwarded-for", "x-real-ip")
"""The forwarding headers understood, in the order auto mode looks for them."""

_UNIX: Final = "unix"
_MAX_HOPS: Final = 20
_MAX_HEADER_CHARS: Final = 4096
_CACHE_SIZE: Final = 100_000
_MAX_CACHED_CHARS: Final = 64
_MAPPED_TAG: Final = 0xFFFF
_V4_MASK: Final = 0xFFFFFFFF
_INVALID: Final = ("", False)


class ClientAddress:
    """Resolves the visitor's address from the socket peer and forwarding headers."""

    __slots__ = ("_cache", "_names", "_proxies", "_trust_unix")

    def __init__(self, trusted: Iterable[str] = (), header: str | None = None) -> None:
        """Configure the trusted proxies and the forwarding header to believe.

        `trusted` holds addresses and CIDR ranges (IPv4 or IPv6) of the proxies in front of the
        application, and ``unix`` to trust a peer on a Unix socket. `header` is one of
        `HEADERS`, or None for auto: the first of them present in the request. Raises
        ValueError naming the first invalid entry or an unknown header, and TypeError when
        `trusted` is a single string rather than a list of them.
        """
        if isinstance(trusted, str):
            raise TypeError(f"trusted must be a list of proxies, not the string {trusted!r}")
        self._proxies = AccessList("trusted proxies")
        self._trust_unix = False
        for entry in trusted:
            text = str(entry).strip()
            if text.lower() == _UNIX:
                self._trust_unix = True
                continue
            try:
                self._proxies.add(text)
            except ValueError:
                raise ValueError(
                    f"invalid trusted proxy {entry!r}: expected an IP address, a CIDR range "
                    f"or {_UNIX!r}"
                ) from None
        self._names: tuple[str, ...]
        if header is None:
            self._names = HEADERS
        elif header.lower() in HEADERS:
            self._names = (header.lower(),)
        else:
            raise ValueError(
                f"unknown forwarding header {header!r}: expected one of {', '.join(HEADERS)}"
            )
        self._cache: dict[str, tuple[str, bool]] = {}

    def resolve(self, peer: str | None, headers: Mapping[str, str]) -> str:
        """The client's normalised address.

        `peer` is the socket peer's address (None or empty for a Unix socket); `headers` maps
        lower-case names to values, repeated lines joined with ``", "``. Never raises on
        hostile header values; always returns a valid address.
        """
        if peer:
            believed, trusted = self._lookup(peer)
            if not trusted:
                return believed or UNKNOWN_ADDRESS
        elif self._trust_unix:
            believed = UNKNOWN_ADDRESS
        else:
            return UNKNOWN_ADDRESS
        found = self._header(headers)
        if found is None:
            return believed
        name, value = found
        cut = len(value) > _MAX_HEADER_CHARS
        if cut:
            value = value[-_MAX_HEADER_CHARS:]
        if name == "x-real-ip":
            hops = [value.partition(",")[2] if cut else value]
        else:
            if name == "forwarded":
                hops = _split_unquoted(value, ",", _MAX_HOPS)
            else:
                hops = value.rsplit(",", _MAX_HOPS)
            if cut or len(hops) > _MAX_HOPS:
                del hops[0]  # the farthest hop, cut in the middle, or those beyond the cap
        parse = _forwarded_for if name == "forwarded" else _node_address
        for hop in reversed(hops):
            address, trusted = self._lookup(parse(hop))
            if not address:
                break
            if not trusted:
                return address
            believed = address
        return believed

    def _header(self, headers: Mapping[str, str]) -> tuple[str, str] | None:
        """The name and value of the forwarding header to read, or None if none is present."""
        for name in self._names:
            value = headers.get(name)
            if value is not None:
                return name, value
        return None

    def _lookup(self, text: str) -> tuple[str, bool]:
        """(normalised address, is a trusted proxy) of `text`; ``("", False)`` if invalid."""
        hit = self._cache.get(text)
        if hit is None:
            address = _normalise(text)
            if address is None:
                hit = _INVALID
            else:
                hit = (address, self._proxies.match(address, None, 0.0) is not None)
            if len(text) <= _MAX_CACHED_CHARS:
                if len(self._cache) >= _CACHE_SIZE:
                    self._cache.clear()
                self._cache[text] = hit
        return hit


def _normalise(text: str) -> str | None:
    """Dotted-quad IPv4 (also for IPv4-mapped IPv6) or compressed IPv6 without zone, or None."""
    value = ip_to_int(text)
    if value is None:
        return None
    if value >> 32 == _MAPPED_TAG:
        return socket.inet_ntoa((value & _V4_MASK).to_bytes(4, "big"))
    return ipaddress.IPv6Address(value).compressed


def _node_address(node: str) -> str:
    """The address part of ``1.2.3.4``, ``1.2.3.4:80``, ``[2001:db8::1]:80`` or ``2001:db8::1``."""
    node = node.strip()
    if node.startswith("["):
        address, close, port = node[1:].partition("]")
        return address if close and (not port or port[0] == ":") else ""
    if node.count(":") == 1:
        return node.partition(":")[0]
    return node


def _split_unquoted(text: str, sep: str, limit: int) -> list[str]:
    """`text` split, like ``text.rsplit(sep, limit)``, only where `sep` stands outside the
    quoted strings of RFC 7239 (a quoted ``host`` may hold commas and semicolons).

    It is read from the right, the end trusted proxies wrote: an unbalanced quote a client sent
    further left cannot swallow what they appended.
    """
    if '"' not in text:
        return text.rsplit(sep, limit)
    parts: list[str] = []
    end = len(text)
    quoted = False
    for i in range(end - 1, -1, -1):
        char = text[i]
        if char == '"':
            if not quoted:
                quoted = True
            else:
                escapes = 0
                while escapes < i and text[i - 1 - escapes] == "\\":
                    escapes += 1
                quoted = escapes % 2 == 1
        elif char == sep and not quoted:
            if len(parts) == limit:
                break
            parts.append(text[i + 1 : end])
            end = i
    parts.append(text[:end])
    parts.reverse()
    return parts


def _forwarded_for(element: str) -> str:
    """The address in the ``for=`` parameter of one RFC 7239 element, or ``""``."""
    for pair in _split_unquoted(element, ";", len(element)):
        name, _, value = pair.partition("=")
        if name.strip().lower() == "for":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return _node_address(value)
    return ""
