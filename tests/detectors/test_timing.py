"""Timing detector: timer-regular arrivals, no pauses, no sleep."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from support import event

from scrapeguard.config import load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.policy import Policy, policy_from_document

# A person reads: gaps vary by more than their mean, with pauses over a minute.
HUMAN_GAPS = (7, 31, 12, 95, 4, 48, 20, 130, 9, 65)
# Busy but irregular (coefficient of variation about 1), never a minute's pause.
BUSY_GAPS = (2, 9, 4, 30, 1, 15)
# All day and night: a page every 1.5-3.5 minutes.
TIRELESS_GAPS = (100, 170, 130, 200, 90)
# Only the timing detector matters here; the others would also react to these volumes.
ONLY_TIMING = "volume: false, enumeration: false, breadth: false, automation: false"


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def guard(settings: str = "", network: NoNetworkInfo | None = None, extra: str = "") -> Guard:
    detectors = ONLY_TIMING + (", " + settings if settings else "")
    text = f"policy: {{limits: {{}}, {extra}detectors: {{{detectors}}}}}"
    return Guard(policy=policy(text), network=network or NoNetworkInfo())


def paced(
    count: int, gaps: Sequence[float], ip: str = "198.51.100.90", **kw: object
) -> list[RequestEvent]:
    """`count` profile views (of a handful of people) spaced by `gaps`, cycled."""
    out, t = [], 0.0
    for i in range(count):
        out.append(event(t, ip, f"/u/user{i % 7}", **kw))
        t += gaps[i % len(gaps)]
    return out


def decide_all(g: Guard, events: Iterable[RequestEvent]) -> list[Decision]:
    return [g.decide(e) for e in events]


def hits(g: Guard, rule: str) -> int:
    return g.counters[f"detector/timing/{rule}/hit"]


class Shared(NoNetworkInfo):
    def origin(self, ip: str) -> frozenset[str]:
        return frozenset({"shared:cgnat"}) if ip.startswith("100.64.") else frozenset()


def test_timer_regular_requests_are_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(40, [5.0]))
    assert not any("like a timer" in r for r in decisions[29].reasons)
    assert (
        "requests arrive every 5.0 s ± 0.0 s, like a timer (30 intervals)" in decisions[30].reasons
    )
    # Exact: a timer. Alone it is a look, not harm: it stays below the first action.
    assert (decisions[30].score, decisions[30].action) == (39, "allow")


def test_traits_alone_may_act_when_the_policy_says_so() -> None:
    g = guard(extra="traits_act_alone: true, ")
    decisions = decide_all(g, paced(40, [5.0]))
    assert (decisions[30].score, decisions[30].action) == (60, "throttle")


def test_a_steady_reader_is_not_taken_for_a_timer() -> None:
    """A person reading at an even, slow pace (a screen-reader user reads every page aloud at
    much the same speed): no timing signal at all."""
    g = guard()
    gaps = [30.0, 38.0, 26.0, 35.0, 31.0, 41.0, 28.0, 33.0]  # coefficient of variation ~0.15
    decisions = decide_all(g, paced(40, gaps))
    assert not any("like a timer" in r for d in decisions for r in d.reasons)
    assert hits(g, "regular") == 0


def test_a_quick_steady_pace_is_only_weakly_regular() -> None:
    """Faster, the same evenness is weak evidence that needs support before anything happens."""
    g = guard()
    gaps = [9.0, 11.4, 7.8, 10.5, 9.3, 12.3, 8.4, 9.9]  # the same shape, 10 s a page
    last = decide_all(g, paced(40, gaps))[-1]
    assert any("like a timer" in r for r in last.reasons)
    assert last.action == "allow" and last.score < 40


def test_a_little_jitter_does_not_hide_a_timer() -> None:
    g = guard()
    decisions = decide_all(g, paced(40, [4.6, 5.3, 5.0, 4.8, 5.2]))
    reason = next(r for r in decisions[-1].reasons if "like a timer" in r)
    assert re.fullmatch(
        r"requests arrive every 5\.0 s ± 0\.\d s, like a timer \(39 intervals\)", reason
    )


def test_a_person_reading_at_their_own_pace_is_not_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(250, HUMAN_GAPS))
    assert not any(k.startswith("detector/timing/") for k in g.counters)
    assert {d.action for d in decisions} == {"allow"}


def test_hundreds_of_requests_without_a_pause_are_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(320, BUSY_GAPS))
    assert hits(g, "regular") == 0
    assert not any("without a single pause" in r for r in decisions[299].reasons)
    assert "made 300 requests without a single pause of a minute" in decisions[300].reasons


def test_a_busy_person_who_pauses_now_and_then_is_not_flagged() -> None:
    g = guard()
    gaps = list(BUSY_GAPS) * 20 + [240]  # a four-minute break every 120 pages
    decide_all(g, paced(320, gaps))
    assert hits(g, "no-pause") == 0


def test_activity_without_sleep_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(540, TIRELESS_GAPS))
    assert hits(g, "no-sleep") > 0
    reason = next(r for r in decisions[-1].reasons if "without a break" in r)
    assert re.fullmatch(r"active for 2\d h without a break longer than 4 min", reason)


def test_a_person_who_sleeps_is_not_flagged() -> None:
    g = guard()
    day = paced(300, TIRELESS_GAPS)  # ~12 hours of heavy use...
    night = [event(e.time - day[0].time + 20 * 3600, e.ip, e.path) for e in day]  # ...8 h sleep
    decide_all(g, day + night)
    assert hits(g, "no-sleep") == 0


def test_timing_behind_a_shared_address_is_not_judged() -> None:
    # Many people behind a carrier NAT interleave into any rhythm.
    g = guard(network=Shared())
    decide_all(g, paced(60, [5.0], ip="100.64.9.9"))
    decide_all(g, paced(320, BUSY_GAPS, ip="100.64.9.10"))
    assert not any(k.startswith("detector/timing/") for k in g.counters)
    # ...but a session behind it is one client, and is judged.
    g = guard(network=Shared())
    decide_all(g, paced(60, [5.0], ip="100.64.9.9", session="s-1"))
    assert hits(g, "regular") > 0


def test_regularity_threshold_is_a_setting() -> None:
    g = guard("timing: {regular_cv: 0.0}")
    decide_all(g, paced(40, [5.0]))
    assert hits(g, "regular") == 0
    g = guard("timing: {min_gaps: 100}")
    decide_all(g, paced(40, [5.0]))
    assert hits(g, "regular") == 0


def test_no_sleep_gap_is_a_duration_setting() -> None:
    g = guard("timing: {no_sleep_max_gap: 2m}")
    decide_all(g, paced(540, TIRELESS_GAPS))
    assert hits(g, "no-sleep") == 0
    g = guard("timing: {no_sleep_max_gap: 1h, no_sleep_hours: 10, no_sleep_pages: 100}")
    decide_all(g, paced(300, TIRELESS_GAPS))
    assert hits(g, "no-sleep") > 0


def test_disabled_timing_detector_raises_nothing() -> None:
    g = guard("timing: {enabled: false}")
    decide_all(g, paced(40, [5.0]))
    decide_all(g, paced(320, BUSY_GAPS, ip="198.51.100.91"))
    assert not any(k.startswith("detector/timing/") for k in g.counters)
