"""Enumeration detector: walking through people (ids, search terms, pages, contact points)
rather than looking for someone."""

from __future__ import annotations

import re
from collections.abc import Iterable

from support import GAPS, event

from scrapeguard.config import load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.netinfo import PublishedNetworkInfo
from scrapeguard.policy import Policy, policy_from_document
from scrapeguard.site import SiteModel, site_from_document

SITE = """
site:
  personal_data:
    - {route: "/u/{username}", fields: [name, photo]}
    - {route: "/api/v1/users/{id}", fields: [name, email], sensitivity: high}
    - {route: "/directory", list: {page_size: 50}, fields: [name, photo]}
  search: [{route: /search, param: q, page_size: 20, fields: [name]}]
  lookup: [{route: /find, param: q, fields: [name], miss_status: [404]}]
"""


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def site() -> SiteModel:
    return site_from_document(load_document(SITE, "site.yaml"))


def guard(policy_text: str = "") -> Guard:
    return Guard(
        site=site(),
        policy=policy(policy_text) if policy_text else Policy(),
        network=NoNetworkInfo(),
    )


def paced(paths: Iterable[str], ip: str = "198.51.100.50", **kw: object) -> list[RequestEvent]:
    out, t = [], 0.0
    for i, path in enumerate(paths):
        out.append(event(t, ip, path, **kw))
        t += GAPS[i % len(GAPS)]
    return out


def decide_all(g: Guard, events: Iterable[RequestEvent]) -> list[Decision]:
    return [g.decide(e) for e in events]


def hits(g: Guard, rule: str) -> int:
    return g.counters[f"detector/enumeration/{rule}/hit"]


def reasons(decisions: Iterable[Decision]) -> list[str]:
    return [r for d in decisions for r in d.reasons]


# -- sequential ids ------------------------------------------------------------------------


def test_walking_through_consecutive_ids_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(f"/api/v1/users/{1000 + i}" for i in range(30)))
    assert not any("consecutive id" in r for r in reasons(decisions[:20]))
    assert "walked through 21 consecutive ids in order" in decisions[20].reasons
    assert hits(g, "sequential-ids") == 10


def test_walking_ids_with_small_skips_is_still_a_walk() -> None:
    # Deleted accounts leave gaps: a scraper steps over them.
    g = guard()
    decide_all(g, paced(f"/api/v1/users/{5000 + 2 * i + (i % 3 == 0)}" for i in range(30)))
    assert hits(g, "sequential-ids") > 0


def test_a_person_re_reading_a_few_profiles_is_not_a_walk() -> None:
    g = guard()
    ids = [1042, 7731, 1042, 3310, 7731, 1042, 5120, 3310, 1042, 7731] * 4
    decisions = decide_all(g, paced(f"/api/v1/users/{i}" for i in ids))
    assert hits(g, "sequential-ids") == 0
    assert hits(g, "all-distinct") == 0
    assert {d.action for d in decisions} == {"allow"}


def test_going_back_and_forth_between_neighbouring_profiles_is_not_a_walk() -> None:
    # Three colleagues who joined together have consecutive ids; someone compares them.
    g = guard()
    decide_all(g, paced(f"/api/v1/users/{1000 + i % 3}" for i in range(24)))
    assert hits(g, "sequential-ids") == 0


def test_sequential_run_is_a_setting() -> None:
    g = guard("policy: {detectors: {enumeration: {sequential_run: 1000}}}")
    decide_all(g, paced(f"/api/v1/users/{1000 + i}" for i in range(30)))
    assert hits(g, "sequential-ids") == 0
    g = guard("policy: {detectors: {enumeration: {sequential_run: 5}}}")
    decisions = decide_all(g, paced(f"/api/v1/users/{1000 + i}" for i in range(8)))
    assert "walked through 6 consecutive ids in order" in decisions[5].reasons


# -- all distinct --------------------------------------------------------------------------


def test_never_coming_back_to_anyone_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(f"/u/member{i * 7919 % 10007}" for i in range(70)))
    assert not any("different people" in r for r in reasons(decisions[:59]))
    assert (
        "100% of 60 profiles viewed were different people (humans come back to the same profiles)"
        in decisions[59].reasons
    )


