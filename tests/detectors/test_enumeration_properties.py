"""Property tests: what the enumeration detector says of id walks and never coming back agrees
with a plain recount of the profiles opened."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from support import event, longest_id_run

from scrapeguard.config import load_document
from scrapeguard.detectors.enumeration import EnumerationSettings
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.policy import Policy
from scrapeguard.site import site_from_document

SITE = """
site:
  personal_data:
    - {route: "/api/v1/users/{id}", fields: [name, email]}
"""
S = EnumerationSettings()
IP = "198.51.100.50"


def guard() -> Guard:
    site = site_from_document(load_document(SITE, "site.yaml"))
    return Guard(site=site, policy=Policy(), network=NoNetworkInfo())


@st.composite
def id_walks(draw: st.DrawFn) -> list[int]:
    """A walk through ids from near the first id or further on: mostly small steps up, some
    down, a repeat, a jump."""
    ids = [draw(st.sampled_from([0, 1, 2, 5, 1000]))]
    step = st.sampled_from([1] * 24 + [2] * 6 + [3] * 4 + [-1, 0, 4, 500])
    for s in draw(st.lists(step, min_size=15, max_size=45)):
        ids.append(max(ids[-1] + s, 0))
    return ids


@settings(max_examples=60, deadline=None)
@given(id_walks())
def test_a_sequential_walk_is_said_with_the_ids_walked(ids: list[int]) -> None:
    """The walk is said ("walked through N consecutive ids in order") exactly once N reaches
    `sequential_run` + 1, with N the longest walk so far, whatever id it started from."""
    g = guard()
    for i, number in enumerate(ids):
        decision = g.decide(event(2.0 * i, IP, f"/api/v1/users/{number}"))
        walked = longest_id_run(ids[: i + 1]) + 1  # ids walked: one more than the steps
        said = [r for r in decision.reasons if "consecutive id" in r]
        if walked - 1 >= S.sequential_run:
            assert f"walked through {walked} consecutive ids in order" in said
        else:
            assert not said


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=50, max_size=90))
def test_never_coming_back_is_the_share_of_profiles_opened_first(opened: list[int]) -> None:
    """Never coming back is said ("X% of N profiles viewed were different people") once
    `distinct_min_people` profiles were opened and at least `distinct_ratio` of the views
    were of someone not opened before; X is that share."""
    g = guard()
    for i, number in enumerate(opened):
        decision = g.decide(event(30.0 * i, IP, f"/api/v1/users/u{number}"))
        views = opened[: i + 1]
        share = len(set(views)) / len(views)
        said = [r for r in decision.reasons if "were different people" in r]
        if len(views) >= S.distinct_min_people and share >= S.distinct_ratio:
            assert said
            m = re.match(r"(\d+)% of (\d+) profiles viewed", said[0])
            assert m is not None
            assert (m.group(1), int(m.group(2))) == (f"{share:.0%}"[:-1], len(views))
        else:
            assert not said
