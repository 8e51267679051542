"""Site-wide attention per person: where the head of the distribution ends."""

from __future__ import annotations

from scrapeguard.state.popularity import Popularity


def zipf_views(pop: Popularity, people: int, rounds: int, now: float = 0.0) -> None:
    """Views as people give them: person i gets about `rounds / (i + 1)` of them."""
    for r in range(rounds):
        for i in range(people):
            if r % (i + 1) == 0:
                pop.view(f"p{i}", now)


def test_nobody_is_judged_before_enough_views() -> None:
    pop = Popularity(ready_after=100)
    answers = [pop.view(f"p{i % 10}", 0.0) for i in range(99)]
    assert set(answers) == {-1}
    assert pop.view("p1", 0.0) in (0, 1)


def test_the_most_viewed_tenth_is_the_head_and_the_rest_the_tail() -> None:
    pop = Popularity(head=0.1, ready_after=100)
    zipf_views(pop, 200, 200)
    assert pop.view("p0", 1.0) == 0  # the most viewed person
    assert pop.view("p5", 1.0) == 0
    assert pop.view("p150", 1.0) == 1  # viewed once or twice
    assert pop.view("somebody-new", 1.0) == 1
    cutoff = pop.head_starts()
    head = sum(1 for c in pop.counts.values() if c >= cutoff)
    assert 0.05 * len(pop.counts) < head <= 0.1 * len(pop.counts)


def test_a_harvest_of_the_tail_does_not_move_it_into_the_head() -> None:
    pop = Popularity(head=0.1, ready_after=100)
    zipf_views(pop, 200, 200)
    harvested = [pop.view(f"p{i}", 2.0) for i in range(100, 200)]
    assert harvested.count(1) >= 95


def test_old_views_fade_by_half_each_half_life() -> None:
    pop = Popularity(ready_after=10, half_life=100.0)
    for _ in range(8):
        pop.view("star", 0.0)
    pop.view("once", 0.0)
    pop.view("star", 150.0)  # a half-life later: counted after halving
    assert pop.counts["star"] == 5
    assert "once" not in pop.counts  # halved to nothing
    assert sum(pop.sizes.values()) == len(pop.counts)
    pop.view("star", 560.0)  # four half-lives later: 5 >> 4 is nothing
    assert pop.counts == {"star": 1}


def test_people_past_the_cap_are_not_judged() -> None:
    pop = Popularity(ready_after=1, max_people=3)
    for name in ("a", "b", "c"):
        pop.view(name, 0.0)
    assert pop.view("d", 0.0) == -1
    assert "d" not in pop.counts
    assert pop.view("a", 0.0) in (0, 1)
