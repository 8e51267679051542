"""Timing: machine-regular arrivals, no pauses, no sleep."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..reasons import Later
from ..site import PEOPLE_KINDS, Kind
from .base import Context, Detector, Settings, Signal, plural, ramp, thousands


@dataclass
class TimingSettings(Settings):
    """`regular_cv`: coefficient of variation of inter-arrival gaps below which requests look
    timed (people read; their gaps vary by more than their mean). Only between
    `min_mean_gap` and `max_mean_gap` seconds a page: slower than that, a steady pace is a
    steady reader (a screen reader reads every page aloud at much the same speed), and a
    timer that slow is left to the quotas."""

    min_gaps: float = 30
    min_mean_gap: float = 1.5
    max_mean_gap: float = 20
    regular_cv: float = 0.25
    no_pause_pages: float = 300
    no_sleep_hours: float = 20
    no_sleep_max_gap: float = 3 * 3600
    no_sleep_pages: float = 500


class Timing(Detector):
    """Flags request timing that no person produces."""

    name = "timing"
    traits = frozenset({"regular", "no-pause", "no-sleep"})
    kinds = PEOPLE_KINDS | {Kind.TRAP}
    settings_type = TimingSettings
    durations = frozenset({"no_sleep_max_gap"})

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        kind = ctx.access.kind
        if kind == Kind.STATIC or kind == Kind.OTHER:
            return ()
        if ctx.verified_crawler:
            return ()  # indexing is regular by nature; the crawler quota bounds it
        s: TimingSettings = self.settings
        p, scope = ctx.principal, ctx.principal_kind
        if ctx.shared and scope == "ip":
            return ()  # many people behind one address interleave into any rhythm
        cv = p.gap_cv
        if (
            p.gaps >= s.min_gaps
            and s.min_mean_gap <= p.gap_mean < s.max_mean_gap
            and cv < s.regular_cv
        ):
            reason = Later(_timer_words, p.gap_mean, cv * p.gap_mean, p.gaps)
            # A steady reader is somewhat regular too; a timer is regular to the second.
            weight = ramp(-cv, -0.10, -0.02, 25, 60)
            return [self.signal("regular", weight, reason, scope)]
        if p.streak >= s.no_pause_pages:
            reason = Later(_no_pause_words, p.streak)
            return [self.signal("no-pause", 40, reason, scope)]
        span = p.last - p.first
        if (
            span >= s.no_sleep_hours * 3600
            and p.max_gap < s.no_sleep_max_gap
            and p.pages >= s.no_sleep_pages
        ):
            reason = Later(_no_sleep_words, span, p.max_gap)
            return [self.signal("no-sleep", 45, reason, scope)]
        return ()


def _timer_words(mean: float, spread: float, gaps: int) -> str:
    return (
        f"requests arrive every {mean:.1f} s ± {spread:.1f} s, like a timer "
        f"({plural(gaps, 'interval')})"
    )


def _no_pause_words(requests: int) -> str:
    return f"made {plural(requests, 'request')} without a single pause of a minute"


def _no_sleep_words(span: float, longest_gap: float) -> str:
    return (
        f"active for {span / 3600:.0f} h without a break longer than "
        f"{thousands(math.ceil(longest_gap / 60))} min"
    )
