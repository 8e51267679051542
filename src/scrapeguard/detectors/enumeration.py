"""Enumeration: walking through people rather than looking for someone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..reasons import Later
from ..site import PEOPLE_KINDS, Kind
from ..state.actor import SHORT_TERM
from .base import Context, Detector, Settings, Signal, plural, ramp, thousands


@dataclass
class EnumerationSettings(Settings):
    """Thresholds for each kind of walk.

    A search walk is flagged after `search_walk` steps (a letter added, or changed), or
    sooner, after `sibling_run` terms in a row that differ from the one before only in their
    last letter (aa→ab→aq): a person's typing adds letters, a typo fix changes one once.
    Before that, a step between two-letter terms (aa→ab: no one looks for a person so) weighs
    `two_letter_step`: not enough to act alone, enough beside another sign (a hosting
    address), so that a walk through the alphabet is stopped at its second search, not its
    fourth (0: off).

    Paging is flagged after `page_run` next pages in a row, or `deep_pages` pages past the
    first; through the results of a term of 1-3 letters (a probe, not a name), after
    `probe_pages` in a row.
    """

    sequential_run: float = 20
    distinct_ratio: float = 0.95
    distinct_min_people: float = 60
    search_walk: float = 10
    sibling_run: float = 3
    two_letter_step: float = 35
    short_terms: float = 25
    page_run: float = 10
    deep_pages: float = 60
    probe_pages: float = 4
    lookups: float = 10
    lookup_miss_ratio: float = 0.5


PROBE_PAGING: Final = 55.0  # the weight of paging through a probe's results


class Enumeration(Detector):
    """Flags sequential ids, all-distinct visits, letter-by-letter search walks, deep paging and
    contact-point lookups that mostly miss."""

    name = "enumeration"
    kinds = PEOPLE_KINDS
    settings_type = EnumerationSettings

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        kind = ctx.access.kind
        if kind == Kind.OTHER or kind == Kind.STATIC:
            return ()
        if ctx.verified_crawler and kind != Kind.LOOKUP:
            return ()  # indexing walks pages and people by design; the crawler quota bounds it
        s: EnumerationSettings = self.settings
        p, scope = ctx.principal, ctx.principal_kind
        out: list[Signal] = []
        if kind == Kind.PERSON:
            run = max(p.seq_max, ctx.ip.seq_max)
            if run >= s.sequential_run:
                reason = Later(_sequential_words, run + 1)
                out.append(
                    self.signal(
                        "sequential-ids", ramp(run, s.sequential_run, 100, 55, 90), reason, scope
                    )
                )
            views = p.profile_views  # profiles opened: a listing shows new people by nature
            if views >= s.distinct_min_people:
                ratio = 1.0 - p.profile_repeats / views
                if ratio >= s.distinct_ratio:
                    reason = Later(_distinct_words, ratio, views)
                    out.append(self.signal("all-distinct", 35, reason, scope))
            return out
        x = p.extra
        if x is None:
            return ()
        if kind == Kind.SEARCH:
            if x.walk >= s.search_walk or x.siblings >= s.sibling_run:
                reason = Later(_walk_words, x.walk, x.last_term)
                weight = max(
                    ramp(x.walk, s.search_walk, 60, 55, 90),
                    ramp(x.siblings, s.sibling_run, 30, 55, 90),
                )
                out.append(self.signal("search-walk", weight, reason, scope))
            elif s.two_letter_step and x.siblings and len(x.last_term) <= 2:
                reason = Later(_walk_words, x.walk, x.last_term)
                out.append(self.signal("search-walk", s.two_letter_step, reason, scope))
            elif x.short_terms >= s.short_terms:
                reason = Later(_short_terms_words, x.short_terms)
                out.append(self.signal("short-terms", 40, reason, scope))
        if kind == Kind.SEARCH or kind == Kind.LIST:
            weight = 0.0
            paging: Later | None = None
            if x.max_run >= s.page_run or x.deep_pages >= s.deep_pages:
                paging = Later(_paging_words, x.deep_pages, x.max_run, x.max_page)
                weight = max(
                    ramp(x.max_run, s.page_run, 5 * s.page_run, 40, 80),
                    ramp(x.deep_pages, s.deep_pages, 5 * s.deep_pages, 40, 80),
                )
            probe = kind == Kind.SEARCH and len(x.last_term) <= SHORT_TERM
            if probe and x.page_run >= s.probe_pages and weight < PROBE_PAGING:
                weight = PROBE_PAGING
                paging = Later(_probe_words, x.page_run, x.last_term)
            if paging is not None:
                out.append(self.signal("deep-paging", weight, paging, scope))
        if kind == Kind.LOOKUP and x.lookups >= s.lookups:
            misses = x.lookup_misses / x.lookups
            if misses >= s.lookup_miss_ratio:
                reason = Later(_lookup_words, x.lookups, misses)
                out.append(
                    self.signal(
                        "contact-lookup", ramp(x.lookups, s.lookups, 100, 55, 95), reason, scope
                    )
                )
        return out


def _sequential_words(ids: int) -> str:
    return f"walked through {plural(ids, 'consecutive id')} in order"


def _distinct_words(ratio: float, views: int) -> str:
    return (
        f"{ratio:.0%} of {plural(views, 'profile')} viewed were different people (humans "
        "come back to the same profiles)"
    )


def _walk_words(steps: int, last_term: str) -> str:
    steps_taken = plural(steps, "step")
    return f"searched letter by letter through the alphabet ({steps_taken}, last {last_term!r})"


def _short_terms_words(searches: int) -> str:
    return f"made {plural(searches, 'search')} for 1-3 letter terms"


def _paging_words(deep_pages: int, run: int, deepest: int) -> str:
    return (
        f"paged {plural(deep_pages, 'time')} past the first page, "
        f"{thousands(run)} pages in a row, down to page {thousands(deepest)}"
    )


def _probe_words(run: int, term: str) -> str:
    return f"paged {plural(run, 'page')} in a row through the results for the probe {term!r}"


def _lookup_words(lookups: int, misses: float) -> str:
    numbers = plural(lookups, "email or phone number")
    return f"looked up {numbers}, {misses:.0%} of them matching nobody"
