"""One actor's counters: what `ActorState.observe` makes of its requests."""

from __future__ import annotations

import pytest

from scrapeguard.events import RequestEvent
from scrapeguard.site import Access, Kind
from scrapeguard.state.actor import ActorState


def test_a_page_logged_late_does_not_stretch_the_pace() -> None:
    """Pages 20 s apart, the one at 40 s logged after the one at 60 s (it was slow): the late
    line is no new page in the rhythm, and the next gap is measured from 60 s, not 40 s."""
    on_time, late = ActorState("ip:198.51.100.7", 0.0), ActorState("ip:198.51.100.7", 0.0)
    t0 = 1_767_225_600.0
    for state, times in ((on_time, (0, 20, 40, 60, 80)), (late, (0, 20, 60, 40, 80))):
        for t in times:
            event = RequestEvent(t0 + t, "198.51.100.7", "GET", "/about", "")
            state.observe(event, Access(Kind.OTHER), t0 + t)
    assert (late.gaps, late.max_gap) == (3, 40.0)
    assert late.gap_mean == pytest.approx((20 + 40 + 20) / 3)  # not (20 + 40 + 40) / 3
    assert (on_time.gaps, on_time.gap_mean) == (4, 20.0)
