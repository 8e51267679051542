"""One conformance suite: every backend counts, windows, decides and remembers alike.

Each test runs on `memory://` and on a real Redis; the last ones hold Redis to the very same
verdicts as memory on a simulated day of the demo site's traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support import T0, event, profiles, run

from scrapeguard.config import load_document
from scrapeguard.demo.commands import demo_config
from scrapeguard.demo.people import Directory
from scrapeguard.demo.traffic import simulate, write_log
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import Disclosure, RequestEvent
from scrapeguard.ingest import IngestStats, read_events
from scrapeguard.policy import policy_from_document
from scrapeguard.state import MemoryState, open_state
from scrapeguard.state.actor import SHARED_FIELDS, ActorState

GuardOn = Callable[..., Guard]


@pytest.fixture
def guard_on(state_url: str) -> Iterator[GuardOn]:
    """Guards on a fresh state of the backend under test (closed afterwards)."""
    opened: list[MemoryState] = []

    def make(policy: str = "policy: {mode: enforce}", url: str = state_url) -> Guard:
        state = open_state(url)
        opened.append(state)
        return Guard(
            policy=policy_from_document(load_document(policy, "test.yaml")),
            state=state,
            network=NoNetworkInfo(),
        )

    yield make
    for state in opened:
        # A shared backend must have served the whole test, not fallen back to local counts.
        assert getattr(state, "outages", 0) == 0, f"{state.url} was unavailable"
        state.close()


def test_distinct_people_count_once_and_repeats_do_not(guard_on: GuardOn) -> None:
    g = guard_on()
    run(g, profiles(0, 40, every=30))
    run(g, profiles(2000, 40, every=30))  # the same 40 people again
    s = g.state.get("ip:198.51.100.7")
    assert s is not None
    assert (s.distinct_people, s.personal, s.profile_views, s.profile_repeats) == (40, 80, 80, 40)
    assert s.requests == 80
    assert g.state.known_people == 40


def test_list_pages_count_everyone_and_weigh_a_fifth(guard_on: GuardOn) -> None:
    g = guard_on()
    run(g, [event(i * 30, "203.0.113.5", f"/search?q=smith&page={i + 1}") for i in range(15)])
    s = g.state.get("ip:203.0.113.5")
    assert s is not None and s.distinct_people == 300
    assert s.people_hour == pytest.approx(300 * 0.2)


def test_a_listed_person_whose_profile_is_opened_counts_in_full(guard_on: GuardOn) -> None:
    """Inline, an app names the people a list page showed; walking that page's profiles must
    cost the quota what opening them directly costs (as in log replay, where a list page's
    people are anonymous and every profile counts one)."""
    g = guard_on()
    listed = tuple(Disclosure(f"member{i}", ("name",)) for i in range(20))
    page = event(0, "203.0.113.9", "/search", query="q=smith", disclosed=listed)
    opened = [event(10 + i, "203.0.113.9", f"/u/member{i}") for i in range(10)]
    run(g, [page, *opened])
    s = g.state.get("ip:203.0.113.9")
    assert s is not None
    assert s.distinct_people == 20  # the people themselves, each once
    assert s.people_hour == pytest.approx(20 * 0.2 + 10)
    assert s.profile_repeats == 0  # listed is not opened: each was a first view
    run(g, [event(40, "203.0.113.9", "/u/member3"), replace(page, time=41)])
    assert s.people_hour == pytest.approx(20 * 0.2 + 10)  # nothing new: nothing more
    assert s.profile_repeats == 1  # member3's profile, opened again
    run(g, [event(50, "203.0.113.9", "/u/stranger")])
    assert (s.distinct_people, s.people_hour) == (21, pytest.approx(20 * 0.2 + 11))


def test_windows_slide_on_event_time(guard_on: GuardOn) -> None:
    """Replaying last month's log windows by the events' time, not by the clock."""
    g = guard_on()
    run(g, profiles(0, 50, every=10))
    s = g.state.get("ip:198.51.100.7")
    assert s is not None and s.people_hour == 50
    run(g, [event(2 * 3600 + 600, path="/u/someone-new")])
    assert s.people_hour == 1  # the first hour's 50 slid out of the window
    assert s.people_day == pytest.approx(51, abs=2)


def test_a_request_logged_late_counts_the_hour_before_at_most_once(guard_on: GuardOn) -> None:
    """Log lines are written as responses end: a slow request's line may follow a later one.
    Timed just before the current hour began, it must not weigh the hour before more than
    fully."""
    g = guard_on()
    run(g, profiles(0, 50, every=30))  # 50 people in the first hour
    s = g.state.get("ip:198.51.100.7")
    assert s is not None and s.hour is not None
    began = s.hour.start - T0
    run(g, [event(began + 3600 + 5, path="/u/later")])  # the next fixed window begins
    run(g, [event(began + 3600 - 30, path="/u/slow")])  # a slow request, logged after it
    s = g.state.get("ip:198.51.100.7")
    assert s is not None and 51 < s.people_hour <= 52


def test_a_quota_applies_at_its_limit(guard_on: GuardOn) -> None:
    g = guard_on("policy: {mode: enforce, limits: {people_per_hour: {limit: 30, then: block}}}")
    decisions = run(g, profiles(0, 40, every=60, account="acct-1"))
    actions = [d.action for d in decisions]  # type: ignore[attr-defined]
    assert actions[:30] == ["allow"] * 30
    assert actions[30] == "block"


def test_a_decision_is_held_until_it_expires_by_event_time(guard_on: GuardOn) -> None:
    g = guard_on()
    run(g, profiles(0, 400, ip="203.0.113.9", every=1.0))
    later = g.decide(event(3600, "203.0.113.9", "/about"))
    assert (later.action, later.enforced) == ("block", "block")
    assert g.decide(event(3 * 86400, "203.0.113.9", "/about")).enforced == "allow"


def test_decisions_that_ran_out_are_dropped_without_their_actors_returning(
    guard_on: GuardOn,
) -> None:
    """A distributed scraper is blocked once per address and never comes back: its decisions
    must not pile up in a long-running process once they have run out."""
    g = guard_on()
    state = g.state
    for n in range(50):
        state.record_decision(
            Decision(
                "block", "ip", f"ip:203.0.113.{n}", 3600.0, "test", (), 90, False, "block", T0 + n
            )  # fmt: skip
        )
    state.record_decision(
        Decision(
            "block", "ip", "ip:198.51.100.99", 30 * 86400.0, "test", (), 90, False, "block", T0
        )  # fmt: skip
    )
    assert len(state.decisions) == 51
    run(g, [event(3 * 86400, "198.51.100.7", "/about")])  # days later: the sweep runs
    assert set(state.decisions) == {"ip:198.51.100.99"}  # only the one still in force


def test_signups_logins_and_lookups_are_counted(guard_on: GuardOn) -> None:
    site, policy, _, _ = demo_config(400, "enforce")
    g = Guard(site, policy, guard_on().state, NoNetworkInfo())
    for i in range(8):
        account = f"new-{i}"
        e = event(i * 60, "203.0.113.20", "/signup", method="POST", account=account)
        g.decide(e)
        g.decide(event(i * 60 + 5, "203.0.113.20", f"/find?q=x{i}@example.org", status=404))
    s = g.state.get("ip:203.0.113.20")
    assert s is not None and s.extra is not None
    assert s.extra.account_count == 8
    assert (s.extra.lookups, s.extra.lookup_misses) == (8, 8)
    assert s.extra.signups is not None and s.extra.signups.current == 8
    net = g.state.get("net:203.0.113.0/24")
    assert net is not None and net.extra is not None and net.extra.account_count == 8


def test_a_challenge_token_is_claimed_once(guard_on: GuardOn) -> None:
    state = guard_on().state
    assert state.claim("nonce-1", T0 + 60, T0) is True
    assert state.claim("nonce-1", T0 + 60, T0 + 1) is False
    assert state.claim("nonce-2", T0 + 60, T0 + 1) is True


@pytest.fixture(scope="module")
def simulated_day(tmp_path_factory: pytest.TempPathFactory) -> list[RequestEvent]:
    """A few hours of every traffic class on the demo site, as `analyze` would read it."""
    sim = simulate(Directory(size=400, seed=8), 8, hours=3, scale=0.08)
    path = tmp_path_factory.mktemp("sim") / "access.jsonl"
    write_log(sim, str(path))
    return list(read_events([str(path)], "json", IngestStats()))


def _verdicts(g: Guard, events: list[RequestEvent], batch: int = 0) -> list[tuple[object, ...]]:
    if batch:
        decided = [d for _, _, d in g.evaluate_all(events, batch)]
    else:
        decided = [g.decide(e) for e in events]
    return [_row(d) for d in decided]


def _row(d: Decision) -> tuple[object, ...]:
    return (d.action, d.enforced, d.key, d.origin, d.score, d.reasons)


def _shared(s: ActorState) -> tuple[object, ...]:
    x = s.extra
    return (
        s.first,
        s.last,
        s.requests,
        s.pages,
        s.statics,
        s.cookieless,
        s.personal,
        s.people,
        s.profile_views,
        s.profile_repeats,
        s.distinct,
        s.seen,
        s.people_hour,
        s.people_day,
        s.hour,
        s.day,
        s.member_count,
        (x.lookups, x.lookup_misses, x.signups, x.logins, x.account_count) if x else None,
    )


def test_same_verdicts_as_memory_on_simulated_traffic(
    guard_on: GuardOn, simulated_day: list[RequestEvent]
) -> None:
    """Every decision, and every shared count of every actor, equals memory's."""
    site, policy, _, _ = demo_config(400, "enforce")
    reference = Guard(site, policy, MemoryState())
    expected = _verdicts(reference, simulated_day)
    assert any(row[0] == "block" for row in expected)  # the day has scrapers to stop

    g = guard_on()
    tested = Guard(site, policy, g.state)
    assert _verdicts(tested, simulated_day) == expected
    assert len(tested.state) == len(reference.state)
    for s in reference.state:
        other = tested.state.get(s.key)
        assert other is not None and _shared(other) == _shared(s), s.key
    assert tested.state.known_people == reference.state.known_people
    assert len(SHARED_FIELDS) == 31


