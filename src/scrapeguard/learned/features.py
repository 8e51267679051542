"""The session features the learned layer reads: numbers about one actor's behaviour so far.

They are read from the actor's counters (`ActorState`), so they cost nothing to keep, are the
same inline and in replay, and a model trained on one site's logs reads the same numbers on
another's. None of them looks at the user agent's text, a date, a file name or an identifier:
only at how the actor behaves. The list is fixed: a model file names the features it was
trained on, and `load_model` refuses a file whose names differ.
"""

from __future__ import annotations

import math

from ..state.actor import ActorState

#: Feature names, in the order `session_features` returns them, with what each measures.
FEATURES: dict[str, str] = {
    "pages": "pages requested (log)",
    "span": "seconds from first to last request (log)",
    "pages_per_minute": "pages a minute over the visit (log)",
    "assets_per_page": "page assets (images, styles, scripts) loaded per page",
    "gap_mean": "mean seconds between pages, pauses of a minute or more left out (log)",
    "gap_variation": "how much the gaps between pages vary (coefficient of variation)",
    "longest_gap": "longest pause between pages in seconds (log)",
    "unbroken_share": "share of pages in the current run without a pause of a minute",
    "cookieless_share": "share of pages requested without the session cookie",
    "unreferred_share": "share of pages requested without a referer",
    "error_share": "share of pages answered with an error status",
    "personal_share": "share of pages that disclosed people's data",
    "repeat_share": "share of profile views of a person whose profile was opened before",
    "people_per_page": "distinct people disclosed per page (log)",
    "sequential_share": "longest run of consecutive profile ids, per profile view",
    "agent_changes": "times the user agent changed (log)",
    "read_robots": "asked for robots.txt",
    "deep_page_share": "share of pages past the first page of a listing",
    "search_walk_share": "share of pages that were short searches or letter-by-letter search steps",
    "lookup_miss_share": "share of pages that were contact lookups finding nobody",
}
NAMES: tuple[str, ...] = tuple(FEATURES)
#: Shown instead of a gap variation when too few gaps are known.
NO_VARIATION = -1.0
MAX_VARIATION = 5.0


def session_features(s: ActorState) -> list[float]:
    """The features of actor `s`, in the order of `NAMES` (all finite)."""
    pages = max(s.pages, 1)
    span = max(s.last - s.first, 0.0)
    views = max(s.profile_views, 1)
    cv = s.gap_cv
    x = s.extra
    deep = walk = misses = 0
    if x is not None:
        deep, walk, misses = x.deep_pages, x.short_terms + x.walk, x.lookup_misses
    return [
        math.log1p(s.pages),
        math.log1p(span),
        math.log1p(s.pages * 60.0 / max(span, 60.0)),
        s.statics / pages,
        math.log1p(s.gap_mean),
        NO_VARIATION if math.isinf(cv) else min(cv, MAX_VARIATION),
        math.log1p(s.max_gap),
        min(s.streak / pages, 1.0),
        s.cookieless / pages,
        max(pages - s.referred, 0) / pages,
        s.errors / pages,
        s.personal / pages,
        s.profile_repeats / views,
        math.log1p(s.distinct / pages),
        min(s.seq_max / views, 1.0),
        math.log1p(s.agent_changes),
        1.0 if s.read_robots else 0.0,
        min(deep / pages, 1.0),
        min(walk / pages, 1.0),
        min(misses / pages, 1.0),
    ]


def shown(name: str, value: float) -> str:
    """A feature's value as a person reads it (log features back in their own units)."""
    if FEATURES[name].endswith("(log)"):
        value = math.expm1(value)
    if name.endswith("_share"):
        return f"{value:.0%}"
    if name == "read_robots":
        return "yes" if value else "no"
    if name == "gap_variation" and value == NO_VARIATION:
        return "unknown"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2g}"
