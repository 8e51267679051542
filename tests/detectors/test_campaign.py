"""Campaigns: bare clients sharing one signature, and young accounts of one network, judged
as one actor whose decision applies to every member."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from support import event

from scrapeguard.config import load_document
from scrapeguard.crawlers import CrawlerVerdict
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import (
    NEW_ACCOUNTS_CAMPAIGN,
    SIGNATURE_CAMPAIGN,
    STACK_CAMPAIGN,
    RequestEvent,
)
from scrapeguard.policy import Policy, policy_from_document

STOPS = frozenset({"challenge", "throttle", "block", "tarpit", "decoy"})


def guard(policy_text: str = "", network: Any = None) -> Guard:
    policy = policy_from_document(load_document(policy_text, "p.yaml")) if policy_text else None
    return Guard(policy=policy or Policy(mode="enforce"), network=network or NoNetworkInfo())


def address(i: int) -> str:
    """One address in each of many /24 networks, as a residential proxy pool gives them."""
    return f"81.{i // 200}.{i % 200}.7"


LANGUAGE = "en-GB,en;q=0.9"


def bare(t: float, i: int, person: int, **kw: object) -> RequestEvent:
    """A profile request from address `i` with no cookie, as a scraper's client sends it."""
    return event(t, address(i), f"/u/p{person}", accept_language=LANGUAGE, **kw)


def asset(t: float, i: int) -> RequestEvent:
    """A page asset, loaded by a browser with the same signature."""
    return event(t, address(i), "/static/app.css", accept_language=LANGUAGE)


def spread(g: Guard, addresses: int, rounds: int, start: float = 0.0) -> list[Decision]:
    """Each address asks for one new profile a round, a minute between addresses."""
    out = []
    for r in range(rounds):
        for i in range(addresses):
            t = start + (r * addresses + i) * 60.0
            out.append(g.decide(bare(t, i, r * addresses + i)))
    return out


def test_bare_clients_with_one_signature_are_linked_and_stopped_as_one() -> None:
    g = guard()
    decisions = spread(g, 30, 4)
    first = next(i for i, d in enumerate(decisions) if d.action != "allow")
    assert first + 1 == 20  # challenged from the 20th address on, before any quota
    linked = decisions[first]
    assert linked.key.startswith(SIGNATURE_CAMPAIGN) and linked.scope == "campaign"
    assert linked.reasons[0].startswith("one of 20 addresses that send the same user agent")
    # Past the quota of 100 people a day the campaign is blocked: every member that comes back
    # is stopped, whatever address it uses.
    late = decisions[100:]
    assert all(d.action == "block" for d in late[30:])
    assert "the quota for one campaign is 100" in late[-1].reasons[0]
    served = sum(d.action == "allow" for d in decisions)
    assert served <= 20
    campaign = g.state.get(linked.key)
    assert campaign is not None and campaign.more().account_count == 30


def test_a_new_address_of_a_blocked_campaign_is_challenged_not_blocked() -> None:
    """A person whose browser has not loaded the page's assets yet looks like a member."""
    g = guard()
    spread(g, 30, 5)
    t = 30 * 5 * 60.0
    newcomer = bare(t, 500, 9999)
    assert g.held(newcomer).action == "challenge"  # what an integration checks before the app
    assert g.decide(newcomer).action == "challenge"
    # Back without having loaded assets: the campaign's decision in full (150 people: throttle).
    assert g.held(bare(t + 60, 500, 9998)).action == "throttle"
    assert g.decide(bare(t + 60, 500, 9998)).action == "throttle"


def test_a_shared_address_on_its_first_page_is_not_stopped_by_a_campaign() -> None:
    """iCloud Private Relay and carrier NAT addresses carry a stream of people's first pages:
    a campaign's decision does not reach them until the address itself behaves as one."""
    relay = address(700)

    class Relay(NoNetworkInfo):
        def origin(self, ip: str) -> frozenset[str]:
            return frozenset({"shared:icloud-relay"}) if ip == relay else frozenset()

    g = guard(network=Relay())
    spread(g, 30, 5)
    t = 30 * 5 * 60.0
    assert g.held(bare(t, 700, 9999)).action == "allow"
    assert g.decide(bare(t, 700, 9999)).action == "allow"
    # Bare pages again from the same address: challenged, never more (it may be someone else).
    assert g.decide(bare(t + 60, 700, 9998)).action == "challenge"
    assert g.held(bare(t + 120, 700, 9997)).action == "challenge"


