"""Cookies, held to a plain reading of the Cookie header: scrapeguard knows a visitor's session
and challenge pass from them, so a user relies on reading every cookie a browser sent, however
it sent them, and on never failing a request over a malformed header."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from inline_apps import PROXY, make_inline

from scrapeguard import protection
from scrapeguard.integrations.asgi import ScrapeguardMiddleware
from scrapeguard.integrations.inline import parse_cookies

#: RFC 6265: a cookie name is a token; a value is cookie-octets, optionally in double quotes.
TOKEN = st.text(alphabet=st.sampled_from(list("abcXYZ019!#$%&'*+-.^_`|~")), min_size=1, max_size=8)
OCTETS = st.text(
    alphabet=st.sampled_from(list("abcXYZ019!#$%&'()*+-./:<=>?@[]^_`{|}~")), max_size=12
)
VALUE = OCTETS | OCTETS.map(lambda v: f'"{v}"')
PAIRS = st.lists(st.tuples(TOKEN, VALUE), max_size=8)


def reference(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The cookies sent: each name's first value, without its quotes."""
    out: dict[str, str] = {}
    for name, value in pairs:
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        out.setdefault(name, value)
    return out


@given(pairs=PAIRS, separator=st.sampled_from(["; ", ";", " ; "]))
def test_a_well_formed_header_gives_every_cookie_with_its_first_value(
    pairs: list[tuple[str, str]], separator: str
) -> None:
    """Whatever the names and values the grammar allows, each cookie is read whole."""
    header = separator.join(f"{name}={value}" for name, value in pairs)
    assert parse_cookies(header) == reference(pairs)


@given(
    pairs=st.lists(
        st.tuples(
            st.from_regex(r"c[a-z0-9]{0,6}", fullmatch=True),
            st.from_regex(r"[A-Za-z0-9._-]{0,12}", fullmatch=True),
        ),
        max_size=6,
        unique_by=lambda pair: pair[0],
    )
)
def test_plain_cookies_read_as_the_standard_library_reads_them(
    pairs: list[tuple[str, str]],
) -> None:
    """For plain names and values, the reading agrees with `http.cookies`."""
    header = "; ".join(f"{name}={value}" for name, value in pairs)
    jar = SimpleCookie()
    jar.load(header)
    assert parse_cookies(header) == {name: morsel.value for name, morsel in jar.items()}


@given(header=st.text(max_size=300))
def test_any_text_is_read_without_failing(header: str) -> None:
    """A malformed header skips what it cannot read; the names read are never empty."""
    cookies = parse_cookies(header)
    assert all(name and name == name.strip() for name in cookies)


def asgi_cookie_header(lines: list[bytes]) -> str:
    """The Cookie header scrapeguard reads from an ASGI request carrying `lines`."""
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(protection(scope).event.headers)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        pass

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"x-forwarded-for", b"198.51.100.9"), *((b"cookie", v) for v in lines)],
        "client": (PROXY, 40000),
    }
    asyncio.run(ScrapeguardMiddleware(app, inline=INLINE)(scope, receive, send))
    return str(seen[0].get("cookie", ""))


INLINE = make_inline(mode="shadow")


@settings(max_examples=50, deadline=None)
@given(pairs=PAIRS.filter(bool), data=st.data())
def test_cookies_sent_in_several_header_lines_are_all_read(
    pairs: list[tuple[str, str]], data: st.DataObject
) -> None:
    """HTTP/2 browsers send each cookie in a header line of its own, and ASGI servers pass the
    lines on as they came (the ASGI spec): they read as one header joined with "; "."""
    lines = [f"{name}={value}".encode() for name, value in pairs]
    joined = [lines[0]]
    for line in lines[1:]:
        if data.draw(st.booleans()):
            joined[-1] += b"; " + line
        else:
            joined.append(line)
    assert parse_cookies(asgi_cookie_header(joined)) == reference(pairs)


def test_a_session_cookie_in_its_own_header_line_is_the_session() -> None:
    """The session and the challenge pass arrive in separate lines over HTTP/2."""
    header = asgi_cookie_header([b"theme=dark", b"sessionid=abc123", b"sg_pass=t0ken"])
    assert parse_cookies(header) == {"theme": "dark", "sessionid": "abc123", "sg_pass": "t0ken"}
