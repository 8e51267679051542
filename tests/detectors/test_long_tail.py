"""Long-tail detector: accounts that open the profiles few others look at, from changing
networks."""

from __future__ import annotations

import pytest
from support import T0, event

from scrapeguard.config import ConfigError, load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import Disclosure
from scrapeguard.policy import Policy, policy_from_document
from scrapeguard.state.actor import MAX_LISTED, MAX_WAITING, Reading

GAPS = (35, 80, 12, 140, 55, 20, 95, 41, 66, 18)  # a person's reading pace
OLD_ACCOUNT = T0 - 400 * 86400.0
SETTINGS = "policy: {mode: enforce, detectors: {long_tail: {ready_after: 500}}}"


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def site(text: str = "") -> Guard:
    """A guard whose site has seen 1,500 people's visits: most views on a few people."""
    settings = text or SETTINGS
    g = Guard(policy=policy(settings), network=NoNetworkInfo())
    crowd(g, -20_000.0)
    return g


def crowd(g: Guard, t: float) -> None:
    """1,500 people's visits from `t` on: most views on a few people."""
    for visitor in range(1500):
        ip = f"10.{visitor // 250}.{visitor % 250}.1"
        for person in (0, 1 + visitor % 3, 4 + visitor % 20, 30 + (visitor * 7) % 300):
            g.decide(event(t, ip, f"/u/user{person}", session=f"v{visitor}"))
            t += 1.0