def test_batched_replay_gives_the_same_verdicts(
    guard_on: GuardOn, simulated_day: list[RequestEvent]
) -> None:
    """`evaluate_all` (one round trip per batch on Redis, the next batch in the air while one
    is decided) decides exactly like `evaluate`."""
    site, policy, _, _ = demo_config(400, "enforce")
    expected = _verdicts(Guard(site, policy, MemoryState()), simulated_day)
    batched = Guard(site, policy, guard_on().state)
    assert _verdicts(batched, simulated_day, batch=64) == expected


def test_unknown_backends_and_options_are_refused(tmp_path: Path) -> None:
    from scrapeguard.errors import ConfigError

    for url, words in (
        ("mongodb://x", "unsupported backend"),
        ("memory://?max_actors=lots", "max_actors"),
        ("redis://127.0.0.1:1/0?timeout=soon", "timeout"),
        ("redis://127.0.0.1:1/0?backlog=-1", "backlog"),
        ("redis+sentinel://127.0.0.1:26379", "service"),
        ("redis+cluster://nohostport", "host:port"),
    ):
        with pytest.raises(ConfigError) as e:
            open_state(url)
        assert words in str(e.value), url


def test_a_block_at_run_time_applies_at_once(guard_on: GuardOn) -> None:
    g = guard_on()
    visitor = event(0, "2001:db8:5::9", "/about")
    entry = g.block("2001:db8:5::/48", reason="campaign")
    assert entry.value == "2001:db8:5::/48"
    assert g.held(visitor).enforced == "block"
    assert g.decide(visitor).origin == "blocklist"
    assert g.unblock("2001:db8:5::/48") is True
    assert g.held(visitor).enforced == "allow"


def test_past_the_exact_count_people_are_estimated_and_never_counted_twice(
    guard_on: GuardOn,
) -> None:
    """Beyond 20,000 distinct people an actor's set becomes a Bloom filter (memory) or a
    HyperLogLog (Redis): the count stays within 2 %, and people seen before add nothing."""
    from scrapeguard.events import Disclosure

    g = guard_on("policy: {mode: shadow}")
    page = 100

    def listing(i: int, first: int) -> RequestEvent:
        people = tuple(Disclosure(f"member-{n}") for n in range(first, first + page))
        return event(i, "203.0.113.77", f"/search?q=member&page={i}", disclosed=people)

    for i in range(260):  # 26,000 distinct people
        g.decide(listing(i, i * page))
    s = g.state.get("ip:203.0.113.77")
    assert s is not None
    assert 26_000 * 0.98 <= s.distinct_people <= 26_000
    before = s.distinct_people
    for i in range(20):  # 2,000 of them again
        g.decide(listing(300 + i, i * page))
    assert s.distinct_people == before