def test_listings_are_not_counted_as_never_coming_back() -> None:
    """Every directory page lists new people by nature; only profiles opened count."""
    g = guard()
    paths = [p for n in range(1, 9) for p in (f"/directory?page={n}", f"/u/member{n}")]
    decide_all(g, paced(paths))
    assert hits(g, "all-distinct") == 0


def test_distinct_ratio_is_a_setting() -> None:
    g = guard("policy: {detectors: {enumeration: {distinct_min_people: 500}}}")
    decide_all(g, paced(f"/u/member{i * 7919 % 10007}" for i in range(70)))
    assert hits(g, "all-distinct") == 0


# -- search walks ----------------------------------------------------------------------------


#: The sibling run alone: without the weaker sign of a first step between two-letter terms.
RUN_ONLY = "policy: {detectors: {enumeration: {two_letter_step: 0}}}"


def first_walk(terms: Iterable[str]) -> tuple[int, str] | None:
    """Search `terms` in turn: the first request flagged as a search walk (by the sibling
    run alone) and its reason."""
    decisions = decide_all(guard(RUN_ONLY), paced(f"/search?q={t}" for t in terms))
    for i, d in enumerate(decisions):
        for r in d.reasons:
            if "letter by letter" in r:
                return i, r
    return None


def walk_words(steps: int, last: str) -> str:
    return f"searched letter by letter through the alphabet ({steps} steps, last {last!r})"


def test_an_alphabetical_search_walk_is_flagged_at_the_third_sibling_step() -> None:
    g = guard()
    terms = [a + b for a in "ab" for b in "abcdefghijklmnopqrstuvwxyz"][:14]
    assert first_walk(terms) == (3, walk_words(3, "ad"))
    decisions = decide_all(g, paced(f"/search?q={t}" for t in terms))
    assert walk_words(10, "ak") in decisions[10].reasons


def test_a_search_walk_over_a_shuffled_alphabet_is_flagged_as_soon() -> None:
    terms = ["f" + b for b in "kvcgwpdzeyoushxjnqbf"][:14]
    assert first_walk(terms) == (3, walk_words(3, "fg"))


def test_a_step_between_two_letter_terms_is_a_sign_that_acts_with_another() -> None:
    """aa→ab is how a walk through the alphabet starts, and nobody looks for a person so;
    alone it is not enough to act (li→lu could be a person's), beside a hosting address it
    stops the walk at its second search. A name's prefixes (mar→mat) are no such sign."""
    two = paced(["/search?q=aa", "/search?q=ab"], ip="203.0.113.9")
    decisions = decide_all(guard(), two)
    assert decisions[0].reasons == ()
    assert "searched letter by letter through the alphabet (1 step, last 'ab')" in (
        decisions[1].reasons
    )
    assert [d.action for d in decisions] == ["allow", "allow"]
    prefixes = decide_all(guard(), paced(["/search?q=mar", "/search?q=mat"]))
    assert not any("letter by letter" in r for r in reasons(prefixes))
    hosted = Guard(site=site(), policy=Policy(), network=PublishedNetworkInfo())
    decisions = decide_all(hosted, paced(["/search?q=aa", "/search?q=ab"], ip="5.9.147.222"))
    assert [d.action for d in decisions] == ["allow", "throttle"]
    assert "from 5.9.147.222, a hosting or cloud network" in " ".join(decisions[1].reasons)
    off = guard("policy: {detectors: {enumeration: {two_letter_step: 0}}}")
    assert not any("letter by letter" in r for r in reasons(decide_all(off, two)))


def test_a_walk_that_goes_a_letter_deeper_keeps_its_sibling_run() -> None:
    terms = ["aa", "ab", "aba", "abb", "abc"]  # ab is full: its next letters are tried
    assert first_walk(terms) == (4, walk_words(4, "abc"))


def test_a_sibling_run_ends_at_a_search_that_is_no_step() -> None:
    g = guard(RUN_ONLY)
    terms = ["aa", "ab", "ac", "maria", "ad", "ae"]
    decisions = decide_all(g, paced(f"/search?q={t}" for t in terms))
    assert hits(g, "search-walk") == 0
    assert not any("letter by letter" in r for r in reasons(decisions))


