"""Traps detector: canary profiles, hidden links and robots.txt-disallowed paths."""

from __future__ import annotations

from support import event

from scrapeguard.config import load_document
from scrapeguard.crawlers import CrawlerVerdict
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.policy import Policy, policy_from_document
from scrapeguard.site import Kind, SiteModel, site_from_document

SITE = """
site:
  personal_data:
    - {route: "/u/{username}", fields: [name, photo, bio]}
  traps: ["/u/~canary-*", "/hidden/contact-export"]
  robots_disallow: ["/admin/*", "/api/internal/*"]
"""
CRAWLER_UA = "Mozilla/5.0 (compatible; Examplebot/1.0; +https://example.org/bot)"


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def site() -> SiteModel:
    return site_from_document(load_document(SITE, "site.yaml"))


class Crawlers(NoNetworkInfo):
    """Says that Examplebot is an (unverifiable) declared crawler."""

    def crawler(self, user_agent: str, ip: str, now: float) -> object:
        if "Examplebot" not in user_agent:
            return None
        return CrawlerVerdict("unverifiable", "example", "Examplebot", "declares itself Examplebot")


def guard(policy_text: str = "", network: NoNetworkInfo | None = None) -> Guard:
    pol = policy(policy_text) if policy_text else Policy()
    return Guard(site=site(), policy=pol, network=network or NoNetworkInfo())


def test_a_canary_profile_is_a_trap_not_a_profile() -> None:
    g = guard()
    access, d = g.evaluate(event(0, "203.0.113.30", "/u/~canary-7f3a"))
    assert access.kind == Kind.TRAP and access.people == 0
    assert d.reasons == (
        "requested /u/~canary-7f3a, a hidden trap that no person can find by browsing",
    )
    assert (d.action, d.origin, d.score) == ("block", "threshold/block", 90)
    assert g.counters["detector/traps/canary/hit"] == 1


def test_a_hidden_link_is_a_trap() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.31", "/hidden/contact-export"))
    assert d.action == "block"
    assert "/hidden/contact-export" in d.reasons[0]


def test_ordinary_profiles_near_the_trap_are_not_traps() -> None:
    g = guard()
    for i, path in enumerate(["/u/alice", "/u/canary-fan", "/u/bob~canary", "/hidden/faq"]):
        access, d = g.evaluate(event(i * 30.0, "198.51.100.31", path))
        assert access.kind != Kind.TRAP, path
        assert d.action == "allow" and not d.reasons, path
    assert g.counters["detector/traps/canary/hit"] == 0


def test_a_person_going_where_robots_txt_disallows_is_not_suspect() -> None:
    g = guard()
    d = g.decide(event(0, "198.51.100.32", "/admin/users"))
    assert (d.score, d.action, d.reasons) == (0, "allow", ())


def test_a_client_that_read_robots_txt_and_then_ignored_it_is_weak_evidence() -> None:
    g = guard()
    g.decide(event(0, "198.51.100.32", "/robots.txt"))
    d = g.decide(event(5, "198.51.100.32", "/admin/users"))
    assert d.reasons == (
        "read robots.txt, then requested /admin/users, which robots.txt disallows",
    )
    assert (d.score, d.action) == (35, "allow")


def test_a_declared_crawler_ignoring_robots_txt_weighs_more() -> None:
    g = guard(network=Crawlers())
    d = g.decide(event(0, "192.0.2.33", "/api/internal/export", user_agent=CRAWLER_UA))
    assert "a declared crawler requested /api/internal/export, which robots.txt disallows" in (
        d.reasons
    )
    # 60 for the disallowed path, plus the small weight of an unverifiable crawler claim.
    assert d.score >= 60 and d.action == "throttle"


def test_allowed_paths_are_not_flagged() -> None:
    g = guard(network=Crawlers())
    for i, path in enumerate(["/about", "/administration", "/api/public/stats", "/robots.txt"]):
        d = g.decide(event(i, "192.0.2.34", path, user_agent=CRAWLER_UA))
        assert not any("robots.txt disallows" in r for r in d.reasons), path
    assert g.counters["detector/traps/robots-disallowed/hit"] == 0


def test_an_enforced_trap_hit_blocks_the_actor_for_a_day() -> None:
    g = guard("policy: {mode: enforce}")
    g.decide(event(0, "203.0.113.35", "/u/~canary-1"))
    later = g.decide(event(3600, "203.0.113.35", "/u/alice"))
    assert (later.enforced, later.key) == ("block", "ip:203.0.113.35")
    other = g.decide(event(3600, "203.0.113.36", "/u/alice"))
    assert other.enforced == "allow"
    assert g.decide(event(86400 + 60, "203.0.113.35", "/u/alice")).enforced == "allow"


def test_trap_weights_are_settings() -> None:
    g = guard("policy: {detectors: {traps: {trap_weight: 30, disallowed_weight: 50}}}")
    d = g.decide(event(0, "203.0.113.37", "/u/~canary-2"))
    assert (d.score, d.action) == (30, "allow")
    g.decide(event(0, "203.0.113.38", "/robots.txt"))
    d = g.decide(event(1, "203.0.113.38", "/admin/x"))
    assert (d.score, d.action) == (50, "challenge")


def test_disabled_traps_detector_raises_nothing() -> None:
    g = guard("policy: {detectors: {traps: {enabled: false}}}")
    d = g.decide(event(0, "203.0.113.39", "/u/~canary-3"))
    assert d.action == "allow" and not d.reasons
    assert not any(k.startswith("detector/traps/") for k in g.counters)


def test_the_default_site_model_has_no_traps() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    access, d = g.evaluate(event(0, "203.0.113.40", "/u/~canary-4"))
    assert access.kind == Kind.PERSON
    assert g.counters["detector/traps/canary/hit"] == 0
