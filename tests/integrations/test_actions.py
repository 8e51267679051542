"""Every action end to end, through the real test clients of Starlette, Flask and Django."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable

import pytest
from inline_apps import CLIENTS, Client, Clock, make_inline
from support import FIREFOX, GAPS

from scrapeguard.engine import Decision, Guard
from scrapeguard.events import RequestEvent
from scrapeguard.integrations.inline import Inline
from scrapeguard.site import Access

SCRAPER = "203.0.113.9"
PERSON = "198.51.100.20"

MakeClient = Callable[..., Client]


@pytest.fixture(params=sorted(CLIENTS))
def make(request: pytest.FixtureRequest) -> MakeClient:
    """Build a client of one framework around a fresh `Inline` (options as for make_inline)."""
    factory = CLIENTS[request.param]

    def build(mode: str = "enforce", on_error: str = "open", clock: Clock | None = None) -> Client:
        return factory(make_inline(mode, on_error, clock, can_wait=request.param == "starlette"))

    build.framework = request.param  # type: ignore[attr-defined]
    return build


def hold(inline: Inline, action: str, ip: str = SCRAPER, ttl: float = 600.0) -> Decision:
    """Record a decision in the engine's state, as the engine does when a threshold is met."""
    now = inline.guard.now()
    d = Decision(
        action, "ip", f"ip:{ip}", ttl, f"threshold/{action}", ("why",), 90, False, action, now
    )
    inline.guard.state.record_decision(d)
    return d


def test_a_person_gets_the_page_and_is_counted_in_people(make: MakeClient) -> None:
    c = make()
    r = c.get("/u/alice", PERSON)
    assert r.status == 200 and r.json()["email"] == "alice@people.example.net"
    c.get("/search?q=al", PERSON)
    state = c.inline.guard.state.get(f"ip:{PERSON}")
    assert state is not None and state.distinct_people == 21  # one profile and a page of 20
    assert state.people_day == 1 + 20 * 0.2  # quotas count a listed person as a fifth


def test_a_harvester_is_blocked_before_it_gets_far_and_the_crossing_request_discloses_nothing(
    make: MakeClient,
) -> None:
    clock = Clock()
    c = make(clock=clock)
    served = 0
    last = None
    for i in range(400):
        clock.now += 1.0
        last = c.get(f"/u/user{i}", SCRAPER)
        if last.status != 200:
            break
        served += 1
    assert last is not None and last.status in (401, 403, 429)
    assert "likes tests" not in last.text and "@people" not in last.text  # nothing disclosed
    assert served < 300
    for i in range(400, 800):  # carrying on gets nothing more
        clock.now += 1.0
        assert c.get(f"/u/user{i}", SCRAPER).status in (401, 403, 429)
    assert c.get("/u/alice", PERSON).status == 200


def test_a_client_that_gives_itself_away_is_challenged_once_it_has_taken_ten_people(
    make: MakeClient,
) -> None:
    """A script claiming Firefox over headers written as Chrome writes them, at a person's
    pace: its looks act from the 10th person on, through the middleware as in replay."""
    clock = Clock()
    c = make(clock=clock)
    statuses = []
    for i in range(11):
        clock.now += GAPS[i % len(GAPS)]
        statuses.append(c.get(f"/u/user{i}", SCRAPER, {"user-agent": FIREFOX}).status)
    assert statuses[:9] == [200] * 9
    assert statuses[9:] == [403, 403]  # the proof-of-work page: a browser would pass it
    assert c.get("/u/alice", PERSON).status == 200


def test_a_program_without_a_browsers_fetch_metadata_is_challenged_from_its_tenth_person(
    make: MakeClient,
) -> None:
    """Chrome's user agent and headers but no Sec-Fetch headers, to a loopback site, at a
    person's pace: challenged from the 10th person on; the same headers with them pass."""
    clock = Clock()
    c = make(clock=clock)
    program = {
        "host": "127.0.0.1:8000",
        "sec-fetch-site": "",
        "sec-fetch-mode": "",
        "sec-fetch-dest": "",
    }
    statuses = []
    for i in range(11):
        clock.now += GAPS[i % len(GAPS)]
        statuses.append(c.get(f"/u/user{i}", SCRAPER, program).status)
    assert statuses[:9] == [200] * 9
    assert statuses[9:] == [403, 403]
    for i in range(11):
        clock.now += GAPS[i % len(GAPS)]
        assert c.get(f"/u/user{i}", PERSON, {"host": "127.0.0.1:8000"}).status == 200


