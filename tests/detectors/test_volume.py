"""Volume detector: people received per hour / per day against the quota of each kind of actor."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from support import GAPS, event, profiles

from scrapeguard.config import load_document
from scrapeguard.crawlers import CrawlerVerdict
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.policy import RANK, Policy, policy_from_document

# Gaps between page views of a person: irregular, with pauses (so timing stays quiet).
# The quotas of the example site configuration. Tests that count people exactly set them, so
# that they do not depend on the shipped defaults.
QUOTAS = "account_per_hour: 60, account_per_day: 500, guest_per_hour: 30, guest_per_day: 100"


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def guard(
    volume: str = QUOTAS, others: str = "", network: NoNetworkInfo | None = None, top: str = ""
) -> Guard:
    """A guard whose volume settings are `volume` (plus other detectors' settings)."""
    detectors = f"volume: {{{volume}}}" + (f", {others}" if others else "")
    text = f"policy: {{{top}detectors: {{{detectors}}}}}"
    return Guard(policy=policy(text), network=network or NoNetworkInfo())


def decide_all(g: Guard, events: Iterable[RequestEvent]) -> list[Decision]:
    return [g.decide(e) for e in events]


def browse(
    count: int,
    ip: str = "198.51.100.7",
    start: float = 0.0,
    distinct: int | None = None,
    **kw: object,
) -> Iterator[RequestEvent]:
    """`count` profile views at human pace; `distinct` people cycled (all distinct by default),
    each page followed by its stylesheet like a real browser."""
    t = start
    for i in range(count):
        n = i if distinct is None else i % distinct
        yield event(t, ip, f"/u/user{n}", **kw)
        yield event(t + 0.3, ip, "/static/app.css", **kw)
        t += GAPS[i % len(GAPS)]


def hits(g: Guard, rule: str) -> int:
    return g.counters[f"detector/{rule}/hit"]


def volume_hits(g: Guard) -> int:
    return sum(n for k, n in g.counters.items() if k.startswith("detector/volume/"))


class Shared(NoNetworkInfo):
    """A carrier NAT pool: many people behind 100.64.0.0/10."""

    def origin(self, ip: str) -> frozenset[str]:
        return frozenset({"shared:cgnat"}) if ip.startswith("100.64.") else frozenset()


class Crawler(NoNetworkInfo):
    def crawler(self, user_agent: str, ip: str, now: float) -> object:
        return CrawlerVerdict("verified", "example", "Examplebot", "Examplebot from its ranges")


def test_an_account_harvesting_past_its_hourly_quota_is_flagged_in_people() -> None:
    g = guard()
    profile_decisions = decide_all(g, browse(80, account="recruiter9"))[::2]
    # The 60th person is within the quota, the 61st is past it.
    assert not any("account quota" in r for r in profile_decisions[59].reasons)
    flagged = profile_decisions[60]
    assert (
        "received the data of 61 people in the last hour; the account quota is 60 per hour"
        in flagged.reasons
    )
    assert (flagged.key, flagged.scope) == ("account:recruiter9", "account")
    assert hits(g, "volume/account-per-hour") > 0


def test_a_recruiter_below_the_account_quota_is_not_flagged() -> None:
    g = guard()
    # 45 different people plus re-reads, over about an hour: below 60 per hour.
    decisions = decide_all(g, browse(90, account="recruiter1", distinct=45))
    assert {d.action for d in decisions} == {"allow"}
    assert volume_hits(g) == 0
    state = g.state.get("account:recruiter1")
    assert state is not None and state.distinct_people == 45


def test_the_daily_account_quota_catches_a_slow_harvest() -> None:
    # 40 people an hour (below the hourly quota) for 14 hours: 560 people in a day.
    g = guard()
    events = (event(i * 90.0, "198.51.100.8", f"/u/user{i}", account="slow") for i in range(560))
    decisions = decide_all(g, events)
    assert hits(g, "volume/account-per-hour") == 0
    assert not any("per day" in r for r in decisions[499].reasons)
    assert (
        "received the data of 501 people in the last day; the account quota is 500 per day"
        in decisions[500].reasons
    )


def test_a_guest_past_the_hourly_guest_quota_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, browse(40, ip="203.0.113.20"))[::2]
    assert not any("guest quota" in r for d in decisions[:30] for r in d.reasons)
    assert (
        "received the data of 31 people in the last hour; the guest quota is 30 per hour"
        in decisions[30].reasons
    )
    assert decisions[30].key == "ip:203.0.113.20"


def test_a_guest_re_reading_the_same_profiles_is_not_counted_twice() -> None:
    g = guard()
    decisions = decide_all(g, browse(200, ip="203.0.113.21", distinct=12))
    assert {d.action for d in decisions} == {"allow"}
    assert volume_hits(g) == 0
    assert g.state.get("ip:203.0.113.21").distinct_people == 12  # type: ignore[union-attr]


