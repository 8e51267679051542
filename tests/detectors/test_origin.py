"""Origin detector: personal-data requests from hosting, VPN and Tor networks."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from importlib import resources

import pytest
from support import event

from scrapeguard.config import load_document
from scrapeguard.crawlers import CrawlerVerdict
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.netinfo import PublishedNetworkInfo
from scrapeguard.policy import Policy, policy_from_document

TAGS = {
    "185.220.101.4": frozenset({"tor"}),
    "203.0.113.60": frozenset({"datacenter"}),
    "203.0.113.61": frozenset({"datacenter"}),
    "198.51.100.60": frozenset({"vpn"}),
    "198.51.100.61": frozenset({"vpn", "datacenter"}),
    "100.64.20.20": frozenset({"shared:cgnat"}),
}


class Origins(NoNetworkInfo):
    """A fake with a few tagged addresses; 203.0.113.60 also hosts a verified crawler."""

    def origin(self, ip: str) -> frozenset[str]:
        return TAGS.get(ip, frozenset())

    def crawler(self, user_agent: str, ip: str, now: float) -> object:
        if "Examplebot" in user_agent:
            return CrawlerVerdict("verified", "example", "Examplebot", "Examplebot from its ranges")
        if "Otherbot" in user_agent:
            return CrawlerVerdict(
                "unverifiable", "example", "Examplebot", "Otherbot publishes no ranges"
            )
        return None


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def guard(policy_text: str = "") -> Guard:
    return Guard(policy=policy(policy_text) if policy_text else Policy(), network=Origins())


def hits(g: Guard, rule: str) -> int:
    return g.counters[f"detector/origin/{rule}/hit"]


def test_a_profile_fetched_through_tor_is_flagged() -> None:
    g = guard()
    d = g.decide(event(0, "185.220.101.4", "/u/alice"))
    assert d.reasons == ("185.220.101.4 is a Tor exit node",)
    assert (d.scope, d.key, d.score, d.action) == ("ip", "ip:185.220.101.4", 20, "allow")


def test_a_profile_fetched_from_a_hosting_network_is_flagged() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.60", "/u/alice"))
    assert d.reasons == (
        "203.0.113.60 belongs to a hosting or cloud network, not a home or mobile one",
    )
    assert d.score == 15


def test_a_profile_fetched_through_a_vpn_is_flagged() -> None:
    g = guard()
    d = g.decide(event(0, "198.51.100.60", "/u/alice"))
    assert d.reasons == ("198.51.100.60 belongs to a VPN network",)
    assert d.score == 10


def test_origin_adds_to_other_evidence() -> None:
    g = guard()
    plain = g.decide(event(0, "192.0.2.61", "/u/alice", user_agent="python-requests/2.32"))
    tor = g.decide(event(0, "185.220.101.4", "/u/alice", user_agent="python-requests/2.32"))
    assert plain.action == "allow"
    assert tor.score > plain.score and tor.action == "challenge"


def test_a_logged_in_user_on_a_shared_address_is_not_flagged() -> None:
    g = guard()
    d = g.decide(event(0, "100.64.20.20", "/u/alice", account="member-1"))
    assert d.action == "allow" and not d.reasons
    assert not any(k.startswith("detector/origin/") for k in g.counters)


def test_requests_that_disclose_nobody_are_not_judged_by_origin() -> None:
    g = guard()
    for i, path in enumerate(["/", "/about", "/static/app.js", "/u/alice/avatar.png"]):
        d = g.decide(event(i, "185.220.101.4", path))
        assert not d.reasons, path
    # A profile that does not exist discloses nobody either.
    assert not g.decide(event(9, "185.220.101.4", "/u/nobody", status=404)).reasons
    assert not any(k.startswith("detector/origin/") for k in g.counters)


def test_a_verified_crawler_in_a_hosting_network_is_not_flagged() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.60", "/u/alice", user_agent="Examplebot/1.0"))
    assert hits(g, "datacenter") == 0
    assert d.action == "allow"


def test_origin_weights_are_settings() -> None:
    g = guard(
        "policy: {traits_act_alone: true,"
        " detectors: {origin: {tor_weight: 50, datacenter_weight: 0}}}"
    )
    d = g.decide(event(0, "185.220.101.4", "/u/alice"))
    assert (d.score, d.action) == (50, "challenge")
    assert g.decide(event(0, "203.0.113.60", "/u/alice")).score == 0


def test_disabled_origin_detector_raises_nothing() -> None:
    g = guard("policy: {detectors: {origin: {enabled: false}}}")
    d = g.decide(event(0, "185.220.101.4", "/u/alice"))
    assert d.action == "allow" and not d.reasons
    assert not any(k.startswith("detector/origin/") for k in g.counters)


# -- with the packaged range lists ---------------------------------------------------------


@pytest.fixture(scope="module")
def published() -> PublishedNetworkInfo:
    return PublishedNetworkInfo()


def packaged_lines(name: str) -> list[str]:
    text = (resources.files("scrapeguard") / "data" / "ranges" / name).read_text()
    return [line.split()[0] for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_a_tor_exit_from_the_packaged_list_is_flagged(published: PublishedNetworkInfo) -> None:
    exit_node = next(a for a in packaged_lines("tor-exit-nodes.list") if ":" not in a)
    g = Guard(policy=Policy(), network=published)
    d = g.decide(event(0, exit_node, "/u/alice"))
    assert f"{exit_node} is a Tor exit node" in d.reasons
    assert hits(g, "tor") == 1


def test_an_ordinary_address_has_no_origin(published: PublishedNetworkInfo) -> None:
    g = Guard(policy=Policy(), network=published)
    d = g.decide(event(0, "192.0.2.200", "/u/alice"))
    assert not d.reasons


def test_an_icloud_private_relay_user_is_not_called_a_hosting_network(
    published: PublishedNetworkInfo,
) -> None:
    # A relay address that the hosting list also covers (most of them are).
    candidates = (
        str(ipaddress.ip_network(cidr, strict=False).network_address + 1)
        for cidr in packaged_lines("icloud-private-relay-ipv4_merged.txt")
    )
    ip = next(a for a in candidates if {"shared:icloud-relay", "datacenter"} <= published.origin(a))
    g = Guard(policy=Policy(), network=published)
    g.decide(event(0, ip, "/u/alice", account="apple-user"))
    assert not any(k.startswith("detector/origin/") for k in g.counters)


def test_a_hosting_address_acts_once_a_browser_there_took_ten_people_not_a_declared_crawler() -> (
    None
):
    text = "policy: {mode: enforce, detectors: {origin: {datacenter_weight: 50}}}"
    browser, crawler = guard(text), guard(text)
    people = [event(i * 30.0, "203.0.113.60", f"/u/user{i}") for i in range(12)]
    enforced = [browser.decide(e).enforced for e in people]
    assert enforced[:9] == ["allow"] * 9 and enforced[9:] == ["challenge"] * 3
    bot = "Mozilla/5.0 (compatible; Otherbot/1.0; +https://example.com/bot)"
    crawled = [crawler.decide(e) for e in (replace(e, user_agent=bot) for e in people)]
    assert any("publishes no ranges" in r for r in crawled[-1].reasons)
    assert {d.enforced for d in crawled} == {"allow"}  # its own quota answers for it


TERMS = ("anna", "smith", "jones", "maria")


def test_lists_asked_for_from_a_hosting_network_are_challenged_once_it_took_ten_people() -> None:
    # Each search page shows 20 people, counted at a fifth: the third takes it past ten.
    text = "policy: {mode: enforce, detectors: {model: {enabled: false}}}"
    hosted, home = guard(text), guard(text)
    searches = [event(i * 20.0, "203.0.113.60", f"/search?q={q}") for i, q in enumerate(TERMS)]
    decisions = [hosted.decide(e) for e in searches]
    assert [d.enforced for d in decisions] == ["allow", "allow", "challenge", "challenge"]
    assert decisions[2].reasons[0] == (
        "asked for a list of people from 203.0.113.60, a hosting or cloud network"
    )
    for ip in ("192.0.2.60", "198.51.100.61"):  # a home; a VPN's exit in a hosting network
        elsewhere = [home.decide(replace(e, ip=ip)) for e in searches]
        assert {d.enforced for d in elsewhere} == {"allow"}, ip
    # A profile from there weighs as before: one person is not a list.
    assert hosted.decide(event(99, "203.0.113.61", "/u/alice")).score == 15


def test_the_hosting_list_rule_can_be_turned_off() -> None:
    g = guard(
        "policy: {mode: enforce, detectors: {model: {enabled: false},"
        " origin: {datacenter_list_weight: 0}}}"
    )
    searches = [event(i * 20.0, "203.0.113.60", f"/search?q={q}") for i, q in enumerate(TERMS)]
    assert {g.decide(e).enforced for e in searches} == {"allow"}
    assert hits(g, "datacenter") == 4 and hits(g, "datacenter-list") == 0
