"""Account-farm detector: many sign-ups or logins from one network, many accounts per device."""

from __future__ import annotations

from support import event

from scrapeguard.config import load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.policy import Policy, policy_from_document
from scrapeguard.site import SiteModel, site_from_document

SITE = """
site:
  personal_data:
    - {route: "/u/{username}", fields: [name, photo]}
  signup: [/signup]
  login: [/login]
"""


def site(text: str = SITE) -> SiteModel:
    return site_from_document(load_document(text, "site.yaml"))


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def guard(policy_text: str = "", network: NoNetworkInfo | None = None) -> Guard:
    pol = policy(policy_text) if policy_text else Policy()
    return Guard(site=site(), policy=pol, network=network or NoNetworkInfo())


def hits(g: Guard, rule: str) -> int:
    return g.counters[f"detector/account_farm/{rule}/hit"]


class Shared(NoNetworkInfo):
    def origin(self, ip: str) -> frozenset[str]:
        return frozenset({"shared:cgnat"}) if ip.startswith("100.64.") else frozenset()


def signups(g: Guard, count: int, net: str = "203.0.113", start: float = 0.0) -> list[Decision]:
    """`count` sign-ups (POST) from different addresses of one /24, a few minutes apart."""
    return [
        g.decide(
            event(start + i * 300.0, f"{net}.{10 + i}", "/signup", method="POST", account=f"new{i}")
        )
        for i in range(count)
    ]


def test_many_signups_from_one_network_are_flagged() -> None:
    g = guard()
    decisions = signups(g, 8)
    assert all(not d.reasons for d in decisions[:5])
    assert "6 sign-ups in a day from network 203.0.113.0/24" in decisions[5].reasons
    assert decisions[5].key == "net:203.0.113.0/24"
    assert hits(g, "signups") == 3


class Hosting(NoNetworkInfo):
    def origin(self, ip: str) -> frozenset[str]:
        return frozenset({"datacenter"}) if ip.startswith("198.51.100.") else frozenset()


def test_a_third_signup_from_a_hosting_network_is_flagged() -> None:
    # People do not sign up from cloud servers: three in a day from one is a farm starting.
    g = guard(network=Hosting())
    decisions = signups(g, 4, net="198.51.100")
    assert all(not d.reasons for d in decisions[:2])
    assert (
        "3 sign-ups in a day from network 198.51.100.0/24, a hosting network"
        in decisions[2].reasons
    )
    assert decisions[2].key == "net:198.51.100.0/24"
    # The same sign-ups from a home network wait for the network quota.
    home = signups(g, 5, net="203.0.113")
    assert not any(d.reasons for d in home)
    lenient = guard("policy: {detectors: {account_farm: {hosting_signups_per_day: 5}}}", Hosting())
    assert not any(d.reasons for d in signups(lenient, 5, net="198.51.100"))


def test_a_few_signups_and_visits_to_the_signup_page_are_not_flagged() -> None:
    g = guard()
    # A family signs up (3 accounts); many people look at the form without submitting.
    decisions = signups(g, 3)
    decisions += [g.decide(event(5000 + i * 40.0, f"203.0.113.{i}", "/signup")) for i in range(60)]
    assert {d.action for d in decisions} == {"allow"}
    assert not any(k.startswith("detector/account_farm/") for k in g.counters)


def test_many_logins_from_one_address_are_flagged() -> None:
    g = guard()
    decisions = [
        g.decide(event(i * 120.0, "198.51.100.9", "/login", method="POST", account="same"))
        for i in range(31)
    ]
    assert not [r for r in decisions[29].reasons if "logins in a day" in r]
    assert "31 logins in a day from network 198.51.100.0/24" in decisions[30].reasons


def test_one_device_operating_many_accounts_is_flagged() -> None:
    g = guard()
    decisions = [
        g.decide(
            event(
                i * 600.0,
                f"198.51.100.{i}",
                "/login",
                method="POST",
                account=f"a{i}",
                device="dev-1",
            )
        )
        for i in range(6)
    ]
    assert not decisions[3].reasons
    assert "5 accounts used from one device" in decisions[4].reasons
    assert decisions[4].key == "device:dev-1"