def test_block_page_shows_a_reference_and_appeal_but_no_reason(make: MakeClient) -> None:
    c = make()
    d = hold(c.inline, "block")
    r = c.get("/u/alice", SCRAPER, {"accept": "text/html"})
    assert r.status == 403 and r.headers["content-type"].startswith("text/html")
    assert d.reference in r.text and "mailto:appeals@example.org" in r.text
    assert "why" not in r.text and "threshold" not in r.text
    api = c.get("/api/users/alice", SCRAPER)
    assert api.status == 403
    assert api.json() == {
        "error": "blocked",
        "reference": d.reference,
        "appeal": "mailto:appeals@example.org",
    }


def test_throttle_answers_429_with_retry_after_and_no_rate_limit_headers(make: MakeClient) -> None:
    c = make()
    hold(c.inline, "throttle", ttl=120)
    r = c.get("/u/alice", SCRAPER)
    assert r.status == 429 and r.headers["retry-after"] == "120"
    assert not [h for h in r.headers if h.startswith(("ratelimit", "x-ratelimit"))]


def test_partners_are_told_their_quota(make: MakeClient) -> None:
    c = make()
    r = c.get("/search?q=a", "192.0.2.50")
    assert r.status == 200
    assert (r.headers["ratelimit-limit"], r.headers["ratelimit-remaining"]) == ("1000", "996")


def test_guests_meet_a_login_wall_after_their_quota_and_accounts_do_not(make: MakeClient) -> None:
    clock = Clock()
    c = make(clock=clock)
    c.set_cookie("session", "guest-1")
    statuses = []
    for i in range(31):  # unhurried profile views: the guest quota here is 30 people a day
        clock.now += 120
        statuses.append(c.get(f"/u/person{i}", PERSON).status)
    assert statuses[:30] == [200] * 30 and statuses[30] == 401
    r = c.get("/search?q=zz", PERSON, {"accept": "text/html"})
    assert r.status == 401 and "/login?next=%2Fsearch%3Fq%3Dzz" in r.text
    c.set_cookie("account", "acct-1")
    assert c.get("/search?q=zz", PERSON).status == 200


def test_search_depth_and_results_are_capped(make: MakeClient) -> None:
    c = make()
    assert len(c.get("/search?q=a&page=3", PERSON).json()["results"]) == 20
    assert c.get("/search?q=a&page=4", PERSON).status == 429  # results stop at 60
    r = c.get("/search?q=b&page=6", PERSON)  # past max_page 5
    assert r.status == 429 and "retry-after" in r.headers
    state = c.inline.guard.state.get(f"ip:{PERSON}")
    assert state is not None and state.distinct_people == 20  # nothing past the caps


def test_degrade_serves_the_page_without_contact_details(make: MakeClient) -> None:
    c = make()
    hold(c.inline, "degrade")
    body = c.get("/u/alice", SCRAPER).json()
    assert body["name"] == "Alice" and "email" not in body and "phone" not in body


def test_decoy_serves_canaries_that_trace_back_to_the_actor(make: MakeClient) -> None:
    c = make()
    hold(c.inline, "decoy")
    body = c.get("/u/alice", SCRAPER).json()
    assert body["email"] != "alice@people.example.net"
    assert re.fullmatch(r"[a-z0-9.+-]+@([a-z0-9-]+\.)*example\.(com|net|org)", body["email"])
    traced = c.inline.canaries.trace(body["email"])
    assert [t.actor for t in traced] == [f"ip:{SCRAPER}"] and traced[0].subject == "alice"
    again = c.get("/u/alice", SCRAPER).json()
    assert again["email"] == body["email"]  # stable for the same actor and person
    assert c.get("/u/alice", PERSON).json()["email"] == "alice@people.example.net"


