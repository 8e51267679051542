"""Small helpers shared by the log formats: escapes, request lines, addresses and cookies."""

from __future__ import annotations

import re
from collections.abc import Iterable

DEFAULT_SESSION_COOKIES: tuple[str, ...] = (
    "sessionid",
    "session",
    "PHPSESSID",
    "JSESSIONID",
    "_session_id",
    "connect.sid",
)
"""Cookie names whose value becomes `RequestEvent.session` (matched case-insensitively)."""

DEFAULT_DEVICE_COOKIES: tuple[str, ...] = ("sg_device", "device_id")
"""Cookie names whose value becomes `RequestEvent.device` (matched case-insensitively)."""

_ESCAPE_RX = re.compile(rb"\\(?:x([0-9A-Fa-f]{2})|u00([0-1][0-9A-Fa-f])|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {
    b"n": b"\n",
    b"t": b"\t",
    b"r": b"\r",
    b"b": b"\b",
    b"v": b"\v",
    b"f": b"\f",
    b'"': b'"',
    b"\\": b"\\",
}


def _unescape_one(m: re.Match[bytes]) -> bytes:
    hexa, control, char = m.groups()
    if hexa is not None:
        return bytes((int(hexa, 16),))
    if control is not None:  # nginx escape=json writes other control bytes as \u00XX
        return bytes((int(control, 16),))
    return _SIMPLE_ESCAPES.get(char, b"\\" + char)


def unescape(value: str) -> str:
    """Undo the escaping Apache and nginx apply to logged values.

    `\\"` and `\\\\` become `"` and `\\`; `\\n`, `\\t`, `\\r`, `\\b`, `\\v`, `\\f` (Apache, nginx
    `escape=json`) and `\\u0000`-`\\u001f` (nginx `escape=json`) become control characters; runs
    of `\\xHH` become the bytes they stand for, decoded as UTF-8 (so nginx's escaped UTF-8 user
    agents come back readable). Unknown escapes are kept as written. All three escapings write
    a literal backslash as an escape, so decoding these never misreads text a client sent.
    """
    if "\\" not in value:
        return value
    raw = value.encode("utf-8", "surrogatepass")
    return _ESCAPE_RX.sub(_unescape_one, raw).decode("utf-8", "replace")


def split_target(target: str) -> tuple[str, str]:
    """Split a request target into path and query at the first `?` (query without the `?`)."""
    path, _, query = target.partition("?")
    return path, query


def split_request(request: str, escaped: bool = True) -> tuple[str, str, str, bool]:
    """Split a request line `METHOD TARGET PROTOCOL` into (method, path, query, understood).

    `escaped`: the line is as a text log writes it, so the target's backslash escapes are
    decoded (`unescape`); False for text that is already plain (a decoded JSON string).

    `GET /x` (HTTP/0.9) and targets holding raw spaces (`GET /a b HTTP/1.1`) are understood.
    Anything else (`-`, an empty string, TLS handshake bytes sent to a plain-HTTP port) gives
    `("", "", "", False)`: the caller keeps the event and records the raw line.
    """
    parts = request.split(" ")
    n = len(parts)
    if n == 3:
        method, target = parts[0], parts[1]
    elif n == 2:
        method, target = parts
    elif n > 3 and parts[-1].startswith("HTTP/"):
        method, target = parts[0], " ".join(parts[1:-1])
    else:
        return "", "", "", False
    if not method or not target:
        return "", "", "", False
    if escaped and "\\" in target:
        target = unescape(target)
    path, _, query = target.partition("?")
    return method, path, query, True


def normalize_ip(ip: str) -> str:
    """Return an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as plain IPv4; others unchanged.

    Dual-stack servers log IPv4 clients in mapped form; left alone they would all share one
    IPv6 /64 network.
    """
    if ip[:7].lower() == "::ffff:" and "." in ip:
        return ip[7:]
    if ip[:1] == "[" and ip[-1:] == "]":
        return ip[1:-1]
    return ip


def name_set(names: Iterable[str]) -> frozenset[str]:
    """Lower-case a collection of cookie or variable names for case-insensitive matching."""
    return frozenset(n.lower() for n in names)


def cookie_ids(
    header: str, session_names: frozenset[str], device_names: frozenset[str]
) -> tuple[str | None, str | None]:
    """Find the session and device identifiers in a `Cookie` header (names lower-cased)."""
    session: str | None = None
    device: str | None = None
    for part in header.split(";"):
        name, eq, value = part.partition("=")
        if not eq:
            continue
        key = name.strip().lower()
        value = value.strip().strip('"')
        if not value or value == "-":
            continue
        if session is None and key in session_names:
            session = value
        elif device is None and key in device_names:
            device = value
    return session, device


def blank_to_none(value: str | None) -> str | None:
    """Map the log placeholders `-` and the empty string to `None`."""
    if value is None or value == "-" or not value:
        return None
    return value