def test_a_household_sharing_a_device_is_not_flagged() -> None:
    g = guard()
    decisions = [
        g.decide(
            event(
                i * 600.0, "198.51.100.5", path, method=method, account=f"member{i % 3}", device="d"
            )
        )
        for i in range(20)
        for path, method in (("/login", "POST"), ("/u/alice", "GET"))
    ]
    assert {d.action for d in decisions} == {"allow"}
    assert hits(g, "accounts") == 0


def logins(g: Guard, ip: str, accounts: int) -> list[Decision]:
    return [
        g.decide(event(i * 90.0, ip, "/login", method="POST", account=f"user{i}"))
        for i in range(accounts)
    ]


def test_logged_in_users_on_a_shared_address_are_not_an_account_farm() -> None:
    # Twelve subscribers of a carrier behind one NAT address log in: normal.
    g = guard(network=Shared())
    decisions = logins(g, "100.64.7.7", 12)
    assert {d.action for d in decisions} == {"allow"}
    assert not any(k.startswith("detector/account_farm/") for k in g.counters)
    # The same twelve accounts from one ordinary address are one operator's farm.
    g2 = guard(network=Shared())
    decisions = logins(g2, "198.51.100.77", 12)
    assert hits(g2, "accounts") > 0
    assert "12 accounts used from address 198.51.100.77" in decisions[-1].reasons


def test_raising_the_signup_quota_silences_the_detector() -> None:
    g = guard("policy: {detectors: {account_farm: {signups_per_day: 50}}}")
    signups(g, 8)
    assert hits(g, "signups") == 0


def test_accounts_per_device_is_a_setting() -> None:
    g = guard("policy: {detectors: {account_farm: {accounts_per_device: 10}}}")
    logins(g, "198.51.100.77", 8)
    assert hits(g, "accounts") == 0
    g = guard("policy: {detectors: {account_farm: {accounts_per_device: 2}}}")
    logins(g, "198.51.100.77", 3)
    assert hits(g, "accounts") == 1


def test_disabled_account_farm_detector_raises_nothing() -> None:
    g = guard("policy: {detectors: {account_farm: {enabled: false}}}")
    signups(g, 8)
    logins(g, "198.51.100.77", 40)
    assert not any(k.startswith("detector/account_farm/") for k in g.counters)


def test_signups_are_only_counted_on_the_declared_signup_route() -> None:
    # Without a sign-up route in the site model, POSTs to /join are ordinary requests.
    g = guard()
    for i in range(10):
        g.decide(event(i * 60.0, f"203.0.113.{i}", "/join", method="POST", account=f"n{i}"))
    assert hits(g, "signups") == 0
    joined = SITE.replace("signup: [/signup]", "signup: [/signup, /join]")
    g = Guard(site=site(joined), policy=Policy(), network=NoNetworkInfo())
    for i in range(10):
        g.decide(event(i * 60.0, f"203.0.113.{i}", "/join", method="POST", account=f"n{i}"))
    assert hits(g, "signups") > 0


def test_signup_methods_declared_in_the_site_model_are_counted() -> None:
    text = SITE.replace("signup: [/signup]", "signup: [{route: /api/register, methods: [PUT]}]")
    g = Guard(site=site(text), policy=Policy(), network=NoNetworkInfo())
    for i in range(10):
        g.decide(event(i * 60.0, f"203.0.113.{i}", "/api/register", method="PUT", account=f"n{i}"))
    assert hits(g, "signups") > 0


def test_signups_from_many_ipv6_subnets_of_one_48_are_one_farm() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    decisions = [
        g.decide(
            event(i * 300.0, f"2001:db8:7:{i:x}::1", "/signup", method="POST", account=f"v6-{i}")
        )
        for i in range(12)
    ]
    last = decisions[-1]
    assert last.key == "net:2001:db8:7::/48"
    assert any("sign-ups in a day from network 2001:db8:7::/48" in r for r in last.reasons)
    # Each /64 made one sign-up only: no single subnet is blamed.
    assert g.state.get("net:2001:db8:7:b::/64").peak == 0  # type: ignore[union-attr]
