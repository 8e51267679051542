"""Long tail: accounts that open the profiles few others look at, from changing networks.

A harvester spread thin over many accounts (bought, phished or made for the purpose) keeps
each one under every quota, at a person's pace. What it cannot make look like a person's is
whom it looks at: people open the profiles of the people others look at too (friends,
colleagues, the well known), while a harvester opens the ones on its list, most of them in the
site's long tail (`state.popularity`). Recruiters read many profiles of strangers too, from
their desk; a harvester's accounts also move between networks, proxies or phones, from one
session to the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..reasons import Later
from ..site import Kind
from ..state.actor import Reading
from .base import Context, Detector, Settings, Signal, plural, ramp


@dataclass
class LongTailSettings(Settings):
    """An account is flagged once it has opened `min_profiles` profiles with the site's
    popularity known, at least `share` of them in its long tail, from at least `networks`
    networks (/24, /64). The head is the `head` share of people viewed most; popularity is
    judged from `ready_after` profile views on, and halves every `half_life`."""

    min_profiles: float = 20
    share: float = 0.85
    networks: float = 2
    head: float = 0.1
    ready_after: float = 2000
    half_life: float = 86400


class LongTail(Detector):
    """Flags accounts whose profile views are mostly of people nobody else looks at."""

    name = "long_tail"
    kinds = frozenset({Kind.PERSON})
    needs_new_people = True
    settings_type = LongTailSettings
    durations = frozenset({"half_life"})

    @classmethod
    def check(cls, settings: Settings) -> dict[str, str]:
        """`head` and `share` are shares; popularity needs a half-life."""
        problems = {}
        for name in ("head", "share"):
            value = getattr(settings, name)
            if not 0 < value < 1:
                problems[name] = f"must be a share between 0 and 1, got {value}"
        if settings.half_life <= 0:  # type: ignore[attr-defined]
            problems["half_life"] = "must be longer than 0 (old views fade over it)"
        return problems

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        account = ctx.account
        if account is None or ctx.tail < 0 or not ctx.new_people:
            return ()
        reading = account.reading
        if reading is None:
            reading = account.reading = Reading()
        reading.note(ctx.tail, ctx.net.key)
        s: LongTailSettings = self.settings
        profiles, tail, networks = reading.profiles, reading.tail, len(reading.networks)
        if profiles < s.min_profiles or tail < s.share * profiles or networks < s.networks:
            return ()
        reason = Later(_tail_words, profiles, tail, networks, s.head)
        weight = ramp(profiles, s.min_profiles, 3 * s.min_profiles, 45, 60)
        return [self.signal("tail-views", weight, reason, "account")]


def _tail_words(profiles: int, tail: int, networks: int, head: float) -> str:
    return (
        f"opened {plural(profiles, 'profile')}, {tail} of them of people few others look at "
        f"(outside the {head:.0%} viewed most), from {plural(networks, 'network')}"
    )
