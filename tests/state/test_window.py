"""The sliding-window counter behind every hourly and daily quota, against a plain count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.state.actor import Window

HOUR = 3600.0
# (seconds since the previous request, amount): pauses from none to over two windows.
STEPS = st.lists(
    st.tuples(
        st.integers(0, 3 * 3600) | st.integers(0, 120),
        st.integers(1, 50).map(float),
    ),
    min_size=1,
    max_size=60,
)


@given(STEPS)
def test_the_estimate_weighs_the_window_before_by_its_overlap(
    steps: list[tuple[int, float]],
) -> None:
    """Fixed windows of an hour start with the first request; the estimate is the current
    window's count plus the previous window's, weighted by the share of it still inside the
    hour that ends now. So it never falls below what the current window counted, nor rises
    above both windows' counts together."""
    window = Window()
    seen: list[tuple[float, float]] = []
    now = 1_767_225_600.0
    for gap, amount in steps:
        now += gap
        seen.append((now, amount))
        estimate = window.add(now, HOUR, amount)
        first = seen[0][0]
        start = first + (now - first) // HOUR * HOUR
        current = sum(a for t, a in seen if start <= t)
        previous = sum(a for t, a in seen if start - HOUR <= t < start)
        assert estimate == pytest.approx(current + previous * (1 - (now - start) / HOUR))
        assert current <= estimate <= current + previous
        assert window.value(now, HOUR) == pytest.approx(estimate)


def test_a_request_logged_before_the_window_began_counts_no_more_than_both_windows() -> None:
    """Logs are written as responses finish, so a slow request's line can come seconds after
    a later one's: the estimate must not weigh the previous window more than fully."""
    window = Window()
    t = 1_767_225_600.0
    window.add(t, HOUR, 100.0)
    window.add(t + HOUR + 5, HOUR, 1.0)  # a new window begins
    assert window.add(t + HOUR - 30, HOUR, 1.0) <= 100.0 + 2.0