def reading(
    g: Guard, account: str, people: range, networks: tuple[str, ...], start: float = 0.0
) -> list[Decision]:
    """`account` opens the profiles of `people` at a person's pace, switching to the next of
    `networks` for each tenth of them."""
    out, t = [], start
    for i, person in enumerate(people):
        ip = networks[min(i * len(networks) // len(people), len(networks) - 1)]
        extra = {"account_created": OLD_ACCOUNT} if i == 0 else {}
        out.append(
            g.decide(event(t, ip, f"/u/user{person}", account=account, session=account, **extra))
        )
        t += GAPS[i % len(GAPS)]
    return out


def first_flagged(decisions: list[Decision], words: str, index: int) -> Decision:
    """The first decision whose reasons contain `words`, checked to be the `index`-th and a
    challenge."""
    flagged = [i for i, d in enumerate(decisions) if any(words in r for r in d.reasons)]
    assert flagged and flagged[0] == index
    first = decisions[index]
    assert first.enforced == "challenge"
    return first


def test_an_account_reading_the_tail_from_changing_networks_is_challenged() -> None:
    g = site()
    decisions = reading(g, "mallory", range(2000, 2030), ("203.0.113.5", "198.51.100.9"))
    first = first_flagged(decisions, "few others", 19)  # the 20th profile
    assert first.key == "account:mallory"
    assert (
        "opened 20 profiles, 20 of them of people few others look at (outside the 10% viewed "
        "most), from 2 networks"
    ) in first.reasons


def test_an_account_reading_the_tail_from_one_desk_is_not_flagged() -> None:
    # A recruiter reads hundreds of strangers' profiles, from the office.
    g = site()
    decisions = reading(g, "recruiter", range(2000, 2060), ("198.51.100.20",))
    assert not any("few others" in r for d in decisions for r in d.reasons)


def test_an_account_reading_whom_others_read_is_not_flagged() -> None:
    g = site()
    people = range(0, 30)  # the site's well-known people and their circle
    decisions = reading(g, "fan", people, ("203.0.113.5", "198.51.100.9", "192.0.2.77"))
    assert not any("few others" in r for d in decisions for r in d.reasons)


def searching(
    g: Guard, account: str, people: range, listed: bool, unnamed: int = -1
) -> list[Decision]:
    """`account` opens the profiles of `people` from one desk, each after a search on a site
    that names whom its result pages show (all but the `unnamed`-th); the results list the
    person when `listed`."""
    out, t, ip = [], 0.0, "198.51.100.20"
    for i, person in enumerate(people):
        extra = {"account_created": OLD_ACCOUNT} if i == 0 else {}
        shown = (f"user{person}",) if listed else (f"user{person + 5000}",)
        results = None if i == unnamed else tuple(Disclosure(subject) for subject in shown)
        page = f"/search?q=term{i}"
        g.decide(event(t, ip, page, account=account, session=account, disclosed=results, **extra))
        t += GAPS[i % len(GAPS)]
        out.append(g.decide(event(t, ip, f"/u/user{person}", account=account, session=account)))
        t += GAPS[(i + 3) % len(GAPS)]
    return out


def test_an_account_opening_tail_profiles_no_page_showed_it_is_challenged_from_one_desk() -> None:
    # The site names the people its search pages show, and none of them is the one opened:
    # the account goes straight to the people on its list.
    g = site()
    decisions = searching(g, "harvester", range(2000, 2030), listed=False)
    first = first_flagged(decisions, "had shown it", 14)  # the 15th profile
    assert first.key == "account:harvester"
    assert (
        "opened 15 profiles, 15 of them of people few others look at (outside the 10% viewed "
        "most) whom no search or list had shown it"
    ) in first.reasons


def test_an_account_opening_the_people_its_searches_showed_is_not_flagged() -> None:
    # A recruiter reads strangers' profiles all day, each one found through a search.
    g = site()
    decisions = searching(g, "recruiter", range(2000, 2060), listed=True)
    assert not any("few others" in r for d in decisions for r in d.reasons)


def test_whom_an_account_was_shown_is_unknown_once_a_page_of_people_named_nobody() -> None:
    # A site that names the people of some pages only: after a page that named nobody, a
    # profile opened may have been on it, so the account is not judged by what it was shown.
    g = site()
    searching(g, "someone", range(3000, 3002), listed=True)  # the site names its lists
    decisions = searching(g, "harvester", range(2000, 2030), listed=False, unnamed=3)
    assert not any("had shown it" in r for d in decisions for r in d.reasons)


def test_an_account_remembers_the_people_recently_shown_to_it_within_a_bound() -> None:
    r = Reading()
    for i in range(3 * MAX_LISTED):
        r.show(f"person{i}")
    assert len(r.listed) + len(r.listed_before) <= MAX_LISTED
    assert r.was_shown(f"person{3 * MAX_LISTED - 1}")
    assert r.was_shown(f"person{3 * MAX_LISTED - MAX_LISTED // 2}")
    assert not r.was_shown("person0")


def test_nobody_is_judged_before_the_site_has_enough_views() -> None:
    g = Guard(policy=policy("policy: {mode: enforce}"), network=NoNetworkInfo())  # 2,000 needed
    decisions = reading(g, "early", range(2000, 2060), ("203.0.113.5", "198.51.100.9"))
    assert not any("few others" in r for d in decisions for r in d.reasons)


def test_profiles_opened_before_popularity_was_known_are_judged_once_it_is() -> None:
    """A quiet morning or a restart: what an account read meanwhile is judged at its next
    profile, not forgotten."""
    g = Guard(policy=policy(SETTINGS), network=NoNetworkInfo())
    nets = ("203.0.113.5", "198.51.100.9")
    early = reading(g, "early", range(2000, 2025), nets, start=-60_000.0)
    friend = reading(g, "friend", range(0, 4), nets, start=-60_000.0)
    assert not any("few others" in r for d in [*early, *friend] for r in d.reasons)
    crowd(g, -20_000.0)
    (next_one,) = reading(g, "early", range(2025, 2026), nets[1:])
    assert next_one.enforced == "challenge"
    assert (
        "opened 26 profiles, 26 of them of people few others look at (outside the 10% viewed "
        "most), from 2 networks"
    ) in next_one.reasons
    (friends_next,) = reading(g, "friend", range(4, 5), nets[1:])
    assert not any("few others" in r for r in friends_next.reasons)
    r = Reading()
    for i in range(2 * MAX_WAITING):
        r.wait(f"person{i}", "net", True)
    assert r.waiting is not None and len(r.waiting) == MAX_WAITING


def test_settings_are_honoured_and_checked() -> None:
    strict = "policy: {mode: enforce, detectors: {long_tail: {ready_after: 500, networks: 3}}}"
    decisions = reading(site(strict), "mallory", range(2000, 2030), ("203.0.113.5", "198.51.100.9"))
    assert not any("few others" in r for d in decisions for r in d.reasons)
    with pytest.raises(ConfigError) as info:
        policy("policy: {detectors: {long_tail: {head: 10}}}")
    assert "policy.detectors.long_tail.head: must be a share between 0 and 1, got 10" in str(
        info.value
    )
    with pytest.raises(ConfigError) as info:
        policy("policy: {detectors: {long_tail: {half_life: 0s}}}")
    assert "policy.detectors.long_tail.half_life: must be longer than 0" in str(info.value)
    with pytest.raises(ConfigError) as info:
        policy("policy: {detectors: {long_tail: {unlisted_share: 1.5}}}")
    assert "long_tail.unlisted_share: must be a share between 0 and 1, got 1.5" in str(info.value)
    lenient = (
        "policy: {mode: enforce, detectors: {long_tail: {ready_after: 500, unlisted_profiles: 40}}}"
    )
    decisions = searching(site(lenient), "harvester", range(2000, 2030), listed=False)
    assert not any("few others" in r for d in decisions for r in d.reasons)
