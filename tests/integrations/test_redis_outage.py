"""The middleware on shared state while Redis dies and returns (a real redis-server, killed):
docs/multi-node.md says nobody gets an error page, whether `on_error` is open or closed (an
outage is not an internal error), and docs/inline.md that a challenge is single-use: a proof
used during the outage must not be accepted again once Redis is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from inline_apps import BROWSER, CONFIG, PROXY, SECRET
from redis_server import RedisServer

from scrapeguard.config import load_document
from scrapeguard.enforce.challenge import has_work
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.integrations.inline import Inline
from scrapeguard.integrations.loading import read_config
from scrapeguard.state import RedisState, open_state

SCRAPER = "203.0.113.9"
PERSON = "198.51.100.20"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    s = RedisServer(tmp_path)
    s.start()
    yield s
    s.stop()


@pytest.mark.parametrize("on_error", ["open", "closed"])
def test_an_outage_serves_everyone_and_a_proof_used_during_it_stays_used(
    server: RedisServer, on_error: str
) -> None:
    from inline_apps import starlette_app
    from starlette.testclient import TestClient

    text = CONFIG.replace("MODE", "enforce").replace("ON_ERROR", on_error)
    text += f"state: {server.url}?timeout=0.1&retry=0.1\n"
    site, policy, settings, state_url = read_config(load_document(text, "inline.yaml"))
    state = open_state(state_url)
    assert isinstance(state, RedisState)
    guard = Guard(site, policy, state, NoNetworkInfo())
    inline = Inline(guard, settings, secret=SECRET)
    client = TestClient(starlette_app(inline), client=(PROXY, 5000), follow_redirects=False)

    def get(path: str, ip: str, accept: str = "text/html") -> int:
        headers = {**BROWSER, "accept": accept, "x-forwarded-for": ip}
        return client.get(path, headers=headers).status_code

    try:
        now = guard.now()
        held = Decision(
            "challenge", "ip", f"ip:{SCRAPER}", 600.0, "threshold/challenge", ("why",), 50,
            False, "challenge", now,
        )  # fmt: skip
        state.record_decision(held)
        page = client.get(
            "/u/alice",
            headers={**BROWSER, "accept": "application/json", "x-forwarded-for": SCRAPER},
        )
        assert page.status_code == 403
        ch = page.json()["challenge"]
        counter = next(c for c in range(1_000_000) if has_work(ch["token"], c, ch["difficulty"]))
        form = {"token": ch["token"], "counter": str(counter)}
        headers = {**BROWSER, "x-forwarded-for": SCRAPER}

        server.stop()
        assert get("/u/bob", PERSON) == 200  # the request that meets the timeout
        assert not state.up
        assert get("/u/carol", PERSON) == 200
        assert client.post(ch["verify"], data=form, headers=headers).status_code == 303
        assert client.post(ch["verify"], data=form, headers=headers).status_code == 403
        assert get("/u/alice", SCRAPER) == 200  # the pass, granted during the outage

        server.start()
        deadline = time.monotonic() + 10
        while not state.up:
            assert time.monotonic() < deadline, "the state did not reconnect"
            time.sleep(0.02)
        replay = client.post(ch["verify"], data=form, headers=headers)
        assert replay.status_code == 403, "a proof used during the outage was accepted again"
        assert get("/u/dave", PERSON) == 200
        assert all(inline.metrics.errors.value(s) == 0 for s in ("begin", "finish", "verify"))
    finally:
        state.close()