def test_a_person_with_the_same_browser_who_loads_assets_is_not_a_member() -> None:
    g = guard()
    spread(g, 30, 5)
    t = 30 * 5 * 60.0
    assert g.decide(bare(t, 600, 9000)).action == "challenge"  # a first visit, as above
    assert g.decide(asset(t + 0.5, 600)).action == "allow"
    for k in range(1, 6):
        assert g.decide(bare(t + k * 30, 600, 9000 + k)).action == "allow"
    campaign = g.state.get(g.decide(bare(t + 300, 0, 1)).key)
    assert campaign is not None and campaign.member_count == 1  # one address loaded assets


def test_a_signature_that_people_share_is_not_a_campaign() -> None:
    """Forty people with the same browser, each loading assets, and five bare clients with it:
    most of the signature's addresses load assets, so nobody is linked."""
    g = guard()
    decisions = []
    for i in range(45):
        for k in range(4):
            t = i * 400.0 + k * 60
            decisions.append(g.decide(bare(t, i, i * 4 + k)))
            if i < 40:
                decisions.append(g.decide(asset(t + 0.4, i)))
    assert all(d.action == "allow" for d in decisions)
    assert not g.counters["detector/campaign/signature/hit"]


BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Safari/537.36",
)


def rotating(t: float, i: int, person: int, agent: int, headers: bool = True) -> RequestEvent:
    """A profile request from address `i` of a crawler that claims browser `agent` this time:
    its HTTP software's headers stay the same (inline they are known; a log has none)."""
    known = {"accept-encoding": "gzip, deflate", "accept-language": LANGUAGE}
    ua = BROWSERS[agent % len(BROWSERS)]
    return bare(t, i, person, user_agent=ua, headers=known if headers else None)


def test_a_crawler_rotating_user_agents_is_linked_by_its_request_headers() -> None:
    g = guard()
    decisions = []
    for r in range(6):  # 50 addresses, each back every round with another user agent
        for i in range(50):
            n = r * 50 + i
            decisions.append(g.decide(rotating(n * 60.0, i, n, agent=n)))
    first = next(i for i, d in enumerate(decisions) if d.action != "allow")
    assert first + 1 == 20  # each user agent alone has only 5 addresses by then
    linked = decisions[first]
    assert linked.key.startswith(STACK_CAMPAIGN) and linked.scope == "stack"
    assert "the same request headers under any user agent" in linked.reasons[0]
    assert all(d.action == "block" for d in decisions[250:])  # past the quota, as one
    assert sum(d.action == "allow" for d in decisions) <= 20
    # From a plain log the headers are unknown: four user agent campaigns, none at 20.
    g = guard()
    replayed = [g.decide(rotating(i * 60.0, i, i, agent=i, headers=False)) for i in range(60)]
    assert all(d.action == "allow" for d in replayed)


def test_people_whose_browsers_send_the_same_headers_are_not_linked() -> None:
    g = guard()
    decisions = []
    for i in range(45):
        for k in range(3):
            page = rotating(i * 400.0 + k * 60, i, i * 3 + k, agent=i)
            decisions.append(g.decide(page))
            if i < 40:  # a browser loads the page's assets, with its own headers
                decisions.append(g.decide(replace(page, time=page.time + 0.4, path="/a.css")))
    assert all(d.action == "allow" for d in decisions)
    assert not g.counters["detector/campaign/stack/hit"]


def test_where_a_cdn_serves_the_assets_nobody_is_linked_for_loading_none() -> None:
    """When a site's images and scripts come from a CDN, scrapeguard sees no browser load
    them: being bare then says nothing, and people sharing a browser must not be linked."""
    g = guard()
    for k in range(600):  # members browsing; their browsers fetch the assets from the CDN
        g.decide(event(k * 6.0, address(1000 + k % 50), f"/u/m{k}", session=f"s{k % 50}"))
    assert not g.assets_seen
    decisions = spread(g, 30, 4, start=4000.0)  # people with one browser, first visits
    assert all(d.action == "allow" for d in decisions)
    assert not g.counters["detector/campaign/signature/hit"]
    for k in range(8):  # the site starts serving its own assets
        g.decide(asset(9000.0 + k, 2000 + k))
    assert g.assets_seen