def test_tarpit_slows_the_response_under_asgi_and_answers_429_under_wsgi(make: MakeClient) -> None:
    c = make()
    hold(c.inline, "tarpit")
    started = time.monotonic()
    r = c.get("/u/alice", SCRAPER)
    took = time.monotonic() - started
    if make.framework == "starlette":  # type: ignore[attr-defined]
        assert r.status == 200 and took >= 0.3
        assert c.inline.tarpits == 0
    else:
        assert r.status == 429


def solve(token: str, difficulty: int) -> int:
    counter = 0
    while True:
        digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) == 0:
            return counter
        counter += 1


def test_challenge_is_solved_once_and_the_pass_lets_the_visitor_through(make: MakeClient) -> None:
    c = make()
    c.set_cookie("session", "s-1")
    hold(c.inline, "challenge")
    page = c.get("/u/alice?tab=about", SCRAPER, {"accept": "text/html"})
    assert page.status == 403 and "<noscript>" in page.text
    api = c.get("/api/users/alice", SCRAPER).json()["challenge"]
    token, difficulty = api["token"], api["difficulty"]
    form = {"token": token, "counter": str(solve(token, difficulty))}
    ok = c.post(api["verify"], SCRAPER, form)
    assert ok.status == 303 and ok.headers["location"] == "/api/users/alice"
    assert c.cookie("sg_pass")
    assert c.get("/u/alice", SCRAPER).status == 200
    replay = c.post(api["verify"], SCRAPER, form)
    assert replay.status == 403
    # the pass is bound to the session and a wide prefix: a new cell address is fine...
    assert c.get("/u/alice", "203.0.77.1").status == 200
    c.set_cookie("session", "someone-else")  # ...another session is not
    assert c.get("/u/alice", SCRAPER).status == 403


def test_a_challenge_never_replaces_a_webhook_or_a_form_that_discloses_nobody(
    make: MakeClient,
) -> None:
    c = make()
    hold(c.inline, "challenge")
    assert c.post("/webhooks/github", SCRAPER, "payload").text == "hook ok: payload"
    assert c.post("/signup", SCRAPER, {"account": "new-1"}).text == "welcome"


def test_a_challenged_client_cannot_carry_on_through_a_post_that_discloses_people(
    make: MakeClient,
) -> None:
    # A search or lookup posted as a form or a GraphQL query discloses people as a GET does.
    c = make()
    assert "al3" in c.post("/search", PERSON, {"q": "al"}).text
    hold(c.inline, "challenge")
    posted = c.post("/search", SCRAPER, {"q": "al"}, {"accept": "application/json"})
    assert posted.status == 403
    assert "al3" not in posted.text and posted.json()["error"] == "challenge"


def test_sign_ups_reported_by_the_app_feed_account_farm_detection(make: MakeClient) -> None:
    c = make()
    for i in range(30):
        c.post("/signup", "203.0.113.77", {"account": f"farm-{i}"})
    net = c.inline.guard.state.get("net:203.0.113.0/24")
    assert net is not None and net.peak >= 40
    assert any("sign-ups in a day" in r for r in net.reasons())


def test_blocklisted_addresses_are_refused_before_the_app_runs(make: MakeClient) -> None:
    c = make()
    c.inline.guard.blocklist.add("2001:db8::/32", reason="test")
    assert c.get("/boom", "2001:db8::7").status == 403  # the failing view never ran
    assert c.get("/u/alice", "2001:db9::7").status == 200


def test_forged_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    from inline_apps import starlette_app
    from starlette.testclient import TestClient

    inline = make_inline()
    inline.guard.blocklist.add(SCRAPER)
    forged = TestClient(starlette_app(inline), client=("198.51.100.66", 1))
    assert forged.get("/u/alice", headers={"x-forwarded-for": PERSON}).status_code == 200
    assert inline.guard.state.get("ip:198.51.100.66") is not None
    assert inline.guard.state.get(f"ip:{PERSON}") is None
    direct = TestClient(starlette_app(inline), client=(SCRAPER, 1))
    assert direct.get("/u/alice", headers={"x-forwarded-for": PERSON}).status_code == 403


