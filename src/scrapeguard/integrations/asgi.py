"""ASGI middleware: Starlette, FastAPI, Django's ASGI application, any ASGI app.

    app.add_middleware(ScrapeguardMiddleware, config="scrapeguard.yaml")   # Starlette/FastAPI
    application = ScrapeguardMiddleware(get_asgi_application(), config="scrapeguard.yaml")

The app reaches the request's `Protection` with `scrapeguard.protection(request)` (or
`request.state.scrapeguard`). The decision is taken when the app starts its response, so no
response body is buffered; a tarpit waits on the event loop without holding a worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..enforce.pages import MAX_VERIFY_BODY, Response
from .inline import Inline, Protection
from .loading import build_inline

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ScrapeguardMiddleware:
    """Protects an ASGI app; HTTP requests only, other scopes pass through untouched."""

    def __init__(
        self, app: ASGIApp, config: str | None = None, inline: Inline | None = None
    ) -> None:
        self.app = app
        self.inline = inline if inline is not None else build_inline(config, can_wait=True)
        self.inline.can_wait = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inline = self.inline
        client = scope.get("client")
        p = inline.begin(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            _headers(scope),
            client[0] if client else None,
            scope.get("scheme", "http"),
        )
        scope["scrapeguard"] = p
        scope.setdefault("state", {})["scrapeguard"] = p
        if p.internal:
            await _send(send, await _internal(inline, p, receive))
            return
        if p.response is not None:
            inline.finish(p, p.response.status)
            await self._wait(p)
            await _send(send, p.response)
            return
        await self._wait(p)
        replaced = False

        async def guarded_send(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                replacement = inline.finish(p, message["status"], _length(message))
                await self._wait(p)
                if replacement is not None:
                    replaced = True
                    await _send(send, replacement)
                    return
                if p.headers:
                    extra = [(k.lower().encode(), v.encode()) for k, v in p.headers]
                    message = {**message, "headers": [*message.get("headers", ()), *extra]}
            elif replaced and message["type"] == "http.response.body":
                return
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        finally:
            inline.finish(p, 500)  # counted even when the app failed before answering

    async def _wait(self, p: Protection) -> None:
        """The tarpit: hold the response on the event loop, not a worker."""
        delay, p.delay = p.delay, 0.0
        if delay <= 0:
            return
        self.inline.tarpits += 1
        try:
            await asyncio.sleep(delay)
        finally:
            self.inline.tarpits -= 1


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers, repeated lines joined with ``", "``; Cookie lines (each cookie in a
    line of its own over HTTP/2, passed on as they came) with ``"; "``, as RFC 9113 says."""
    out: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in out:
            value = f"{out[name]}{'; ' if name == 'cookie' else ', '}{value}"
        out[name] = value
    return out


def _length(message: Message) -> int:
    for name, value in message.get("headers", ()):
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


async def _internal(inline: Inline, p: Protection, receive: Receive) -> Response:
    if p.internal != "verify":
        return inline.internal(p)
    body = b""
    more = True
    while more and len(body) <= MAX_VERIFY_BODY:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        more = message.get("more_body", False)
    content_type = (p.event.headers or {}).get("content-type", "")
    return inline.verify(p, content_type, body)


async def _send(send: Send, response: Response) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