def test_a_walk_carried_over_to_the_next_letter_keeps_its_sibling_run() -> None:
    terms = ["cx", "cy", "cz", "da", "db"]  # cz→da: the walk goes on from the next letter
    assert first_walk(terms) == (4, walk_words(3, "db"))


def test_a_person_correcting_a_name_is_not_a_walk() -> None:
    g = guard()
    typed = ["jon", "joh", "john", "anna", "anne", "peter", "petra", "smith", "smyth"]
    decisions = decide_all(g, paced(f"/search?q={t}" for t in typed))
    assert hits(g, "search-walk") == 0
    assert not any("letter by letter" in r for r in reasons(decisions))


def test_a_human_typing_searches_is_not_a_walk() -> None:
    g = guard()
    typed = [
        "j", "jo", "joh", "john", "john+smith",  # autocomplete as the person types
        "maria", "maria+lopez", "anna+k", "dr+weber", "peter", "jon+smith", "smith+john",
    ]  # fmt: skip
    decisions = decide_all(g, paced(f"/search?q={t}" for t in typed))
    assert not any(k.startswith("detector/enumeration/") for k in g.counters)
    assert not any("letter by letter" in r or "1-3 letter" in r for r in reasons(decisions))


def test_many_short_searches_are_flagged() -> None:
    # Two-letter probes in an order that is not alphabetical.
    g = guard()
    firsts, seconds = "qwertyuiopasdfghjklz", "aeiou"
    terms = [firsts[i % 20] + seconds[i % 5] for i in range(30)]
    decisions = decide_all(g, paced(f"/search?q={t}" for t in terms))
    assert hits(g, "search-walk") == 0
    assert not any("1-3 letter terms" in r for r in reasons(decisions[:24]))
    assert hits(g, "short-terms") > 0


def test_short_search_reason_is_spelled_correctly() -> None:
    g = guard()
    firsts, seconds = "qwertyuiopasdfghjklz", "aeiou"
    terms = [firsts[i % 20] + seconds[i % 5] for i in range(30)]
    decisions = decide_all(g, paced(f"/search?q={t}" for t in terms))
    assert "made 25 searches for 1-3 letter terms" in decisions[24].reasons


def test_search_walk_lengths_are_settings() -> None:
    terms = [a + b for a in "ab" for b in "abcdefghijklmnopqrstuvwxyz"][:14]
    g = guard(
        "policy: {detectors: {enumeration: {search_walk: 40, sibling_run: 40, two_letter_step: 0}}}"
    )
    decide_all(g, paced(f"/search?q={t}" for t in terms))
    assert hits(g, "search-walk") == 0
    g = guard("policy: {detectors: {enumeration: {sibling_run: 40, two_letter_step: 0}}}")
    decisions = decide_all(g, paced(f"/search?q={t}" for t in terms))
    assert not any("letter by letter" in r for r in reasons(decisions[:10]))
    assert hits(g, "search-walk") > 0


# -- deep paging ---------------------------------------------------------------------------


def test_paging_through_the_directory_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(f"/directory?page={p}" for p in range(1, 26)))
    assert not any("past the first page" in r for r in reasons(decisions[:10]))
    assert (
        "paged 10 times past the first page, 10 pages in a row, down to page 11"
        in decisions[10].reasons
    )


def test_a_person_looking_at_the_first_pages_is_not_flagged() -> None:
    g = guard()
    pages = [1, 2, 3, 1, 2, 1]
    decide_all(g, paced(f"/directory?page={p}" for p in pages))
    assert hits(g, "deep-paging") == 0


def test_a_person_jumping_to_the_last_page_is_not_flagged() -> None:
    g = guard()
    pages = [1, 100, 1, 2, 99, 100, 1]
    decide_all(g, paced(f"/directory?page={p}" for p in pages))
    assert hits(g, "deep-paging") == 0


