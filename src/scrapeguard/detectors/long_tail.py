"""Long tail: accounts that open the profiles few others look at, from changing networks.

A harvester spread thin over many accounts (bought, phished or made for the purpose) keeps
each one under every quota, at a person's pace. What it cannot make look like a person's is
whom it looks at: people open the profiles of the people others look at too (friends,
colleagues, the well known), while a harvester opens the ones on its list, most of them in the
site's long tail (`state.popularity`). Recruiters read many profiles of strangers too, from
their desk; a harvester's accounts also move between networks, proxies or phones, from one
session to the next.

Where the site names the people each list and search page showed (inline integrations do,
and a log can in its `disclosed` field), there is a second tell that needs no change of
network: people reach a stranger's profile through a search, a list or a lookup that showed
them, while a harvester goes straight to the people on its list, whom no page showed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..reasons import Later
from ..site import PEOPLE_KINDS, Kind
from ..state.actor import ActorState, Reading
from ..state.popularity import Popularity
from .base import Context, Detector, Settings, Signal, plural, ramp


@dataclass
class LongTailSettings(Settings):
    """An account is flagged once it has opened `min_profiles` profiles with the site's
    popularity known, at least `share` of them in its long tail, from at least `networks`
    networks (/24, /64). Where the site names the people its list and search pages showed,
    it is also flagged, from any network, once it has opened `unlisted_profiles` such
    profiles, at least `unlisted_share` of them of people in the long tail that no page had
    shown it. The head is the `head` share of people viewed most; popularity is judged from
    `ready_after` profile views on, and halves every `half_life`."""

    min_profiles: float = 20
    share: float = 0.85
    networks: float = 2
    unlisted_profiles: float = 15
    unlisted_share: float = 0.7
    head: float = 0.1
    ready_after: float = 2000
    half_life: float = 86400


class LongTail(Detector):
    """Flags accounts whose profile views are mostly of people nobody else looks at."""

    name = "long_tail"
    kinds = PEOPLE_KINDS
    needs_new_people = True
    settings_type = LongTailSettings
    durations = frozenset({"half_life"})
    #: The site's popularity, which the engine keeps and sets here.
    popularity: Popularity | None = None

    @classmethod
    def check(cls, settings: Settings) -> dict[str, str]:
        """`head`, `share` and `unlisted_share` are shares; popularity needs a half-life."""
        problems = {}
        for name in ("head", "share", "unlisted_share"):
            value = getattr(settings, name)
            if not 0 < value < 1:
                problems[name] = f"must be a share between 0 and 1, got {value}"
        if settings.half_life <= 0:  # type: ignore[attr-defined]
            problems["half_life"] = "must be longer than 0 (old views fade over it)"
        return problems

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        account = ctx.account
        if account is None or not ctx.new_people:
            return ()
        access = ctx.access
        reading = _reading_of(account)
        if access.kind != Kind.PERSON:  # a list, search or lookup page
            if ctx.event.disclosed is None:  # whom it showed is unknown: so is what was unlisted
                reading.unnamed = True
            for d in ctx.event.disclosed or ():
                reading.show(d.subject)
            return ()
        subject = access.disclosures[0].subject
        unlisted = ctx.lists_named and not reading.was_shown(subject)
        tail = ctx.tail
        if tail < 0:  # popularity not known yet (a quiet site, a restart): judged once it is
            reading.wait(subject, ctx.net.key, unlisted)
            return ()
        if reading.waiting and self.popularity is not None:
            for waited, network, was_unlisted in reading.waiting:
                then = self.popularity.in_tail(waited)
                if then >= 0:
                    reading.note(then, network, then if was_unlisted else 0)
            reading.waiting = None
        reading.note(tail, ctx.net.key, tail if unlisted else 0)
        s: LongTailSettings = self.settings
        profiles, networks = reading.profiles, len(reading.networks)
        reason: Later
        if (
            profiles >= s.min_profiles
            and reading.tail >= s.share * profiles
            and networks >= s.networks
        ):
            reason = Later(_tail_words, profiles, reading.tail, networks, s.head)
            rule, least = "tail-views", s.min_profiles
        elif (
            ctx.lists_named
            and not reading.unnamed
            and profiles >= s.unlisted_profiles
            and reading.unlisted >= s.unlisted_share * profiles
        ):
            reason = Later(_unlisted_words, profiles, reading.unlisted, s.head)
            rule, least = "unlisted-views", s.unlisted_profiles
        else:
            return ()
        weight = ramp(profiles, least, 3 * least, 45, 60)
        return [self.signal(rule, weight, reason, "account")]


def _reading_of(account: ActorState) -> Reading:
    reading = account.reading
    if reading is None:
        reading = account.reading = Reading()
    return reading


def _tail_words(profiles: int, tail: int, networks: int, head: float) -> str:
    return (
        f"opened {plural(profiles, 'profile')}, {tail} of them of people few others look at "
        f"(outside the {head:.0%} viewed most), from {plural(networks, 'network')}"
    )


def _unlisted_words(profiles: int, unlisted: int, head: float) -> str:
    return (
        f"opened {plural(profiles, 'profile')}, {unlisted} of them of people few others look "
        f"at (outside the {head:.0%} viewed most) whom no search or list had shown it"
    )
