"""The challenge end to end: a Starlette app behind `ScrapeguardMiddleware`, served by uvicorn
on loopback, challenged by the engine's decision; headless Chromium solves it and gets the page,
and a replayed, forged or expired proof is refused."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

import pytest
from inline_apps import make_inline, starlette_app
from support import free_port

from scrapeguard.engine import Decision
from scrapeguard.integrations.inline import Inline

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TIMEOUT_MS = 20_000
VERIFY = "/.scrapeguard/verify"


@pytest.fixture
def site() -> Iterator[tuple[str, Inline]]:
    """The protected app on a free loopback port, on the wall clock; 127.0.0.1 challenged."""
    inline = make_inline(clock=time.time, can_wait=True)
    now = time.time()
    inline.guard.state.record_decision(
        Decision(
            "challenge",
            "ip",
            "ip:127.0.0.1",
            600,
            "threshold/challenge",
            (),
            50,
            False,
            "challenge",
            now,
        )
    )
    uvicorn = pytest.importorskip("uvicorn", reason="BROWSER TEST NOT RUN: needs uvicorn")
    port = free_port()
    config = uvicorn.Config(starlette_app(inline), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", inline
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def post(base: str, path: str, body: str) -> int:
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", path, body.encode(), headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_chromium_solves_the_challenge_and_replays_forgeries_and_expiry_are_refused(
    browser: Browser, site: tuple[str, Inline]
) -> None:
    base, inline = site
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.post_data or "") if VERIFY in r.url else None)
    page.goto(base + "/u/alice")
    page.wait_for_url(base + "/u/alice", timeout=TIMEOUT_MS)
    page.get_by_text('"name":"Alice"').wait_for(timeout=TIMEOUT_MS)
    assert [c["name"] for c in context.cookies()] == ["sg_pass"]
    assert inline.metrics.challenges.value("passed") == 1
    assert len(posts) == 1
    assert post(base, VERIFY, posts[0]) == 403  # the same proof again: replay refused
    fields = {k: v[0] for k, v in parse_qs(posts[0]).items()}
    token = fields["token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert post(base, VERIFY, urlencode({**fields, "token": forged})) == 403
    old = inline.challenges.issue(time.time() - 3600, "127.0.0.1", None, "/u/alice")
    counter = 0
    while not _works(old.token, counter, old.difficulty):
        counter += 1
    assert post(base, VERIFY, urlencode({"token": old.token, "counter": counter})) == 403
    context.close()


def test_without_javascript_the_visitor_waits_and_continues(
    browser: Browser, site: tuple[str, Inline]
) -> None:
    base, _ = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/u/bob")
    time.sleep(2.1)  # the configured wait is 1 s, counted from the next whole second
    page.get_by_role("button", name="Continue").click()
    page.get_by_text('"name":"Bob"').wait_for(timeout=TIMEOUT_MS)
    context.close()


def _works(token: str, counter: int, difficulty: int) -> bool:
    import hashlib

    digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - difficulty) == 0