def test_paging_through_the_results_of_a_probe_is_flagged_sooner() -> None:
    g = guard()
    decisions = decide_all(g, paced(f"/search?q=da&page={p}" for p in range(1, 8)))
    assert not any("paged" in r for r in reasons(decisions[:4]))
    assert "paged 4 pages in a row through the results for the probe 'da'" in (decisions[4].reasons)
    assert [d.action == "allow" for d in decisions[:5]] == [True, True, True, True, False]


def test_a_person_paging_through_the_results_for_a_name_is_not_flagged() -> None:
    g = guard()
    decisions = decide_all(g, paced(f"/search?q=maria&page={p}" for p in range(1, 8)))
    assert hits(g, "deep-paging") == 0
    assert all(d.action == "allow" for d in decisions)


def test_deep_paging_thresholds_are_settings() -> None:
    g = guard("policy: {detectors: {enumeration: {page_run: 100, deep_pages: 100}}}")
    decide_all(g, paced(f"/directory?page={p}" for p in range(1, 26)))
    assert hits(g, "deep-paging") == 0
    g = guard("policy: {detectors: {enumeration: {probe_pages: 100}}}")
    decide_all(g, paced(f"/search?q=da&page={p}" for p in range(1, 8)))
    assert hits(g, "deep-paging") == 0


# -- contact-point lookups -----------------------------------------------------------------


def lookups(count: int, miss_every: int) -> list[RequestEvent]:
    """`count` lookups by email; every `miss_every`-th finds someone (404 = nobody)."""
    paths = [f"/find?q=person{i}%40example.com" for i in range(count)]
    events = paced(paths)
    for i, e in enumerate(events):
        e.status = 200 if i % miss_every == 0 else 404
    return events


def test_lookups_that_mostly_match_nobody_are_flagged() -> None:
    g = guard()
    decisions = decide_all(g, lookups(14, miss_every=4))
    assert not any("looked up" in r for r in reasons(decisions[:9]))
    assert (
        "looked up 10 email or phone numbers, 70% of them matching nobody" in decisions[9].reasons
    )


def test_lookups_refused_while_stopped_do_not_water_down_the_misses() -> None:
    """A refused lookup (the integration's 403 or 429) looked up nobody: an enumerator that
    keeps asking while challenged is flagged as before when the challenge runs out."""
    g = guard()
    events = lookups(40, miss_every=100)  # every one a miss but the first
    for e in events[10:39]:
        e.status = 403
    decisions = decide_all(g, events)
    assert "looked up 11 email or phone numbers, 91% of them matching nobody" in (
        decisions[-1].reasons
    )


def test_a_person_looking_up_their_contacts_is_not_flagged() -> None:
    # Someone checks which of their friends are on the site: most of them are.
    g = guard()
    events = lookups(14, miss_every=1)
    events[3].status = 404
    events[8].status = 404
    decisions = decide_all(g, events)
    assert hits(g, "contact-lookup") == 0
    assert {d.action for d in decisions} == {"allow"}


def test_lookup_thresholds_are_settings() -> None:
    g = guard("policy: {detectors: {enumeration: {lookups: 50}}}")
    decide_all(g, lookups(14, miss_every=4))
    assert hits(g, "contact-lookup") == 0
    g = guard("policy: {detectors: {enumeration: {lookup_miss_ratio: 0.9}}}")
    decide_all(g, lookups(14, miss_every=4))
    assert hits(g, "contact-lookup") == 0


def test_disabled_enumeration_detector_raises_nothing() -> None:
    g = guard("policy: {detectors: {enumeration: {enabled: false}}}")
    decide_all(g, paced(f"/api/v1/users/{1000 + i}" for i in range(30)))
    decide_all(g, lookups(14, miss_every=4))
    assert not any(k.startswith("detector/enumeration/") for k in g.counters)


def test_reasons_name_the_actor_that_walked() -> None:
    g = guard()
    last = decide_all(g, paced((f"/api/v1/users/{1000 + i}" for i in range(30)), ip="192.0.2.9"))
    assert last[-1].key == "ip:192.0.2.9"
    assert any(
        re.fullmatch(r"walked through \d+ consecutive ids in order", r) for r in last[-1].reasons
    )
