"""Good-bots detector: declared crawlers verified, unverifiable or impostors."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from importlib import resources

import pytest
from support import GAPS, T0, event

from scrapeguard.config import load_document
from scrapeguard.crawlers import CrawlerVerdict
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.netinfo import PublishedNetworkInfo
from scrapeguard.policy import RANK, Policy, policy_from_document

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
EXAMPLEBOT = "Mozilla/5.0 (compatible; Examplebot/1.0; +https://example.org/bot)"


class Crawlers(NoNetworkInfo):
    """A fake: any user agent with 'bot' in it is a crawler; its status depends on the address
    (192.0.2.x verified, 198.51.100.x unverifiable, anything else an impostor)."""

    def crawler(self, user_agent: str, ip: str, now: float) -> object:
        if "bot" not in user_agent.lower():
            return None
        if ip.startswith("192.0.2."):
            return CrawlerVerdict(
                "verified", "example", "Examplebot", "Examplebot from its published ranges"
            )
        if ip.startswith("198.51.100."):
            return CrawlerVerdict(
                "unverifiable",
                "example",
                "Examplebot",
                "declares itself Examplebot; no published ranges",
            )
        return CrawlerVerdict(
            "impostor",
            "example",
            "Examplebot",
            f"claims to be Examplebot but {ip} is outside its ranges",
        )


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def guard(policy_text: str = "") -> Guard:
    return Guard(policy=policy(policy_text) if policy_text else Policy(), network=Crawlers())


def crawl(
    count: int, ip: str, agent: str = EXAMPLEBOT, distinct: int | None = None
) -> list[RequestEvent]:
    out, t = [], 0.0
    for i in range(count):
        out.append(
            event(t, ip, f"/u/user{i if distinct is None else i % distinct}", user_agent=agent)
        )
        t += GAPS[i % len(GAPS)]
    return out


def decide_all(g: Guard, events: Iterable[RequestEvent]) -> list[Decision]:
    return [g.decide(e) for e in events]


def hits(g: Guard, rule: str) -> int:
    return g.counters[f"detector/goodbots/{rule}/hit"]


def test_an_impostor_crawler_is_flagged_with_the_reason() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.50", "/u/alice", user_agent=EXAMPLEBOT))
    assert d.reasons == ("claims to be Examplebot but 203.0.113.50 is outside its ranges",)
    assert (d.score, d.action) == (70, "throttle")
    assert g.state.get("ip:203.0.113.50").bot == "impostor"  # type: ignore[union-attr]


def test_a_verified_crawler_is_named_but_not_scored() -> None:
    g = guard()
    d = g.decide(event(0, "192.0.2.50", "/u/alice", user_agent=EXAMPLEBOT))
    assert (d.action, d.score, d.origin) == ("allow", 0, "detector/goodbots/verified")
    assert d.reasons == ("Examplebot from its published ranges",)
    assert g.state.get("ip:192.0.2.50").bot == "verified"  # type: ignore[union-attr]


def test_an_unverifiable_crawler_gets_a_small_weight() -> None:
    g = guard()
    d = g.decide(event(0, "198.51.100.50", "/u/alice", user_agent=EXAMPLEBOT))
    assert (d.action, d.score) == ("allow", 15)
    assert g.state.get("ip:198.51.100.50").bot == "unverifiable"  # type: ignore[union-attr]


def test_a_person_in_a_browser_is_no_bot() -> None:
    g = guard()
    decide_all(g, (event(i * 30.0, "203.0.113.51", f"/u/user{i % 4}") for i in range(10)))
    assert not any(k.startswith("detector/goodbots/") for k in g.counters)
    assert g.state.get("ip:203.0.113.51").bot is None  # type: ignore[union-attr]


def test_an_actor_keeps_its_worst_crawler_status() -> None:
    g = guard()
    g.decide(event(0, "203.0.113.52", "/u/alice", user_agent=EXAMPLEBOT))
    g.decide(event(5, "203.0.113.52", "/u/bob"))  # the same address, now a browser
    assert g.state.get("ip:203.0.113.52").bot == "impostor"  # type: ignore[union-attr]


def test_a_verified_crawler_is_spared_the_guest_quota_an_impostor_is_not() -> None:
    verified, impostor = guard(), guard()
    decide_all(verified, crawl(150, "192.0.2.51"))
    decide_all(impostor, crawl(150, "203.0.113.53"))
    assert verified.counters["detector/volume/guest-per-hour/hit"] == 0
    assert impostor.counters["detector/volume/guest-per-hour/hit"] > 0
    assert verified.counters["detector/automation/no-assets/hit"] == 0


def test_a_crawler_alternating_its_own_user_agents_is_not_rotating_them() -> None:
    """Bing crawls with two user agents from one address; both declare the same crawler."""
    agents = (
        EXAMPLEBOT,
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Examplebot/1.0)",
    )
    for ip, flagged in (("198.51.100.60", False), ("203.0.113.60", True)):
        g = guard()
        decide_all(
            g, (event(i * 13.0, ip, f"/u/user{i}", user_agent=agents[i % 2]) for i in range(12))
        )
        # Unverifiable: judged by its claim and quota. An impostor gets no such allowance.
        assert (g.counters["detector/automation/rotating-agents/hit"] > 0) is flagged, ip


def test_crawler_weights_are_settings() -> None:
    g = guard(
        "policy: {traits_act_alone: true,"
        " detectors: {goodbots: {impostor_weight: 20, unverifiable_weight: 50}}}"
    )
    d = g.decide(event(0, "203.0.113.54", "/u/alice", user_agent=EXAMPLEBOT))
    assert (d.score, d.action) == (20, "allow")
    d = g.decide(event(0, "198.51.100.54", "/u/alice", user_agent=EXAMPLEBOT))
    assert (d.score, d.action) == (50, "challenge")


def test_disabled_goodbots_detector_names_no_crawler() -> None:
    g = guard("policy: {detectors: {goodbots: {enabled: false}}}")
    d = g.decide(event(0, "203.0.113.55", "/u/alice", user_agent=EXAMPLEBOT))
    assert d.action == "allow" and not d.reasons
    assert g.state.get("ip:203.0.113.55").bot is None  # type: ignore[union-attr]


def test_a_crawler_that_only_fetches_assets_is_still_named() -> None:
    g = guard()
    g.decide(event(0, "203.0.113.56", "/static/team.png", user_agent=EXAMPLEBOT))
    state = g.state.get("ip:203.0.113.56")
    assert state is not None and state.bot == "impostor"


def test_a_declared_crawler_is_remembered_like_a_flagged_actor() -> None:
    g = guard()
    g.decide(event(0, "192.0.2.58", "/u/alice", user_agent=EXAMPLEBOT))
    assert g.state.get("ip:192.0.2.58").bot == "verified"  # type: ignore[union-attr]
    g.decide(event(3 * 86400, "198.51.100.99", "/about"))  # later traffic sweeps idle state
    state = g.state.get("ip:192.0.2.58")
    assert state is not None and state.bot == "verified"


def test_a_crawler_that_only_fetches_assets_is_named_with_its_reason() -> None:
    g = guard()
    g.decide(event(0, "203.0.113.56", "/static/team.png", user_agent=EXAMPLEBOT))
    state = g.state.get("ip:203.0.113.56")
    assert state is not None
    reasons = state.reasons()
    assert "claims to be Examplebot but 203.0.113.56 is outside its ranges" in reasons


def test_a_verified_crawler_within_its_quota_is_not_throttled() -> None:
    g = guard()
    decisions = decide_all(
        g, (event(i * 3.0, "192.0.2.57", f"/u/user{i}", user_agent=EXAMPLEBOT) for i in range(300))
    )
    assert max(RANK[d.action] for d in decisions) < RANK["challenge"]


# -- with the packaged published ranges ----------------------------------------------------


@pytest.fixture(scope="module")
def published() -> PublishedNetworkInfo:
    return PublishedNetworkInfo()


def googlebot_address() -> str:
    data = json.loads(
        (resources.files("scrapeguard") / "data" / "ranges" / "googlebot.json").read_text()
    )
    prefix = next(p["ipv4Prefix"] for p in data["prefixes"] if "ipv4Prefix" in p)
    return str(next(ipaddress.ip_network(prefix).hosts()))


def test_googlebot_from_googles_ranges_is_verified(published: PublishedNetworkInfo) -> None:
    g = Guard(policy=Policy(), network=published)
    ip = googlebot_address()
    d = g.decide(event(0, ip, "/u/alice", user_agent=GOOGLEBOT))
    assert d.action == "allow"
    assert g.state.get(f"ip:{ip}").bot == "verified"  # type: ignore[union-attr]
    assert "googlebot.json" in d.reasons[0]


def test_googlebot_from_elsewhere_is_an_impostor(published: PublishedNetworkInfo) -> None:
    g = Guard(policy=Policy(), network=published)
    d = g.decide(event(0, "203.0.113.9", "/u/alice", user_agent=GOOGLEBOT))
    assert g.state.get("ip:203.0.113.9").bot == "impostor"  # type: ignore[union-attr]
    reason = next(r for r in d.reasons if "Googlebot" in r)
    assert "203.0.113.9 is outside Google's published crawler ranges" in reason
    assert RANK[d.action] >= RANK["throttle"]


def test_ranges_far_from_the_event_time_prove_nothing(published: PublishedNetworkInfo) -> None:
    # A 2015 log replayed against 2026 lists: neither verified nor impostor.
    g = Guard(policy=Policy(), network=published)
    t2015 = 1_431_856_800.0 - T0  # 2015-05-17, relative to T0
    g.decide(event(t2015, "203.0.113.9", "/u/alice", user_agent=GOOGLEBOT))
    g.decide(event(t2015, googlebot_address(), "/u/alice", user_agent=GOOGLEBOT))
    assert g.state.get("ip:203.0.113.9").bot == "unverifiable"  # type: ignore[union-attr]
    assert g.state.get(f"ip:{googlebot_address()}").bot == "unverifiable"  # type: ignore[union-attr]


def test_a_verified_crawler_indexing_deep_is_allowed_until_its_own_quota() -> None:
    g = guard("policy: {detectors: {volume: {crawler_per_day: 100}}}")
    # 24 search pages of 20 people, deep paging: 480 people, each listed person counting as
    # 0.2 of a profile: 96, within the quota of 100.
    pages = [
        event(i * 20.0, "192.0.2.10", f"/search?q=a&page={i + 1}", user_agent=EXAMPLEBOT)
        for i in range(24)
    ]
    assert {d.action for d in decide_all(g, pages)} == {"allow"}
    more = [
        event(600.0 + i, "192.0.2.10", f"/search?q=b&page={i + 1}", user_agent=EXAMPLEBOT)
        for i in range(3)
    ]
    last = decide_all(g, more)[-1]
    assert last.action != "allow"
    assert any("verified crawler quota is 100 per day" in r for r in last.reasons)
