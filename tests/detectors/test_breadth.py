"""Breadth detector: the share of everyone on the site that one actor (or network) has seen."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from support import GAPS, event

from scrapeguard.config import load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.policy import Policy, policy_from_document
from scrapeguard.site import SiteModel, site_from_document
from scrapeguard.state.actor import ActorState

SITE = """
site:
  directory_size: 5000
  personal_data:
    - {route: "/u/{username}", fields: [name, photo]}
"""


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def site(text: str = SITE) -> SiteModel:
    return site_from_document(load_document(text, "site.yaml"))


def guard(policy_text: str = "", site_text: str = SITE) -> Guard:
    pol = policy(policy_text) if policy_text else Policy()
    return Guard(site=site(site_text), policy=pol, network=NoNetworkInfo())


def people(
    first: int, count: int, ip: str = "198.51.100.60", start: float = 0.0, **kw: object
) -> Iterator[RequestEvent]:
    t = start
    for i in range(count):
        yield event(t, ip, f"/u/user{first + i}", **kw)
        t += GAPS[i % len(GAPS)]


def decide_all(g: Guard, events: Iterable[RequestEvent]) -> list[Decision]:
    return [g.decide(e) for e in events]


def hits(g: Guard) -> int:
    return g.counters["detector/breadth/share/hit"]


def test_an_actor_that_saw_a_large_share_of_the_directory_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, people(0, 560))
    assert not any("people known on the site" in r for d in decisions[:499] for r in d.reasons)
    assert (
        "has seen 500 people, 10.0% of the 5,000 people known on the site" in decisions[499].reasons
    )
    assert hits(g) == 61


def test_a_logged_in_account_is_judged_at_three_times_the_people() -> None:
    g = guard()

    def flagged() -> bool:
        account = g.state.get("account:collector")
        return account is not None and "breadth/share" in _rules(account)

    decide_all(g, people(0, 1400, account="collector"))
    assert not flagged()  # (its network, judged like anyone's, is flagged by now)
    decide_all(g, people(1400, 200, account="collector", start=20_000.0))
    assert flagged()


def test_a_recruiter_who_saw_three_hundred_people_in_a_day_is_not_flagged() -> None:
    g = guard()
    decide_all(g, people(0, 300, account="recruiter"))
    assert hits(g) == 0


def test_a_small_site_is_not_judged_by_share() -> None:
    # No declared size and fewer than `min_directory` people known: no share to speak of.
    small = SITE.replace("  directory_size: 5000\n", "")
    g = guard(site_text=small)
    decide_all(g, people(0, 300, account="collector"))
    assert hits(g) == 0


def test_without_a_declared_size_the_known_people_are_the_directory() -> None:
    small = SITE.replace("  directory_size: 5000\n", "")
    g = guard(site_text=small)
    # Members browse 1,500 different people between them, 15 each.
    for m in range(100):
        decide_all(g, people(m * 15, 15, ip=f"172.16.{m}.1", start=m * 1.0))
    assert g.state.known_people == 1500
    assert hits(g) == 0
    decisions = decide_all(g, people(0, 520, ip="203.0.113.70", start=5000.0))
    assert hits(g) > 0
    assert any(
        r.startswith("has seen 5") and "people known on the site" in r
        for r in decisions[-1].reasons
    )


def test_a_distributed_crawl_is_caught_on_its_network() -> None:
    # Twenty addresses in one /24, 30 people each: no single address is broad, the network is.
    g = guard()
    for i in range(20):
        decide_all(g, people(i * 30, 30, ip=f"203.0.113.{i}", start=i * 2.0))
    assert hits(g) > 0
    net = g.state.get("net:203.0.113.0/24")
    assert net is not None and net.distinct_people == 600
    assert "breadth/share" in _rules(net)
    for i in range(20):
        ip = g.state.get(f"ip:203.0.113.{i}")
        assert ip is not None and "breadth/share" not in _rules(ip)


def test_breadth_thresholds_are_settings() -> None:
    g = guard("policy: {detectors: {breadth: {min_people: 1000}}}")
    decide_all(g, people(0, 560))
    assert hits(g) == 0
    g = guard("policy: {detectors: {breadth: {share: 0.5}}}")
    decide_all(g, people(0, 560))
    assert hits(g) == 0
    g = guard("policy: {detectors: {breadth: {min_people: 50}}}")
    decide_all(g, people(0, 60))
    assert hits(g) == 11


def test_disabled_breadth_detector_raises_nothing() -> None:
    g = guard("policy: {detectors: {breadth: {enabled: false}}}")
    decide_all(g, people(0, 560))
    assert hits(g) == 0


def test_more_people_than_the_directory_is_said_plainly() -> None:
    """From logs, list pages count by their size, so the same people can count again."""
    g = guard(site_text=SITE + "    - {route: /directory, list: {page_size: 50, counts_as: 1}}\n")
    pages = [event(i * 20.0, "203.0.113.80", f"/directory?page={i + 1}") for i in range(120)]
    reasons = [r for d in decide_all(g, pages) for r in d.reasons if "people known" in r]
    assert reasons and "more than the 5,000 people known on the site" in reasons[-1]


def _rules(state: ActorState) -> set[str]:
    """The rules whose reasons `state` holds."""
    return {h.rule for h in state.held_reasons or ()}
