"""Property test: the timing detector's "like a timer" verdict and the figures it gives agree
with `statistics` on the gaps between the same pages."""

from __future__ import annotations

import re
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st
from support import event

from scrapeguard.config import load_document
from scrapeguard.detectors.timing import TimingSettings
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.policy import policy_from_document
from scrapeguard.state.actor import LONG_PAUSE

ONLY_TIMING = "volume: false, enumeration: false, breadth: false, automation: false"
S = TimingSettings()


def guard() -> Guard:
    text = f"policy: {{limits: {{}}, detectors: {{{ONLY_TIMING}}}}}"
    return Guard(
        policy=policy_from_document(load_document(text, "t.yaml")), network=NoNetworkInfo()
    )


def timer_like(gaps: list[float]) -> bool:
    """The documented test: enough gaps under a minute, a mean within the timer range, and a
    standard deviation below `regular_cv` of the mean (pauses of a minute or more left out)."""
    short = [g for g in gaps if g < LONG_PAUSE]
    if len(short) < max(S.min_gaps, 2):
        return False
    mean = statistics.fmean(short)
    return S.min_mean_gap <= mean < S.max_mean_gap and statistics.stdev(short) / mean < S.regular_cv


def near_an_edge(gaps: list[float]) -> bool:
    """Within rounding of a threshold, where either answer is right."""
    short = [g for g in gaps if g < LONG_PAUSE]
    if len(short) < 2:
        return False
    mean = statistics.fmean(short)
    cv = statistics.stdev(short) / mean if mean else 0.0
    edges = ((mean, S.min_mean_gap), (mean, S.max_mean_gap), (cv, S.regular_cv))
    return any(abs(value - edge) < 1e-6 for value, edge in edges)


@st.composite
def paces(draw: st.DrawFn) -> list[float]:
    """Gaps around one mean, jittered by up to `spread` of it, with the odd long pause."""
    mean = draw(st.floats(1.0, 25.0))
    spread = draw(st.sampled_from([0.0, 0.05, 0.2, 0.3, 0.5]))
    jitter = st.floats(-spread, spread).map(lambda j: round(mean * (1 + j), 3))
    pause = st.floats(LONG_PAUSE, 5 * LONG_PAUSE)
    beats = st.tuples(st.integers(0, 7), jitter, pause).map(lambda b: b[2] if b[0] == 0 else b[1])
    return draw(st.lists(beats, min_size=32, max_size=60))


@settings(max_examples=100, deadline=None)
@given(paces())
def test_timer_verdict_and_figures_agree_with_statistics(gaps: list[float]) -> None:
    """On each page, "requests arrive every M s ± D s, like a timer (N intervals)" is said
    exactly when the gaps so far are timer-like, with M and D their mean and standard deviation
    and N their number (pauses of a minute or more are no interval of the rhythm)."""
    g = guard()
    t = 0.0
    times = [t]
    for gap in gaps:
        t += gap
        times.append(t)
    # The gaps as the engine sees them: between the events' own times (an offset epoch, so
    # they differ from `gaps` in the last bits, which matters at a pause of exactly a minute).
    events = [event(at, "198.51.100.90", f"/u/user{i % 7}") for i, at in enumerate(times)]
    seen: list[float] = []
    for i, e in enumerate(events):
        if i:
            seen.append(e.time - events[i - 1].time)
        before = g.counters["detector/timing/regular/hit"]
        decision = g.decide(e)
        fired = g.counters["detector/timing/regular/hit"] > before
        if near_an_edge(seen):
            continue
        assert fired == timer_like(seen), (i, seen)
        if fired:
            short = [x for x in seen if x < LONG_PAUSE]
            said = [r for r in decision.reasons if "like a timer" in r]
            assert said, decision.reasons
            m = re.search(
                r"every ([\d.]+) s ± ([\d.]+) s, like a timer \((\d+) intervals\)", said[0]
            )
            assert m is not None, said[0]
            # Written to one decimal from a running mean: either side of a .x5 is right.
            assert abs(float(m.group(1)) - statistics.fmean(short)) <= 0.05 + 1e-9
            assert abs(float(m.group(2)) - statistics.stdev(short)) <= 0.05 + 1e-9
            assert int(m.group(3)) == len(short)
