"""The safe-rollout breaker: a rule whose blocks surge above its recent baseline goes back to
shadow, and someone is told.

The engine feeds the breaker every block a rule causes, simulated (shadow) and enforced alike,
so a rule has a baseline before it is ever enforced, and keeps one while it is. A tripped rule
is treated as shadowed until a person `reset`s it. Time is the caller's (event time in a log
replay), never the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Trip:
    """A rule the breaker returned to shadow: at `time`, `count` blocks in the current bucket
    of `bucket` seconds against a `baseline` of blocks per bucket."""

    rule: str
    time: float
    count: int
    baseline: float
    bucket: float

    @property
    def message(self) -> str:
        """One line for the alert."""
        period = _duration(self.bucket)
        ratio = f"{self.count / self.baseline:.1f} times " if self.baseline else ""
        return (
            f"rule {self.rule} blocked {self.count} times within {period}, {ratio}its baseline "
            f"of {self.baseline:.1f} per {period}; it is back in shadow until reset"
        )


@dataclass(slots=True)
class _Rule:
    """Block counts of one rule: the current bucket and a ring of the completed ones."""

    first: int
    current: int
    count: int
    ring: list[int]
    total: int = 0


class Breaker:
    """Trips a rule when its blocks in the current bucket of `bucket` seconds exceed
    `factor` times its baseline, and at least `min_count`.

    The baseline is the mean number of blocks per bucket over the last `history` completed
    buckets, empty ones included. A rule is first seen part-way through a bucket (its first
    block, or its first block since the process started), so that bucket is not part of the
    baseline: a rule cannot trip until one full bucket has passed since it was first seen, and
    until `history` full buckets have passed the baseline is the mean over those there are.
    Blocks whose time is before the current bucket (slightly out-of-order logs) count in the
    current one. Memory is a ring of `history` counts per rule.
    """

    def __init__(
        self,
        factor: float = 3.0,
        bucket: float = 600.0,
        history: int = 144,
        min_count: int = 20,
    ) -> None:
        if not (math.isfinite(factor) and factor > 1):
            raise ValueError(f"factor must be a finite number above 1, got {factor}")
        if not (math.isfinite(bucket) and bucket > 0):
            raise ValueError(f"bucket must be a positive number of seconds, got {bucket}")
        if history < 1:
            raise ValueError(f"history must be at least 1 bucket, got {history}")
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, got {min_count}")
        self.factor = factor
        self.bucket = bucket
        self.history = history
        self.min_count = min_count
        self._rules: dict[str, _Rule] = {}
        self._tripped: set[str] = set()
        self._trips: list[Trip] = []

    def record(self, rule: str, now: float) -> Trip | None:
        """Count one block by `rule` at `now`; return the `Trip` if this block trips the rule
        (once: a tripped rule keeps counting but does not trip again until reset)."""
        index = int(now // self.bucket)
        state = self._rules.get(rule)
        if state is None:
            self._rules[rule] = _Rule(index, index, 1, [0] * self.history)
            return None
        if index > state.current:
            self._advance(state, index)
        state.count += 1
        if rule in self._tripped:
            return None
        completed = min(state.current - state.first - 1, self.history)
        if completed < 1:
            return None
        baseline = state.total / completed
        if state.count <= max(self.factor * baseline, self.min_count):
            return None
        trip = Trip(rule, now, state.count, baseline, self.bucket)
        self._tripped.add(rule)
        self._trips.append(trip)
        return trip

    @property
    def any_tripped(self) -> bool:
        """Whether any rule is tripped now (the engine's fast path when none is)."""
        return bool(self._tripped)

    def tripped(self, rule: str) -> bool:
        """Whether `rule` is tripped, so to be treated as shadowed."""
        return rule in self._tripped

    @property
    def trips(self) -> list[Trip]:
        """Every trip so far, oldest first (reset rules included)."""
        return list(self._trips)

    def reset(self, rule: str) -> None:
        """A person puts `rule` back into enforcement. Its counts are forgotten too, as the
        surge that tripped it was judged legitimate: its baseline starts again from the next
        block, so it cannot trip again for one to two buckets."""
        self._tripped.discard(rule)
        self._rules.pop(rule, None)

    def _advance(self, state: _Rule, index: int) -> None:
        """Close the current bucket and the empty ones up to `index`, which becomes current.
        Only the last `history` closed buckets are written: a gap of days costs no more."""
        history, ring = self.history, state.ring
        for i in range(max(state.current, index - history), index):
            value = state.count if i == state.current and i != state.first else 0
            slot = i % history
            state.total += value - ring[slot]
            ring[slot] = value
        state.current = index
        state.count = 0


def _duration(seconds: float) -> str:
    """`10 minutes`, `1 hour`, `90 seconds`."""
    if seconds % 3600 == 0:
        n, unit = seconds / 3600, "hour"
    elif seconds % 60 == 0:
        n, unit = seconds / 60, "minute"
    else:
        n, unit = seconds, "second"
    return f"{n:g} {unit}{'' if n == 1 else 's'}"
