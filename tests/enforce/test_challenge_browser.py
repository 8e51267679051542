"""The challenge in a real browser: headless Chromium solves it, or waits it out without
JavaScript, against a tiny WSGI app; replayed, forged and expired proofs are refused."""

from __future__ import annotations

import hashlib
import http.client
import re
import threading
import time
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from http.cookies import SimpleCookie
from itertools import count
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from scrapeguard.enforce.challenge import Challenges
from scrapeguard.enforce.pages import (
    MAX_VERIFY_BODY,
    PASS_COOKIE,
    Response,
    challenge,
    handle_verify,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
VERIFY = "/.scrapeguard/verify"
DIFFICULTY = 12
WAIT = 2.0
TIMEOUT_MS = 20_000
SECRET = b"browser-test-secret-of-32-bytes!"


class App:
    """Serves the challenge for every path until the visitor holds a pass, then "welcome"."""

    def __init__(self, challenges: Challenges) -> None:
        self.challenges = challenges
        self._claimed: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, nonce: str, until: float) -> bool:
        with self._lock:
            fresh = nonce not in self._claimed
            self._claimed.add(nonce)
            return fresh

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        now = time.time()
        ip = environ["REMOTE_ADDR"]
        path = environ["PATH_INFO"]
        if path == VERIFY:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(min(length, MAX_VERIFY_BODY + 1))
            method, kind = environ["REQUEST_METHOD"], environ.get("CONTENT_TYPE", "")
            response, _ = handle_verify(
                self.challenges, method, kind, body, now, ip, None, self.claim, False, False
            )
        else:
            cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
            token = cookies[PASS_COOKIE].value if PASS_COOKIE in cookies else ""
            if token and self.challenges.check_pass(token, now, ip, None):
                page = b"<!doctype html><title>welcome</title><h1>welcome</h1>"
                response = Response(200, (("Content-Type", "text/html"),), page)
            else:
                query = environ.get("QUERY_STRING", "")
                target = path + ("?" + query if query else "")
                response = challenge(self.challenges.issue(now, ip, None, target), VERIFY, False)
        start_response(
            f"{response.status} {HTTPStatus(response.status).phrase}", [*response.headers]
        )
        return [response.body]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[tuple[str, App]]:
    app = App(Challenges(SECRET, difficulty=DIFFICULTY, wait=WAIT))
    server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def open_page(browser: Browser, javascript: bool = True) -> tuple[Page, list[str]]:
    """A page in a fresh context, and the list its console errors go to."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    # The challenge page's own 403 is reported as a failed load; anything else (a CSP
    # violation, a script error) is a fault.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def verify_posts(page: Page) -> list[str]:
    """The bodies of the page's requests to the verify path, as they are sent."""
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.post_data or "") if VERIFY in r.url else None)
    return posts


def wait_for_welcome(page: Page) -> None:
    page.get_by_role("heading", name="welcome").wait_for(timeout=TIMEOUT_MS)


def request(base: str, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """A request outside the browser, redirects not followed."""
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def verify(base: str, token: str, counter: int) -> tuple[int, bytes]:
    body = urlencode({"token": token, "mode": "work", "counter": counter}).encode()
    return request(base, "POST", VERIFY, body)


def solve(token: str, difficulty: int) -> int:
    for counter in count():
        digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) == 0:
            return counter
    raise AssertionError("unreachable")


def paths_covering_block_edges(challenges: Challenges) -> list[str]:
    """Paths whose tokens leave 0, about 53 and about 62 bytes of "<token>:" past its last whole
    64-byte block, so that the browser's SHA-256 hashes both one and two final blocks."""
    wanted = [range(0, 4), range(52, 56), range(60, 64)]
    found: list[str] = []
    for pad in range(200):
        path = "/people?q=" + "a" * pad
        tail = (len(challenges.issue(time.time(), "127.0.0.1", None, path).token) + 1) % 64
        hit = next((w for w in wanted if tail in w), None)
        if hit is not None:
            wanted.remove(hit)
            found.append(path)
    assert not wanted
    return found


def test_the_browser_solves_the_challenge_and_lands_on_the_page(
    browser: Browser, site: tuple[str, App]
) -> None:
    base, app = site
    for path in paths_covering_block_edges(app.challenges):
        page, errors = open_page(browser)
        proofs = verify_posts(page)
        try:
            first = page.goto(base + path)
            assert first is not None and first.status == 403
            wait_for_welcome(page)
            assert page.url == base + path
            cookie = next(c for c in page.context.cookies() if c["name"] == PASS_COOKIE)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            assert app.challenges.check_pass(cookie["value"], time.time(), "127.0.0.1", None)
            assert errors == []
        finally:
            page.context.close()
        # The browser's proof, sent again, is refused: a challenge is good for one pass.
        [proof] = proofs
        status, body = request(base, "POST", VERIFY, proof.encode())
        assert status == 403 and b"already been used" in body


def test_without_javascript_the_visitor_waits_then_continues(
    browser: Browser, site: tuple[str, App]
) -> None:
    base, _ = site
    page, _ = open_page(browser, javascript=False)
    try:
        page.goto(base + "/u/alice")
        # Playwright's text locators skip <noscript>; CSS ones see what the browser renders.
        notice = page.locator("noscript p")
        assert notice.is_visible() and "JavaScript is turned off" in notice.inner_text()
        page.get_by_role("button", name="Continue").click()
        assert page.get_by_text("Almost there").is_visible()
        seconds = re.search(r"wait (\d+) seconds? more", page.content())
        assert seconds is not None
        time.sleep(int(seconds[1]) + 0.2)
        page.get_by_role("button", name="Continue").click()
        wait_for_welcome(page)
        assert page.url == base + "/u/alice"
    finally:
        page.context.close()


def test_forged_and_expired_proofs_are_refused(site: tuple[str, App]) -> None:
    base, app = site
    status, page = request(base, "GET", "/")
    assert status == 403
    token = re.search(rb'name="token" value="([^"]+)"', page)[1].decode()  # type: ignore[index]
    counter = solve(token, DIFFICULTY)
    middle = len(token) // 3
    forged = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    status, body = verify(base, forged, solve(forged, DIFFICULTY))
    assert status == 403 and b"could not be verified" in body
    stranger = Challenges(b"another-secret-of-at-least-32-by", difficulty=DIFFICULTY)
    foreign = stranger.issue(time.time(), "127.0.0.1", None, "/").token
    status, body = verify(base, foreign, solve(foreign, DIFFICULTY))
    assert status == 403 and b"could not be verified" in body
    expired = app.challenges.issue(time.time() - 1000, "127.0.0.1", None, "/").token
    status, body = verify(base, expired, solve(expired, DIFFICULTY))
    assert status == 403 and b"expired" in body
    # The genuine proof still earns its pass, once.
    assert verify(base, token, counter)[0] == 303
    assert verify(base, token, counter)[0] == 403