def test_shadow_mode_logs_json_decisions_and_enforces_nothing(
    make: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    c = make(mode="shadow")
    with caplog.at_level(logging.INFO, logger="scrapeguard.decisions"):
        statuses = {c.get(f"/u/user{i}", SCRAPER).status for i in range(300)}
    assert statuses == {200}
    records = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "scrapeguard.decisions"
    ]
    assert records and all(r["simulated"] for r in records if r["action"] != "allow")
    assert {"reference", "action", "enforced", "origin", "actor", "reasons"} <= set(records[-1])


def test_the_decision_log_escapes_what_could_drive_a_terminal(
    make: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """People read the decision log in a terminal too: a path with a bidirectional override
    and a C1 control is logged as JSON escapes, and the line still parses back exactly."""
    c = make(mode="shadow")
    hostile = "/u/user\u202eexe.\u009b2J"
    with caplog.at_level(logging.INFO, logger="scrapeguard.decisions"):
        for i in range(300):
            c.get(f"/u/user{i}", SCRAPER)
        c.get(hostile, SCRAPER)
    lines = [r.getMessage() for r in caplog.records if r.name == "scrapeguard.decisions"]
    assert lines and not [line for line in lines if "\u202e" in line or "\u009b" in line]
    assert json.loads(lines[-1])["path"] == hostile


def broken(guard: Guard, method: str) -> Guard:
    """A guard like `guard` whose `method` fails, as a bug in the engine would."""

    class Broken(Guard):
        def evaluate(self, event: RequestEvent) -> tuple[Access, Decision]:
            if method == "evaluate":
                raise RuntimeError("engine bug")
            return super().evaluate(event)

        def held(self, event: RequestEvent) -> Decision:
            if method == "held":
                raise RuntimeError("engine bug")
            return super().held(event)

    return Broken(guard.site, guard.policy, guard.state, guard.network, guard.clock)


def test_an_internal_error_never_fails_the_request_and_is_logged_once(
    make: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    c = make()
    c.inline.guard = broken(c.inline.guard, "evaluate")
    with caplog.at_level(logging.ERROR, logger="scrapeguard"):
        assert [c.get("/u/alice", PERSON).status for _ in range(3)] == [200, 200, 200]
    assert len([r for r in caplog.records if "internal error" in r.getMessage()]) == 1
    assert c.inline.metrics.errors.value("finish") == 3


def test_fail_closed_answers_503_on_personal_data_only(make: MakeClient) -> None:
    c = make(on_error="closed")
    c.inline.guard = broken(c.inline.guard, "held")
    assert c.get("/u/alice", PERSON).status == 503
    assert c.get("/", PERSON).status == 200


def test_an_over_budget_decision_lets_its_request_through_and_is_counted(make: MakeClient) -> None:
    def first_stop(budget: float) -> tuple[int, Client]:
        clock = Clock()
        c = make(clock=clock)
        c.inline.settings.time_budget = budget
        for i in range(400):
            clock.now += 1.0
            if c.get(f"/u/user{i}", SCRAPER).status != 200:
                return i, c
        raise AssertionError("never stopped")

    on_time, _ = first_stop(1.0)
    late, c = first_stop(0.0)
    assert late == on_time + 1  # the crossing request overran and was let through
    assert c.inline.metrics.overruns.value() == late + 1  # every decision overran


def test_metrics_are_served_only_to_allowed_addresses(make: MakeClient) -> None:
    c = make()
    c.get("/u/alice", PERSON)
    assert c.get("/.scrapeguard/metrics", PERSON).status == 404
    r = c.get("/.scrapeguard/metrics", "127.0.0.1")
    assert r.status == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'scrapeguard_decisions_total{action="allow"' in r.text
    assert "scrapeguard_decision_seconds_bucket" in r.text


def test_an_app_failure_still_counts_the_request(make: MakeClient) -> None:
    c = make()
    r = c.get("/boom", PERSON)
    assert r.status == 500
    state = c.inline.guard.state.get(f"ip:{PERSON}")
    assert state is not None and state.pages == 1
