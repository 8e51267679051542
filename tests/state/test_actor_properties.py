"""Property tests: one client's id runs, paging, search walks and rhythm, as `ActorState.observe`
counts them, agree with a plain recount of the same requests written from their documented
meaning."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import longest_id_run

from scrapeguard.events import RequestEvent
from scrapeguard.site import Access, Kind
from scrapeguard.state.actor import (
    EXTENSION,
    LONG_PAUSE,
    NEW_STEM,
    SHORT_TERM,
    SIBLING,
    ActorState,
    _step,
)

T0 = 1_767_225_600.0
IP = "198.51.100.7"


def observe(state: ActorState, t: float, access: Access) -> None:
    state.observe(RequestEvent(t, IP, "GET", "/x", ""), access, t)


# ---------------------------------------------------------------- sequential ids


# Mostly steps of a walk (1-3 up or down, a repeat, one too long), some jumps.
id_steps = st.one_of(st.integers(-4, 4), st.integers(-4, 4), st.integers(-1000, 1000))


@settings(max_examples=400)
@given(start=st.integers(0, 40), steps=st.lists(id_steps, max_size=40))
def test_sequential_id_runs_count_steps_between_profiles(start: int, steps: list[int]) -> None:
    """The sequential-ids rule reads `seq_max` as the longest run of ids opened in order (steps
    of 1-3 up, or down), and says "walked through seq_max + 1 consecutive ids": one profile
    alone is no run, whatever its id, and a site whose ids start at 0 or 1 is counted as any
    other."""
    numbers = [start]
    for step in steps:
        numbers.append(max(numbers[-1] + step, 0))
    state = ActorState("ip:" + IP, T0)
    for i, number in enumerate(numbers):
        observe(state, T0 + i, Access(Kind.PERSON, subject_number=number))
    assert state.seq_max == longest_id_run(numbers)


# ---------------------------------------------------------------- paging


def paging(pages: list[int]) -> tuple[int, int, int, int]:
    """(deepest page, pages past the first, current and longest run of next pages in a row)."""
    run = best = 0
    for before, after in zip([0, *pages], pages, strict=False):
        run = run + 1 if after >= 2 and after == before + 1 else 0
        best = max(best, run)
    return max(pages, default=0), sum(1 for p in pages if p > 1), run, best


listing = st.tuples(st.sampled_from([Kind.SEARCH, Kind.LIST]), st.integers(1, 8))
between = st.sampled_from([Kind.PERSON, Kind.OTHER, Kind.STATIC])


@given(st.lists(st.one_of(listing, between), max_size=50))
def test_paging_counters_are_a_plain_count_of_the_listing_pages(
    requests: list[tuple[str, int] | str],
) -> None:
    """The deep-paging rule reads the deepest page, the pages past the first and the runs of
    next pages in a row through search and list pages; profiles opened between two pages of a
    listing (as a harvester opens each result) do not break a run."""
    state = ActorState("ip:" + IP, T0)
    pages: list[int] = []
    for i, request in enumerate(requests):
        if isinstance(request, tuple):
            kind, page = request
            observe(state, T0 + i, Access(kind, term="smith", page=page))
            pages.append(page)
        else:
            observe(state, T0 + i, Access(request))
    x = state.extra
    counted = (0, 0, 0, 0) if x is None else (x.max_page, x.deep_pages, x.page_run, x.max_run)
    assert counted == paging(pages)


# ---------------------------------------------------------------- search walks


def step_of(previous: str, term: str) -> int:
    """`_step` written from its docstring, case by case."""
    if not previous or term == previous:
        return 0
    if len(term) == len(previous) + 1 and term[:-1] == previous:
        return EXTENSION  # a letter added: ab→abc
    if len(term) == len(previous) and term[:-1] == previous[:-1]:
        return SIBLING  # the same term but its last letter: ab→aq
    if (
        len(term) < len(previous)
        and previous[: len(term) - 1] == term[:-1]
        and term[-1] > previous[len(term) - 1]
    ):
        return EXTENSION  # back up to a later sibling of a shorter term: abz→ac
    if len(term) == len(previous) <= SHORT_TERM:
        return NEW_STEM  # a short probe on another stem: cz→da
    return 0


terms = st.text(alphabet="abcz", min_size=1, max_size=5)


@given(previous=st.one_of(st.just(""), terms), term=terms)
def test_search_steps_are_classified_as_documented(previous: str, term: str) -> None:
    """How a search term follows the one before decides whether a letter-by-letter walk is
    seen (a step of it, a sibling, a new stem) or a person's typing (not a step)."""
    assert _step(previous, term) == step_of(previous, term)


