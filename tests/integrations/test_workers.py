"""Several workers: signed challenges and passes verified by any process sharing the key file,
the loud warning about per-process quotas, and Django's ASGI application behind the ASGI
middleware."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
from pathlib import Path

import pytest
from inline_apps import BROWSER, PROXY, django_setup, make_inline

from scrapeguard.enforce.challenge import load_secret
from scrapeguard.engine import Decision
from scrapeguard.integrations.inline import Inline
from scrapeguard.integrations.loading import build_inline


def _solve(token: str, difficulty: int) -> int:
    counter = 0
    while int.from_bytes(hashlib.sha256(f"{token}:{counter}".encode()).digest(), "big") >> (
        256 - difficulty
    ):
        counter += 1
    return counter


def _worker(config: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """A worker process: builds its Inline from the config, as each gunicorn worker does."""
    inline = build_inline(config)
    ch = inline.challenges.issue(inline.guard.now(), "198.51.100.7", "s-1", "/u/alice")
    queue.put((ch.token, ch.difficulty))


def test_a_challenge_issued_by_one_worker_is_verified_and_passed_by_another(
    tmp_path: Path,
) -> None:
    config = tmp_path / "scrapeguard.yaml"
    config.write_text(f"enforce:\n  secret_file: {tmp_path / 'key'}\n")
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()  # type: ignore[type-arg]
    process = multiprocessing.get_context("spawn").Process(
        target=_worker, args=(str(config), queue)
    )
    process.start()
    token, difficulty = queue.get(timeout=60)
    process.join(timeout=60)
    other = build_inline(str(config))  # this process: another worker, its own memory state
    claim = lambda nonce, until: other.guard.state.claim(nonce, until, other.guard.now())  # noqa: E731
    now = other.guard.now()
    result = other.challenges.verify_work(
        token, _solve(token, difficulty), now, "198.51.77.1", "s-1", claim
    )
    assert result.ok and result.pass_token is not None
    assert other.challenges.check_pass(result.pass_token, now + 60, "198.51.9.9", "s-1")
    assert oct((tmp_path / "key").stat().st_mode & 0o777) == "0o600"
    assert load_secret(None, str(tmp_path / "key")) == load_secret(None, str(tmp_path / "key"))


def test_memory_state_warns_loudly_that_quotas_are_per_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="scrapeguard"):
        make_inline()
    assert any(
        "quota is N times higher" in r.getMessage() and r.levelno == logging.WARNING
        for r in caplog.records
    )


def hold_block(inline: Inline, ip: str) -> Decision:
    now = inline.guard.now()
    d = Decision("block", "ip", f"ip:{ip}", 600, "threshold/block", (), 90, False, "block", now)
    inline.guard.state.record_decision(d)
    return d


def test_django_asgi_application_behind_the_asgi_middleware() -> None:
    django_setup()
    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings
    from starlette.testclient import TestClient

    from scrapeguard.integrations.asgi import ScrapeguardMiddleware

    inline = make_inline(can_wait=True)
    with override_settings(MIDDLEWARE=[]):
        app = ScrapeguardMiddleware(ASGIHandler(), inline=inline)
    client = TestClient(app, client=(PROXY, 1))
    ok = client.get("/u/alice", headers={"x-forwarded-for": "198.51.100.7", **BROWSER})
    assert ok.status_code == 200 and ok.json()["name"] == "Alice"
    state = inline.guard.state.get("ip:198.51.100.7")
    assert state is not None and state.people_day == 1  # the view's disclosure was counted
    d = hold_block(inline, "203.0.113.5")
    blocked = client.get("/u/alice", headers={"x-forwarded-for": "203.0.113.5", **BROWSER})
    assert blocked.status_code == 403 and d.reference in blocked.text
