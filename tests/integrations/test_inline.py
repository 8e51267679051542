"""The framework-neutral core: what `Protection` records for the engine, and hostile input."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inline_apps import BROWSER, PROXY, T0, Clock, make_inline
from support import BINGBOT

from scrapeguard import protection
from scrapeguard.integrations.inline import Inline, Protection, parse_cookies
from scrapeguard.netinfo import PublishedNetworkInfo
from scrapeguard.state.actor import DAY


def request(inline: Inline, path: str, ip: str, **headers: str) -> Protection:
    return inline.begin("GET", path, "", {"x-forwarded-for": ip, **BROWSER, **headers}, PROXY)


def test_login_success_is_attributed_and_a_failure_only_counted() -> None:
    inline = make_inline()
    p = inline.begin("POST", "/login", "", {"x-forwarded-for": "198.51.100.1", **BROWSER}, PROXY)
    p.login("mallory", ok=False)
    inline.finish(p, 401)
    assert p.event.account is None and p.event.extra["outcome"] == "login-failed"
    q = inline.begin("POST", "/login", "", {"x-forwarded-for": "198.51.100.1", **BROWSER}, PROXY)
    q.login("alice", created=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    inline.finish(q, 303)
    assert q.event.account == "alice" and q.event.account_created == 1735689600.0
    net = inline.guard.state.get("net:198.51.100.0/24")
    assert net is not None
    logins = net.more().logins
    assert logins is not None and logins.value(inline.guard.now(), DAY) == 2  # both attempts


def test_disclosures_accept_one_id_or_many_and_count_each_person() -> None:
    inline = make_inline()
    p = request(inline, "/u/alice", "198.51.100.2")
    p.disclose(7, ["name"])
    p.disclose(["a", "b", "c"], ["name"], sensitivity="high")
    assert [d.subject for d in p.disclosed] == ["7", "a", "b", "c"]
    inline.finish(p, 200)
    assert inline.guard.state.get("ip:198.51.100.2").people_day == 4  # type: ignore[union-attr]


def test_an_empty_disclosure_means_nobody_not_the_routes_guess() -> None:
    inline = make_inline()
    p = request(inline, "/search", "198.51.100.3")
    p.disclose([], ["name"])
    inline.finish(p, 200)
    assert inline.guard.state.get("ip:198.51.100.3").people_day == 0  # type: ignore[union-attr]


def test_without_the_middleware_protection_is_detached_and_harmless() -> None:
    p = protection({"type": "http"})
    p.identify("x", T0)
    p.disclose("y")
    assert p.filter({"email": "e", "name": "n"}, "y") == {"email": "e", "name": "n"}


def test_cookies_are_parsed_leniently() -> None:
    assert parse_cookies('a=1; b="two"; junk; =x; a=3; c=') == {"a": "1", "b": "two", "c": ""}
    assert parse_cookies("") == {}


@settings(max_examples=200, deadline=None)
@given(
    xff=st.text(max_size=300),
    cookie=st.text(max_size=300),
    ua=st.text(max_size=200),
    path=st.text(max_size=100).map(lambda t: "/" + t),
)
def test_hostile_headers_never_fail_a_request(xff: str, cookie: str, ua: str, path: str) -> None:
    inline = INLINE
    p = inline.begin(
        "GET", path, "q=%ff", {"x-forwarded-for": xff, "cookie": cookie, "user-agent": ua}, PROXY
    )
    inline.finish(p, 200, 10)
    assert p.finished and p.event.ip
    assert inline.metrics.errors.value("begin") == 0
    assert inline.metrics.errors.value("finish") == 0


INLINE = make_inline()


def test_a_breaker_trip_is_logged_once_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    """Blocks surge far above their baseline: the rule goes back to shadow, and the app's log
    says so once (the engine test checks the trip itself)."""
    clock = Clock()
    inline = make_inline(clock=clock)
    guard = inline.guard
    assert guard.breaker is not None
    guard.breaker.min_count = 5  # a small site: a handful of newly blocked actors is a surge
    scraper = 0

    def harvest(start: float) -> None:
        nonlocal scraper
        scraper += 1
        ip = f"10.{scraper // 250}.{scraper % 250}.1"
        for i in range(400):
            clock.now = T0 + start + i * 0.5
            p = request(inline, f"/u/user{i}", ip)
            p.identify(f"member{scraper}", T0 - 400 * 86400)  # logged in: past the guest wall
            inline.finish(p, 200)

    for hour in range(6):  # one blocked scraper per 10 minutes: the baseline
        for k in range(6):
            harvest(hour * 3600 + k * 600)
    with caplog.at_level(logging.WARNING, logger="scrapeguard"):
        for k in range(8):  # eight in one bucket
            harvest(6 * 3600 + 10 + k * 60)
    trips = [r for r in caplog.records if "breaker tripped" in r.getMessage()]
    assert len(trips) == 1 and len(guard.alerts) == 1
    assert guard.alerts[0].rule in trips[0].getMessage()
    metrics = inline.metrics.render()
    assert "scrapeguard_breaker_trips 1.0" in metrics


def test_stale_crawler_lists_are_warned_of_at_start_and_counted(
    caplog: pytest.LogCaptureFixture, stale_bing: None
) -> None:
    """A Bing list of 2024 cannot verify today's Bingbot: the app's log says so when
    protection starts, and the metrics count the requests it left unverified."""
    with caplog.at_level(logging.WARNING, logger="scrapeguard"):
        inline = make_inline(network=PublishedNetworkInfo())
    [warning] = [r.getMessage() for r in caplog.records if "too old to verify" in r.getMessage()]
    assert "bing" in warning and "google-common" not in warning
    assert "scrapeguard ranges update NAME FILE" in warning
    for i in range(3):
        inline.finish(request(inline, f"/u/user{i}", "13.66.139.5", **{"user-agent": BINGBOT}), 200)
    inline.finish(request(inline, "/u/user9", "198.51.100.4"), 200)  # a person: not counted
    assert "scrapeguard_crawler_ranges_needed 3.0" in inline.metrics.render()


def test_a_long_user_agent_is_kept_to_its_first_thousand_characters() -> None:
    """Each new address makes an actor state that keeps its user agent: a scraper sending
    long unique ones from many addresses must not grow each state as it likes."""
    from scrapeguard.events import MAX_AGENT_CHARS

    inline = make_inline()
    agent = "Mozilla/5.0 " + "y" * 8000
    p = request(inline, "/u/user1", "198.51.100.9", **{"user-agent": agent})
    inline.finish(p, 200)
    assert p.event.user_agent == agent[:MAX_AGENT_CHARS]
    state = inline.guard.state.get("ip:198.51.100.9")
    assert state is not None and len(state.agent) == MAX_AGENT_CHARS
