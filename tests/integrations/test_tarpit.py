"""The ASGI tarpit holds a response `enforce.tarpit.delay` once: a tarpit held before the app
runs is decided again when the app answers, and must not wait a second time (twice the delay
holds every slot twice as long and can outlast the proxy's timeout, which `tarpit.delay` is
capped at 2 minutes to stay under)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from inline_apps import BROWSER, PROXY, make_inline

from scrapeguard.engine import Decision
from scrapeguard.integrations import asgi
from scrapeguard.integrations.asgi import ScrapeguardMiddleware

SCRAPER = "203.0.113.9"


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def get(middleware: ScrapeguardMiddleware, path: str) -> int:
    headers = [(k.encode(), v.encode()) for k, v in {**BROWSER, "x-forwarded-for": SCRAPER}.items()]
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": headers,
        "client": (PROXY, 4000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return int(sent[0]["status"])


@pytest.mark.parametrize("path", ["/u/alice", "/"])
def test_a_tarpitted_response_waits_the_delay_once(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(asgi.asyncio, "sleep", sleep)
    inline = make_inline(can_wait=True)
    now = inline.guard.now()
    held = Decision(
        "tarpit",
        "ip",
        f"ip:{SCRAPER}",
        600.0,
        "threshold/tarpit",
        ("why",),
        90,
        False,
        "tarpit",
        now,
    )
    inline.guard.state.record_decision(held)
    middleware = ScrapeguardMiddleware(app, inline=inline)
    assert get(middleware, path) == 200
    assert waits == [inline.settings.tarpit_delay]
    assert inline.tarpits == 0
