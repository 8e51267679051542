"""New-account detector: young accounts that start harvesting right after sign-up."""

from __future__ import annotations

import re
from collections.abc import Iterator

from support import T0, event

from scrapeguard.config import load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.policy import Policy, policy_from_document

DAY = 86400.0
FAST_GAPS = (3, 11, 6, 25, 2, 9)  # quick but irregular clicking
DAY_GAPS = (240, 410, 95, 600, 330, 180)  # a page every ~5 minutes, for hours


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def views(
    count: int, account: str, created: float | None, gaps: tuple[int, ...], distinct: int = 0
) -> Iterator[RequestEvent]:
    """`count` profile views by `account`; only the first event carries its creation time
    (as an integration stamps it at sign-up), the rest must rely on what was remembered."""
    t = 0.0
    for i in range(count):
        n = i % distinct if distinct else i
        extra = {"account_created": created} if i == 0 and created is not None else {}
        yield event(t, "198.51.100.44", f"/u/user{n}", account=account, **extra)
        yield event(t + 0.2, "198.51.100.44", "/static/app.js", account=account)
        t += gaps[i % len(gaps)]


def decide_profiles(guard: Guard, events: Iterator[RequestEvent]) -> list[Decision]:
    return [guard.decide(e) for e in events][::2]


def hits(guard: Guard, rule: str) -> int:
    return guard.counters[f"detector/new_account/{rule}/hit"]


def test_an_account_harvesting_in_its_first_hour_is_flagged() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    decisions = decide_profiles(g, views(70, "fresh1", T0 - 600, FAST_GAPS))
    assert not any("account created" in r for d in decisions[:60] for r in d.reasons)
    reason = next(r for r in decisions[60].reasons if r.startswith("account created"))
    assert re.fullmatch(
        r"account created \d+ min ago already received the data of 61 people", reason
    )
    assert decisions[60].key == "account:fresh1"
    assert decisions[-1].action != "allow"


def test_a_young_account_past_the_daily_new_account_quota_is_flagged() -> None:
    # 2 days old, ~12 people an hour (below every volume quota), 130 people in ~11 hours.
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    decisions = decide_profiles(g, views(130, "young2", T0 - 2 * DAY, DAY_GAPS))
    assert hits(g, "per-day") > 0
    assert not any(k.startswith("detector/volume/") for k in g.counters)
    assert not any("new accounts may see" in r for r in decisions[99].reasons)
    reason = next(r for r in decisions[100].reasons if "new accounts may see" in r)
    assert re.fullmatch(
        r"account 2\.\d days old received the data of 101 people in a day; "
        r"new accounts may see 100",
        reason,
    )


def test_an_established_account_reading_as_much_is_not_flagged() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    decisions = decide_profiles(g, views(130, "old3", T0 - 400 * DAY, DAY_GAPS))
    assert hits(g, "per-day") == 0 and hits(g, "first-hour") == 0
    assert not any(
        "new accounts" in r or "account created" in r for d in decisions for r in d.reasons
    )


def test_a_new_account_looking_at_a_few_people_is_not_flagged() -> None:
    # A new member looks at a dozen people, several of them again and again.
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    decisions = decide_profiles(g, views(60, "fresh4", T0 - 300, FAST_GAPS, distinct=12))
    assert hits(g, "first-hour") == 0 and hits(g, "per-day") == 0
    assert {d.action for d in decisions} == {"allow"}


def test_an_account_of_unknown_age_is_not_judged_as_new() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    decide_profiles(g, views(130, "unknown5", None, DAY_GAPS))
    assert hits(g, "per-day") == 0 and hits(g, "first-hour") == 0


def test_younger_than_setting_decides_what_new_means() -> None:
    g = Guard(
        policy=policy("policy: {detectors: {new_account: {younger_than: 1d}}}"),
        network=NoNetworkInfo(),
    )
    decide_profiles(g, views(130, "young2", T0 - 2 * DAY, DAY_GAPS))
    assert hits(g, "per-day") == 0

    g = Guard(
        policy=policy("policy: {detectors: {new_account: {younger_than: 2w}}}"),
        network=NoNetworkInfo(),
    )
    decide_profiles(g, views(130, "older", T0 - 10 * DAY, DAY_GAPS))
    assert hits(g, "per-day") > 0


def test_per_day_and_first_hour_quotas_are_settings() -> None:
    text = "policy: {detectors: {new_account: {per_day: 500, first_hour: 100}}}"
    g = Guard(policy=policy(text), network=NoNetworkInfo())
    decide_profiles(g, views(130, "young2", T0 - 2 * DAY, DAY_GAPS))
    decide_profiles(g, views(40, "fresh1", T0 - 600, FAST_GAPS))
    assert hits(g, "per-day") == 0 and hits(g, "first-hour") == 0


def test_disabled_new_account_detector_raises_nothing() -> None:
    g = Guard(policy=policy("policy: {detectors: {new_account: false}}"), network=NoNetworkInfo())
    decide_profiles(g, views(40, "fresh1", T0 - 600, FAST_GAPS))
    assert not any(k.startswith("detector/new_account/") for k in g.counters)
