"""Hostile requests through the ASGI and WSGI drivers themselves, as servers hand them over:
raw header bytes, latin-1 paths, any method, odd or missing peers and lengths. A user relies on
each being judged or passed without an exception or a 500 because of scrapeguard, and on the
challenge's verify endpoint never reading more than it accepts, whatever Content-Length says."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from inline_apps import PROXY, make_inline

from scrapeguard.enforce.pages import MAX_VERIFY_BODY
from scrapeguard.engine import Decision
from scrapeguard.integrations import asgi
from scrapeguard.integrations.asgi import ScrapeguardMiddleware
from scrapeguard.integrations.inline import Inline
from scrapeguard.integrations.wsgi import ScrapeguardWSGI, headers_of

ACTIONS = ("allow", "block", "challenge", "require_login", "throttle", "tarpit", "cap", "decoy")
LATIN1 = st.characters(max_codepoint=0xFF)
PATHS = st.sampled_from(["/", "/u/alice", "/search", "/.scrapeguard/verify", "/.scrapeguard/x"])
NAMES = st.sampled_from(
    ["host", "cookie", "content-type", "content-length", "x-forwarded-for", "forwarded"]
    + ["x-real-ip", "accept", "user-agent", "scrapeguard-pass", "transfer-encoding"]
)
VALUES = st.text(LATIN1, max_size=40) | st.sampled_from(
    ["-1", "-99999", "9" * 5000, "²", " 12", "0x10", "application/json", "sg_pass=" + "A" * 5000]
)
PEERS = st.sampled_from([None, "", PROXY, "203.0.113.5", "::1", "garbage", "fe80::1%eth0"])
INLINE = make_inline(can_wait=True)
WSGI_INLINE = make_inline()


def hold(inline: Inline, action: str, ip: str) -> None:
    now = inline.guard.now()
    d = Decision(
        action, "ip", f"ip:{ip}", 600.0, f"threshold/{action}", ("why",), 90, False, action, now
    )
    inline.guard.state.record_decision(d)


def errors(inline: Inline) -> dict[str, float]:
    return {s: inline.metrics.errors.value(s) for s in ("begin", "finish", "verify")}


class Body(io.BytesIO):
    """A request body that counts what is read of it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@settings(max_examples=250, deadline=None)
@given(
    action=st.sampled_from(ACTIONS),
    method=st.sampled_from(["GET", "POST", "HEAD", "get", ""]) | st.text(LATIN1, max_size=8),
    path=PATHS | st.text(LATIN1, max_size=30).map(lambda t: "/" + t),
    script=st.sampled_from(["", "/app"]),
    query=st.text(LATIN1, max_size=30),
    headers=st.dictionaries(NAMES, VALUES, max_size=6),
    peer=PEERS,
    length=st.none() | VALUES,
    body=st.binary(max_size=3 * MAX_VERIFY_BODY),
)
def test_wsgi_judges_any_request_without_failing(
    action: str,
    method: str,
    path: str,
    script: str,
    query: str,
    headers: dict[str, str],
    peer: str | None,
    length: str | None,
    body: bytes,
) -> None:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.url_scheme": "http",
        "wsgi.input": Body(body),
    }
    if peer is not None:
        environ["REMOTE_ADDR"] = peer
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    hold(WSGI_INLINE, action, WSGI_INLINE.clients.resolve(peer, headers_of(environ)))
    before = errors(WSGI_INLINE)
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)
        return lambda data: None

    b"".join(ScrapeguardWSGI(wsgi_app, inline=WSGI_INLINE)(environ, start_response))
    status = int(started[0].split()[0])
    assert 200 <= status < 600 and status != 500
    assert errors(WSGI_INLINE) == before
    assert environ["wsgi.input"].taken <= MAX_VERIFY_BODY + 1


def test_a_negative_content_length_does_not_read_the_whole_body() -> None:
    """read(-1) reads to the end: with a server that passes the header on, a client could make
    the verify endpoint read (and hold the worker for) any body it likes."""
    body = Body(b"token=x&counter=1" + b"&" * 1_000_000)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/.scrapeguard/verify",
        "REMOTE_ADDR": "203.0.113.5",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "-1",
        "wsgi.input": body,
    }
    started: list[str] = []
    ScrapeguardWSGI(wsgi_app, inline=make_inline())(
        environ, lambda status, headers, exc_info=None: started.append(status)
    )
    assert body.taken == 0 and started == ["400 Bad Request"]


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@settings(max_examples=250, deadline=None)
@given(
    action=st.sampled_from(ACTIONS),
    method=st.sampled_from(["GET", "POST", "HEAD", "get", ""]) | st.text(max_size=8),
    path=PATHS | st.text(max_size=30).map(lambda t: "/" + t),
    query=st.binary(max_size=30),
    headers=st.lists(
        st.tuples(NAMES.map(str.encode) | st.binary(max_size=10), st.binary(max_size=40)),
        max_size=8,
    ),
    client=st.sampled_from([None, (PROXY, 1), ("203.0.113.5", 2), ("", 0), ("::1", 3)]),
    chunks=st.lists(st.binary(max_size=2 * MAX_VERIFY_BODY), max_size=4),
)
def test_asgi_judges_any_request_without_failing(
    action: str,
    method: str,
    path: str,
    query: bytes,
    headers: list[tuple[bytes, bytes]],
    client: tuple[str, int] | None,
    chunks: list[bytes],
) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": headers,
        "client": client,
    }
    hold(
        INLINE, action, INLINE.clients.resolve(client[0] if client else None, asgi._headers(scope))
    )
    before = errors(INLINE)
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def no_wait(seconds: float) -> None:
        pass

    middleware = ScrapeguardMiddleware(asgi_app, inline=INLINE)
    real_sleep, asgi.asyncio.sleep = asgi.asyncio.sleep, no_wait  # type: ignore[assignment]
    try:
        asyncio.run(middleware(scope, receive, send))
    finally:
        asgi.asyncio.sleep = real_sleep  # type: ignore[assignment]
    status = sent[0]["status"]
    assert 200 <= status < 600 and status != 500
    for name, value in sent[0]["headers"]:
        assert isinstance(name, bytes) and isinstance(value, bytes)
        assert not any(c in value for c in b"\r\n\0")
    assert errors(INLINE) == before