@pytest.mark.parametrize(
    ("previous", "term", "how"),
    [
        ("ab", "abc", EXTENSION),
        ("ab", "aq", SIBLING),
        ("abz", "ac", EXTENSION),
        ("abz", "aa", 0),
        ("cz", "da", NEW_STEM),
        ("smith", "jones", 0),
        ("smith", "smith", 0),
        ("", "a", 0),
    ],
)
def test_the_documented_examples(previous: str, term: str, how: int) -> None:
    """The examples in `_step`'s docstring, so that the reference above reads it rightly."""
    assert step_of(previous, term) == how


@st.composite
def walks(draw: st.DrawFn) -> list[str]:
    """Searches as a walk makes them (a letter added or changed, a step back up), mixed with
    any other term, a repeat and a search without one."""
    out: list[str] = []
    last = "a"
    for _ in range(draw(st.integers(0, 40))):
        letter = draw(st.sampled_from("abcz"))
        how = draw(st.sampled_from(["add", "change", "up", "any", "same", "none"]))
        if how == "add":
            last = last + letter
        elif how == "change":
            last = last[:-1] + letter
        elif how == "up" and len(last) > 1:
            last = last[:-2] + letter
        elif how == "any":
            last = draw(terms)
        elif how == "none":
            out.append("")
            continue
        out.append(last)
    return out


@given(walks())
def test_walk_counters_recount_the_steps_of_the_searches(searched: list[str]) -> None:
    """The search-walk rule reads steps of the walk (letters added or changed), the run of
    sibling terms (kept across an added letter or a new stem, ended by anything else), the
    searches for 1-3 letter probes and the last term; a search repeated (its next page) is no
    step at all."""
    state = ActorState("ip:" + IP, T0)
    walk = siblings = short = 0
    last = ""
    for i, term in enumerate(searched):
        observe(state, T0 + i, Access(Kind.SEARCH, term=term or None, page=1))
        if not term or term == last:
            continue
        short += len(term) <= SHORT_TERM
        how = step_of(last, term)
        walk += how in (EXTENSION, SIBLING)
        siblings = siblings + 1 if how == SIBLING else 0 if how == 0 else siblings
        last = term
    x = state.extra
    counted = (0, 0, 0, "") if x is None else (x.walk, x.siblings, x.short_terms, x.last_term)
    assert counted == (walk, siblings, short, last)


# ---------------------------------------------------------------- rhythm


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.floats(0.0, 2 * LONG_PAUSE, allow_nan=False),
            st.sampled_from([0.0, LONG_PAUSE, LONG_PAUSE - 1e-3, -5.0, -90.0]),
        ),
        max_size=60,
    )
)
def test_gap_statistics_agree_with_statistics_on_the_same_gaps(moves: list[float]) -> None:
    """The timing rules read the number, mean and spread of the gaps between pages (pauses of
    a minute or more left out), the longest gap of all and the pages since the last pause.
    A page logged before the latest one (a slow request) is no gap: the next is measured from
    the latest page."""
    state = ActorState("ip:" + IP, T0)
    t = latest = T0
    observe(state, t, Access(Kind.OTHER))
    short: list[float] = []
    longest = 0.0
    streak = 0
    for move in moves:
        t += move
        observe(state, t, Access(Kind.PERSON))
        if t < latest:
            continue
        gap = t - latest
        latest = t
        longest = max(longest, gap)
        if gap >= LONG_PAUSE:
            streak = 0
        else:
            streak += 1
            short.append(gap)
    assert (state.gaps, state.streak) == (len(short), streak)
    assert state.max_gap == longest
    if short:
        assert state.gap_mean == pytest.approx(statistics.fmean(short), abs=1e-9)
    if len(short) >= 2:
        variance = statistics.variance(short)
        assert state.gap_m2 / (state.gaps - 1) == pytest.approx(variance, rel=1e-6, abs=1e-9)
        mean = statistics.fmean(short)
        if mean > 0:
            assert state.gap_cv == pytest.approx(math.sqrt(variance) / mean, rel=1e-6, abs=1e-9)
    else:
        assert state.gap_cv == math.inf
