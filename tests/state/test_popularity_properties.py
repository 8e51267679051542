"""Property tests: where the head of the site's attention starts, and the view counts it is
read from, agree with a plain recount: sorted counts, and views halved once per half-life."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapeguard.state.popularity import Popularity

people = st.sampled_from([f"p{i}" for i in range(12)])
shares = st.sampled_from([0.05, 0.1, 0.25, 0.5, 0.9])


def head_from_sorted(counts: dict[str, int], head: float) -> int:
    """The smallest view count (of those people have) such that the people viewed at least
    that often are at most `head` of everyone counted; one more than the most when even the
    most viewed are too many."""
    ordered = sorted(counts.values(), reverse=True)
    candidates = sorted(set(ordered)) + [max(ordered, default=0) + 1]
    for count in candidates:
        if sum(1 for c in ordered if c >= count) <= head * len(ordered):
            return count
    raise AssertionError("the count past the most is always a head")


@given(st.lists(people, max_size=200), shares)
def test_the_head_starts_where_a_sort_of_the_counts_says(views: list[str], head: float) -> None:
    """The long-tail rule judges a person in the head when viewed at least `head_starts()`
    times: the most viewed, no more than the `head` share of the people counted."""
    pop = Popularity(head=head, ready_after=10**9)
    for subject in views:
        pop.view(subject, 0.0)
    assert pop.counts == dict(Counter(views))
    assert pop.sizes == dict(Counter(pop.counts.values()))
    assert pop.head_starts() == head_from_sorted(pop.counts, head)


@given(st.lists(people, min_size=1, max_size=200), shares, st.integers(1, 60))
def test_judging_starts_after_ready_after_views_with_the_sorted_head(
    views: list[str], head: float, ready_after: int
) -> None:
    """Nobody is judged before `ready_after` views; from the view that makes them, a person is
    in the tail when their views before it are fewer than where the head starts."""
    pop = Popularity(head=head, ready_after=ready_after)
    for i, subject in enumerate(views, start=1):
        before = pop.counts.get(subject, 0)
        answer = pop.view(subject, 0.0)
        if i < ready_after:
            assert answer == -1
        elif i == ready_after:  # the head was just found, from every view so far
            assert answer == int(before < head_from_sorted(pop.counts, head))
        else:
            assert answer in (0, 1)


HALF_LIFE = 100.0
# Time between two views: mostly none (many views within a half-life), sometimes one or more
# half-lives, or just short of one.
moves = st.one_of(
    st.just(0.0), st.just(0.0), st.sampled_from([1.0, 40.0, 99.0, 100.0, 150.0, 260.0, 1000.0])
)


@settings(max_examples=600)
@given(
    st.lists(
        st.tuples(people, moves),
        min_size=1,
        max_size=80,
    ),
    st.integers(1, 30),
)
def test_counts_halve_once_per_half_life_and_readiness_follows_them(
    views: list[tuple[str, float]], ready_after: int
) -> None:
    """Old views fade: every half-life after the first view halves each count (rounding down,
    people at 0 forgotten). Judging needs `ready_after` views still counted, not views that
    have faded away, and the head is found among the people still counted."""
    pop = Popularity(head=0.25, ready_after=ready_after, half_life=HALF_LIFE)
    t = 0.0
    first = None
    counts: Counter[str] = Counter()
    halvings = 0
    for subject, move in views:
        t += move
        if first is None:
            first = t
        due = int((t - first) // HALF_LIFE)
        if due > halvings:
            counts = Counter(
                {s: c >> (due - halvings) for s, c in counts.items() if c >> (due - halvings)}
            )
            halvings = due
        counts[subject] += 1
        answer = pop.view(subject, t)
        assert pop.counts == dict(counts)
        assert pop.sizes == dict(Counter(counts.values()))
        if sum(counts.values()) < ready_after:
            assert answer == -1
