"""The rollout breaker, on injected time: surges trip a rule once, steady blocking never."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import T0

from scrapeguard.enforce.breaker import Breaker, Trip

RULE = "volume/guest-per-hour"
BUCKET = 600.0


def steady(b: Breaker, per_bucket: int, buckets: int, start: int = 0, rule: str = RULE) -> None:
    """`per_bucket` blocks spread over each of `buckets` buckets from bucket `start`."""
    for k in range(start, start + buckets):
        for i in range(per_bucket):
            assert b.record(rule, T0 + k * BUCKET + (i + 0.5) * BUCKET / per_bucket) is None


def burst(b: Breaker, count: int, bucket: int, rule: str = RULE) -> list[Trip | None]:
    return [b.record(rule, T0 + bucket * BUCKET + i * 0.1) for i in range(count)]


def test_steady_blocking_does_not_trip() -> None:
    b = Breaker()
    steady(b, 40, 300)
    assert not b.tripped(RULE) and b.trips == []


def test_a_surge_above_three_times_the_baseline_trips_exactly_once() -> None:
    b = Breaker()
    steady(b, 30, 10)
    results = burst(b, 200, 10)
    trips = [(i, t) for i, t in enumerate(results) if t is not None]
    assert len(trips) == 1
    index, trip = trips[0]
    assert index == 90  # the 91st block exceeds 3 × 30
    assert trip == Trip(RULE, T0 + 10 * BUCKET + 9.0, 91, 30.0, BUCKET)
    assert b.tripped(RULE) and not b.tripped("other/rule")
    assert b.trips == [trip]
    assert trip.message == (
        f"rule {RULE} blocked 91 times within 10 minutes, 3.0 times its baseline of 30.0 "
        "per 10 minutes; it is back in shadow until reset"
    )
    assert burst(b, 500, 11) == [None] * 500  # tripped rules keep counting, silently


def test_rules_are_counted_apart() -> None:
    b = Breaker()
    steady(b, 30, 10)
    steady(b, 1, 10, rule="traps/honeypot")
    assert burst(b, 40, 10, rule="traps/honeypot")[20] is not None
    assert not b.tripped(RULE) and b.tripped("traps/honeypot")


def test_a_near_zero_baseline_needs_more_than_min_count() -> None:
    b = Breaker()
    steady(b, 1, 20)
    results = burst(b, 25, 20)
    assert results[:20] == [None] * 20  # 20 blocks do not exceed min_count
    assert results[20] is not None and results[20].count == 21
    assert results[20].baseline == 1.0


def test_min_count_and_factor_are_settings() -> None:
    b = Breaker(factor=2.0, min_count=5)
    steady(b, 1, 5)
    assert [t is not None for t in burst(b, 6, 5)] == [False] * 5 + [True]
    b = Breaker(factor=2.0, min_count=5)
    steady(b, 10, 5)
    assert [t is not None for t in burst(b, 21, 5)] == [False] * 20 + [True]


def test_no_trip_before_a_full_bucket_has_passed() -> None:
    b = Breaker()
    assert burst(b, 1000, 0) == [None] * 1000  # first seen: no baseline yet
    # The first bucket was partial, so it is not the baseline: the next one is the first full.
    assert burst(b, 1000, 1) == [None] * 1000
    results = burst(b, 3001, 2)
    assert results[:3000] == [None] * 3000 and results[3000] is not None
    assert results[3000].baseline == 1000.0


def test_a_restart_part_way_through_a_bucket_does_not_trip() -> None:
    b = Breaker()
    assert b.record(RULE, T0 + BUCKET - 1) is None  # first block at the end of bucket 0
    steady(b, 100, 5, start=1)
    assert not b.tripped(RULE)


def test_reset_puts_the_rule_back_and_forgets_the_surge() -> None:
    b = Breaker()
    steady(b, 30, 10)
    assert any(burst(b, 100, 10))
    b.reset(RULE)
    assert not b.tripped(RULE)
    assert burst(b, 300, 10) == [None] * 300  # the surge goes on: judged legitimate
    steady(b, 100, 3, start=11)
    assert len(b.trips) == 1
    results = burst(b, 400, 14)
    assert results[300] is not None and results[300].baseline == 100.0
    assert len(b.trips) == 2 and b.tripped(RULE)
    b.reset("never/seen")  # nothing to do


def test_history_is_the_last_completed_buckets_with_empty_ones_included() -> None:
    b = Breaker(history=10)
    steady(b, 100, 11)  # buckets 1 to 10 are full: baseline 100
    # 4 silent buckets (11 to 14): bucket 15's history is buckets 5 to 14, six of them at 100.
    results = burst(b, 200, 15)
    assert results[180] is not None
    assert results[180].baseline == 60.0 and results[180].count == 181


def test_a_gap_of_days_leaves_a_zero_baseline() -> None:
    b = Breaker()
    steady(b, 50, 200)
    later = 200 + 30 * 144  # a month of silence
    results = burst(b, 25, later)
    assert results[20] is not None and results[20].baseline == 0.0
    assert "baseline of 0.0 per 10 minutes" in results[20].message


def test_huge_gaps_cost_no_more_than_history() -> None:
    b = Breaker(bucket=1.0)
    b.record(RULE, 0.0)
    b.record(RULE, 1e12)  # a trillion empty buckets, crossed at once
    assert b.record(RULE, 1e12 + 1) is None
    results = [b.record(RULE, 2e12) for _ in range(21)]
    assert results[-1] is not None and results[-1].baseline == 0.0


def test_late_blocks_count_in_the_current_bucket() -> None:
    b = Breaker()
    steady(b, 10, 10)
    late = [b.record(RULE, T0 + 9 * BUCKET + i) for i in range(5)]  # bucket 9 again
    assert late == [None] * 5
    results = [b.record(RULE, T0 + 5 * BUCKET) for _ in range(20)]  # even older
    assert results[15] is not None and results[15].count == 31  # 10 + 5 + 16 in bucket 9


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"factor": 1.0}, "factor"),
        ({"factor": 0.5}, "factor"),
        ({"factor": math.inf}, "factor"),
        ({"factor": math.nan}, "factor"),
        ({"bucket": 0.0}, "bucket"),
        ({"bucket": -60.0}, "bucket"),
        ({"bucket": math.inf}, "bucket"),
        ({"bucket": math.nan}, "bucket"),
        ({"history": 0}, "history"),
        ({"min_count": 0}, "min_count"),
    ],
)
def test_settings_are_validated(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Breaker(**kwargs)  # type: ignore[arg-type]


class Reference:
    """The breaker's rule written the slow, obvious way: every bucket's count kept."""

    def __init__(self, factor: float, history: int, min_count: int) -> None:
        self.factor, self.history, self.min_count = factor, history, min_count
        self.counts: dict[str, dict[int, int]] = {}
        self.first: dict[str, int] = {}
        self.current: dict[str, int] = {}
        self.tripped: set[str] = set()

    def record(self, rule: str, index: int) -> bool:
        counts = self.counts.setdefault(rule, {})
        self.first.setdefault(rule, index)
        current = self.current[rule] = max(self.current.get(rule, index), index)
        counts[current] = counts.get(current, 0) + 1
        if rule in self.tripped:
            return False
        window = range(max(self.first[rule] + 1, current - self.history), current)
        if not window:
            return False
        baseline = sum(counts.get(i, 0) for i in window) / len(window)
        if counts[current] > max(self.factor * baseline, self.min_count):
            self.tripped.add(rule)
            return True
        return False

    def reset(self, rule: str) -> None:
        self.tripped.discard(rule)
        for table in (self.counts, self.first, self.current):
            table.pop(rule, None)


steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("record"),
            st.sampled_from("ab"),
            st.one_of(st.integers(-2, 2), st.integers(3, 40)),  # late, near, or after a gap
        ),
        st.tuples(st.just("burst"), st.sampled_from("ab"), st.integers(1, 30)),
        st.tuples(st.just("reset"), st.sampled_from("ab"), st.just(0)),
    ),
    max_size=100,
)


@settings(max_examples=300, deadline=None)
@given(steps=steps, history=st.integers(1, 8), min_count=st.integers(1, 5))
def test_the_breaker_agrees_with_the_obvious_reference(
    steps: list[tuple[str, str, int]], history: int, min_count: int
) -> None:
    b = Breaker(factor=2.0, bucket=10.0, history=history, min_count=min_count)
    ref = Reference(2.0, history, min_count)
    index = 0
    for op, rule, n in steps:
        if op == "reset":
            b.reset(rule)
            ref.reset(rule)
            continue
        for _ in range(n if op == "burst" else 1):
            index = max(index + (n if op == "record" else 0), 0)
            time = index * 10.0 + 3.5
            assert (b.record(rule, time) is not None) == ref.record(rule, index)
            assert b.tripped(rule) == (rule in ref.tripped)
