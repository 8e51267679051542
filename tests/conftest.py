"""Fixtures shared by all tests, and the CI rule that a skipped test fails."""

from __future__ import annotations

import os

import pytest

from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.policy import Policy


@pytest.fixture
def guard() -> Guard:
    """A guard with the default site model and policy, without network data."""
    return Guard(policy=Policy(), network=NoNetworkInfo())


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