def test_many_guests_behind_a_shared_address_get_a_larger_quota() -> None:
    # 150 people in an hour from one address: a harvester on its own address, but normal for a
    # carrier NAT pool with thousands of subscribers behind it.
    own = guard(network=Shared())
    decide_all(own, browse(150, ip="203.0.113.22"))
    assert hits(own, "volume/guest-per-hour") > 0

    shared = guard(network=Shared())
    decide_all(shared, browse(150, ip="100.64.3.3"))
    assert volume_hits(shared) == 0


def test_a_distributed_harvest_is_caught_on_its_network() -> None:
    # 200 addresses of one /24, each taking 16 people (below every per-address quota).
    events = [
        event(i * 20.0 + j * 0.5, f"203.0.113.{i}", f"/u/user{i * 16 + j}")
        for i in range(200)
        for j in range(16)
    ]
    g = guard()
    decisions = decide_all(g, events)
    assert hits(g, "volume/guest-per-hour") == 0
    assert hits(g, "volume/network-per-day") > 0
    last = decisions[-1]
    assert last.scope == "net" and last.key == "net:203.0.113.0/24"
    assert any("the network quota is 3,000 per day" in r for r in last.reasons)


def test_the_default_quotas_stop_a_mass_harvest() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    last = decide_all(g, profiles(0, 1500, ip="203.0.113.23", every=1.0))[-1]
    assert hits(g, "volume/guest-per-hour") > 0
    assert any("the guest quota is" in r for r in last.reasons)
    assert last.action == "block"


def test_raising_the_account_quota_silences_the_detector() -> None:
    g = guard("account_per_hour: 200, account_per_day: 1000")
    decide_all(g, browse(80, account="recruiter9"))
    assert volume_hits(g) == 0


def test_lowering_the_account_quota_flags_earlier() -> None:
    g = guard("account_per_hour: 20")
    decisions = decide_all(g, browse(30, account="recruiter9"))[::2]
    assert not [r for r in decisions[19].reasons if "quota" in r]
    assert (
        "received the data of 21 people in the last hour; the account quota is 20 per hour"
        in decisions[20].reasons
    )


def test_disabled_volume_detector_raises_nothing() -> None:
    g = guard(f"{QUOTAS}, enabled: false")
    decide_all(g, browse(80, account="recruiter9"))
    assert volume_hits(g) == 0


def test_a_verified_crawler_has_its_own_larger_quota() -> None:
    g = guard(network=Crawler())
    decide_all(g, browse(150, ip="192.0.2.80"))
    assert hits(g, "volume/guest-per-hour") == 0
    assert hits(g, "volume/verified-crawler-per-day") == 0

    g2 = guard(f"{QUOTAS}, crawler_per_day: 100", network=Crawler())
    decisions = decide_all(g2, browse(150, ip="192.0.2.80"))[::2]
    assert (
        "received the data of 101 people in the last day; the verified crawler quota is 100 "
        "per day" in decisions[100].reasons
    )


QUIET = "enumeration: false, breadth: false, timing: false, automation: false"


def test_shadow_rules_record_volume_without_enforcing_it() -> None:
    g = guard(others=QUIET, top="mode: enforce, shadow_rules: [volume], ")
    last = decide_all(g, browse(200, account="harvester"))[-2]
    assert RANK[last.action] >= RANK["throttle"]
    assert last.simulated and last.enforced == "allow"


def test_detector_shadow_setting_records_without_enforcing() -> None:
    g = guard(f"{QUOTAS}, shadow: true", others=QUIET, top="mode: enforce, ")
    last = decide_all(g, browse(200, account="harvester"))[-2]
    assert RANK[last.action] >= RANK["throttle"]
    assert last.simulated and last.enforced == "allow"


def test_without_shadowing_the_same_harvest_is_enforced() -> None:
    g = guard(others=QUIET, top="mode: enforce, ")
    last = decide_all(g, browse(200, account="harvester"))[-2]
    assert RANK[last.enforced] >= RANK["throttle"] and not last.simulated


def test_a_person_typing_a_few_searches_is_not_throttled() -> None:
    # Each results page counts as its page size (20 people) with the default model.
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    terms = ["anna+schmidt", "anna+schmitt", "bob+jones", "carla+m", "dieter", "eva+lind"]
    decisions = [
        g.decide(event(i * 25.0, "198.51.100.30", f"/search?q={t}")) for i, t in enumerate(terms)
    ]
    assert max(RANK[d.action] for d in decisions) < RANK["throttle"]