def test_a_campaign_stopped_before_the_cdn_was_known_stops_applying() -> None:
    """Until 500 pages have been seen, scrapeguard assumes the site's assets reach it, so
    people sharing a browser can be linked and challenged. Once it learns that none come (a
    CDN, or an API-only site), that decision must not keep challenging everyone who shares
    the signature for the rest of its duration."""
    g = guard()
    decisions = spread(g, 30, 4)  # 120 pages: linked and stopped as one, as above
    assert any(d.key.startswith(SIGNATURE_CAMPAIGN) for d in decisions if d.action != "allow")
    assert g.assets_seen
    t = 120 * 60.0
    for k in range(400):  # members browsing, no asset reaches scrapeguard
        g.decide(event(t + k * 0.1, address(1000 + k % 50), f"/u/m{k}", session=f"s{k % 50}"))
    assert not g.assets_seen
    newcomer = bare(t + 60, 500, 9999)
    assert g.held(newcomer).action == "allow"
    assert g.decide(newcomer).action == "allow"
    assert g.decide(bare(t + 61, 0, 9998)).action == "allow"  # an old member as well


def test_declared_crawlers_are_judged_by_name_not_linked() -> None:
    class Crawlers(NoNetworkInfo):
        def crawler(self, user_agent: str, ip: str, now: float) -> Any:
            found = "Googlebot" in user_agent
            return (
                CrawlerVerdict("verified", "example", "Examplebot", "Google's ranges")
                if found
                else None
            )

    g = guard(network=Crawlers())
    ua = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    for i in range(40):
        g.decide(event(i * 60.0, address(i), f"/u/p{i}", user_agent=ua))
    assert not [s for s in g.state if s.campaign]


def test_young_accounts_of_one_network_are_one_campaign() -> None:
    g = guard()
    decisions = []
    for a in range(10):  # each account stays under the new-account quota of 100 a day
        for k in range(40):
            e = event(
                a * 30.0 + k * 300.0,
                f"203.0.113.{10 + a}",
                f"/u/p{a * 40 + k}",
                account=f"farm{a}",
                account_created=1_767_225_600.0 - 3600,
                session=f"s{a}",
            )
            decisions.append(g.decide(e))
    stopped = [d for d in decisions if d.action in STOPS]
    assert stopped and stopped[0].key == NEW_ACCOUNTS_CAMPAIGN + "203.0.113.0/24"
    assert "younger than 7 days used from network 203.0.113.0/24" in stopped[0].reasons[0]
    assert sum(d.action == "allow" for d in decisions) <= 310
    assert decisions[-1].action in STOPS  # every account of the farm, the campaign's decision


def test_established_accounts_are_not_linked_by_network() -> None:
    g = guard()
    for a in range(10):
        for k in range(40):
            g.decide(
                event(
                    a * 30.0 + k * 300.0,
                    f"203.0.113.{10 + a}",
                    f"/u/p{a * 40 + k}",
                    account=f"old{a}",
                    account_created=1_600_000_000.0,
                    session=f"s{a}",
                )
            )
    assert not [s for s in g.state if s.campaign]


def test_campaigns_can_be_turned_off_or_shadowed() -> None:
    off = guard("policy:\n  mode: enforce\n  detectors:\n    campaign: false\n")
    assert all(d.action == "allow" for d in spread(off, 30, 4))
    assert not [s for s in off.state if s.campaign]
    shadow = guard("policy:\n  mode: enforce\n  shadow_rules: [campaign/signature]\n")
    decisions = spread(shadow, 30, 8)
    assert all(d.enforced == "allow" for d in decisions)
    assert any(d.action == "block" and d.simulated for d in decisions)


def test_a_campaign_reason_never_names_more_members_than_it_counted() -> None:
    g = guard()
    decisions = spread(g, 300, 1)
    assert "one of 256 addresses or more" in decisions[-1].reasons[0]
