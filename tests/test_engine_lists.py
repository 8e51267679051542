"""The engine's access lists and rule breaker, and their policy settings."""

from __future__ import annotations

import pytest
from support import T0, event, profiles, run

from scrapeguard import ConfigError, Guard
from scrapeguard.config import load_document
from scrapeguard.engine import NoNetworkInfo
from scrapeguard.policy import policy_from_document


def guard(text: str = "policy: {mode: enforce}") -> Guard:
    return Guard(
        policy=policy_from_document(load_document(text, "p.yaml")), network=NoNetworkInfo()
    )


LISTS = """
policy:
  mode: shadow
  blocklist:
    - {ip: 203.0.113.0/24, reason: "scraped in March", expires: 2026-01-10}
    - {account: mallory}
    - 2001:db8:bad::/48
  allowlist:
    - {ip: 203.0.113.77, reason: "our own monitoring"}
"""


def test_a_blocklisted_range_is_blocked_even_in_shadow_mode_until_it_expires() -> None:
    g = guard(LISTS)
    d = g.decide(event(0, "203.0.113.9", "/u/alice"))
    assert (d.action, d.enforced, d.origin) == ("block", "block", "blocklist")
    assert "scraped in March" in d.reasons[0]
    assert g.held(event(10, "203.0.113.10", "/")).enforced == "block"
    after = event(10 * 86400, "203.0.113.9", "/u/alice")  # 2026-01-11: the entry has expired
    assert g.decide(after).enforced == "allow"


def test_the_allowlist_wins_over_the_blocklist_and_over_detectors() -> None:
    g = guard(LISTS.replace("mode: shadow", "mode: enforce"))
    decisions = run(g, profiles(0, 500, ip="203.0.113.77", every=1.0))
    assert {d.enforced for d in decisions} == {"allow"}  # type: ignore[attr-defined]
    assert decisions[-1].origin == "allowlist"  # type: ignore[attr-defined]
    assert g.state.get("ip:203.0.113.77").people_day == 500  # still counted


def test_accounts_and_ipv6_ranges_are_blocklisted() -> None:
    g = guard(LISTS)
    assert g.decide(event(0, "198.51.100.1", "/", account="mallory")).enforced == "block"
    assert g.decide(event(0, "2001:db8:bad:1::5", "/")).enforced == "block"
    assert g.decide(event(0, "2001:db8:beef::5", "/")).enforced == "allow"


def test_entries_added_at_run_time_apply_at_once() -> None:
    g = guard()
    assert g.decide(event(0, "192.0.2.5", "/")).enforced == "allow"
    g.blocklist.add("192.0.2.0/28", expires=T0 + 60, reason="manual")
    assert g.decide(event(1, "192.0.2.5", "/")).enforced == "block"
    assert g.decide(event(61, "192.0.2.5", "/")).enforced == "allow"


def test_list_mistakes_are_reported_with_their_lines() -> None:
    text = """policy:
  blocklist:
    - {ip: 203.0.113.0/33}
    - {ip: 192.0.2.1, account: x}
    - {ip: 192.0.2.1, expires: soon}
"""
    with pytest.raises(ConfigError) as info:
        guard(text)
    text_of = "\n".join(info.value.messages)
    assert "p.yaml:3: policy.blocklist.0.ip" in text_of
    assert "p.yaml:4: policy.blocklist.1: an entry needs exactly one of ip or account" in text_of
    assert "p.yaml:5: policy.blocklist.2.expires: must be a date" in text_of


def test_the_breaker_returns_a_rule_that_suddenly_blocks_far_more_to_shadow() -> None:
    """A steady trickle of blocks sets the baseline; a surge far above it trips the rule,
    which then stops being enforced (and is alerted on), while other rules still are."""
    g = guard(
        "policy: {mode: enforce, limits: {guest: false}, durations: {block: 1s},"
        " breaker: {bucket: 10m, min_blocks: 5}}"
    )
    ip = 0

    def scraper(start: float) -> list[object]:
        nonlocal ip
        ip += 1
        return run(g, profiles(start, 400, ip=f"10.{ip // 250}.{ip % 250}.1", every=0.5))

    for hour in range(6):  # one blocked scraper per 10 minutes: baseline ≈ 1 per bucket
        for k in range(6):
            scraper(hour * 3600 + k * 600)
    assert not g.alerts
    blocked = 0
    for k in range(8):  # eight scrapers in one bucket
        last = scraper(6 * 3600 + 10 + k * 60)[-1]
        blocked += last.enforced == "block"  # type: ignore[attr-defined]
    assert len(g.alerts) == 1
    trip = g.alerts[0]
    assert trip.count > 3 * trip.baseline and trip.rule in trip.message
    assert g.counters[f"breaker/{trip.rule}/tripped"] == 1
    assert 0 < blocked < 8  # enforced until the trip, shadowed after it
    after = scraper(6 * 3600 + 500)[-1]
    assert after.action == "block" and after.enforced != "block"  # type: ignore[attr-defined]


def test_breaker_settings_are_validated() -> None:
    with pytest.raises(ConfigError) as info:
        guard("policy: {breaker: {factor: 1, min_blocks: 0, bucket: soon}}")
    assert len(info.value.messages) == 3
    assert guard("policy: {breaker: false}").breaker is None
