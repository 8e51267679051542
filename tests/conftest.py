"""Fixtures shared by all tests, and the CI rule that a skipped test fails."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from scrapeguard import netranges
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.policy import Policy


@pytest.fixture
def guard() -> Guard:
    """A guard with the default site model and policy, without network data."""
    return Guard(policy=Policy(), network=NoNetworkInfo())


@pytest.fixture
def stale_bing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Bing's packaged list installed as the copy of its creation day, 2024-01-03: too old
    to verify the tests' 2026 traffic either way (the packaged copy is dated 2026-08-22)."""
    monkeypatch.setenv("SCRAPEGUARD_RANGES_DIR", str(tmp_path / "ranges"))
    packaged = resources.files("scrapeguard.data.ranges") / "bingbot-ipv4.txt"
    source = tmp_path / "bingbot-ipv4.txt"
    source.write_text(packaged.read_text(encoding="utf-8"), encoding="utf-8")
    netranges.update_range_list("bing", source, data_date=dt.date(2024, 1, 3))
    yield
    monkeypatch.undo()
    netranges.reload_network_data()


CHROMIUM = "/usr/bin/chromium"
#: As root, on a machine without network: no sandbox, no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skipped loudly when either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("BROWSER TEST NOT RUN: needs the Python package playwright")
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"BROWSER TEST NOT RUN: needs Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=20_000)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under CI (SCRAPEGUARD_REQUIRE_REAL=1) a skipped test fails: a missing binary or
    dataset must not pass silently."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("SCRAPEGUARD_REQUIRE_REAL") == "1" and report.skipped:
        if hasattr(report, "wasxfail"):
            return
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under SCRAPEGUARD_REQUIRE_REAL=1: {reason}"
