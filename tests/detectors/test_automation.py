"""Automation detector: client libraries, headless browsers, missing browser behaviour."""

from __future__ import annotations

from collections.abc import Iterable

from support import BROWSER, FIREFOX, GAPS, event

from scrapeguard.config import load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.policy import Policy, policy_from_document

HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36"
)
HEADERS = {
    "accept": "text/html,application/xhtml+xml",
    "accept-language": "de-DE,de;q=0.9",
    "sec-ch-ua": '"Chromium";v="131", "Google Chrome";v="131", "Not_A Brand";v="24"',
}


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def guard(policy_text: str = "") -> Guard:
    return Guard(policy=policy(policy_text) if policy_text else Policy(), network=NoNetworkInfo())


def hits(g: Guard, rule: str) -> int:
    return g.counters[f"detector/automation/{rule}/hit"]


def decide_all(g: Guard, events: Iterable[RequestEvent]) -> list[Decision]:
    return [g.decide(e) for e in events]


def person(
    count: int,
    ip: str = "198.51.100.80",
    distinct: int = 8,
    assets: bool = True,
    **kw: object,
) -> list[RequestEvent]:
    """A person's browser: pages at a human pace, each with its stylesheet and script."""
    kw.setdefault("headers", HEADERS)
    kw.setdefault("accept_language", "de-DE,de;q=0.9")
    kw.setdefault("session", "sess-1")
    out, t = [], 0.0
    for i in range(count):
        out.append(event(t, ip, f"/u/user{i % distinct}", **kw))
        if assets:
            out.append(event(t + 0.2, ip, "/static/site.css", **kw))
            out.append(event(t + 0.3, ip, "/static/app.js", **kw))
        t += GAPS[i % len(GAPS)]
    return out


def test_a_person_in_a_real_browser_raises_nothing() -> None:
    g = guard()
    decisions = decide_all(g, person(60))
    assert {d.action for d in decisions} == {"allow"}
    assert all(not d.reasons for d in decisions)
    assert not any(k.startswith("detector/") for k in g.counters)


def test_an_http_client_library_is_named_but_not_convicted_on_that_alone() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.80", "/u/alice", user_agent="python-requests/2.32.3"))
    assert d.reasons == ("HTTP client library, not a browser (python-requests/2.32.3)",)
    assert d.action == "allow" and d.score == 35


def test_aiohttp_names_itself_after_python() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.80", "/u/alice", user_agent="Python/3.12 aiohttp/3.12.15"))
    assert d.reasons == ("HTTP client library, not a browser (Python/3.12 aiohttp/3.12.15)",)


def test_a_client_library_adds_to_behavioural_evidence() -> None:
    browser, library = guard(), guard()
    run_b = decide_all(browser, (event(i * 3.0, "203.0.113.81", f"/u/user{i}") for i in range(40)))
    run_l = decide_all(
        library,
        (event(i * 3.0, "203.0.113.81", f"/u/user{i}", user_agent="curl/8.5.0") for i in range(40)),
    )
    assert run_l[-1].score > run_b[-1].score


def test_a_client_library_collecting_personal_data_is_stopped_within_ten_people() -> None:
    """A program that says it is one and collects people's data is a scraper by its own
    account (partners collecting under an agreement are allow-listed)."""
    g = guard()
    agent = "Scrapy/2.13.3 (+https://scrapy.org)"
    decisions = decide_all(
        g, (event(i * 40.0, "198.51.100.85", f"/u/user{i}", user_agent=agent) for i in range(60))
    )
    actions = [d.action for d in decisions]
    assert set(actions[:9]) == {"allow"}
    assert actions[9] == "challenge"  # the tenth person
    assert decisions[9].reasons[0] == (
        "HTTP client library, not a browser (Scrapy/2.13.3 (+https://scrapy.org)) "
        "that received the data of 10 people"
    )
    assert actions[-1] == "block"
    assert hits(g, "client-library-collecting") > 0


def test_a_client_library_reading_one_profile_again_and_again_is_not_collecting() -> None:
    """A monitoring script checking one page stays named, never stopped."""
    g = guard()
    decisions = decide_all(
        g,
        (event(i * 60.0, "198.51.100.86", "/u/status", user_agent="curl/8.5.0") for i in range(50)),
    )
    assert {d.action for d in decisions} == {"allow"}


def test_an_empty_user_agent_is_named() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.82", "/u/alice", user_agent=""))
    assert d.reasons == ("sends no user agent",)


def test_a_headless_browser_is_named() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.83", "/u/alice", user_agent=HEADLESS))
    assert hits(g, "headless") == 1
    assert d.reasons[0].startswith("headless browser (Mozilla/5.0 (X11; Linux x86_64)")


def test_a_declared_headless_browser_collecting_people_is_stopped_within_ten() -> None:
    """HeadlessChrome says it is driven by a program: a link preview reads a page, not ten
    people's profiles or their follower lists."""
    g = guard()
    decisions = decide_all(
        g,
        (event(i * 20.0, "198.51.100.87", f"/u/user{i}", user_agent=HEADLESS) for i in range(60)),
    )
    actions = [d.action for d in decisions]
    assert set(actions[:9]) == {"allow"} and actions[9] == "challenge"
    assert decisions[9].reasons[0].startswith("headless browser (Mozilla/5.0 (X11; Linux")
    assert decisions[9].reasons[0].endswith("that received the data of 10 people")
    assert actions[-1] == "block"
    off = guard("policy: {detectors: {automation: {headless_people: 0}}}")
    runs = decide_all(
        off,
        (event(i * 20.0, "198.51.100.87", f"/u/user{i}", user_agent=HEADLESS) for i in range(60)),
    )
    assert hits(off, "headless-collecting") == 0 and runs[-1].action != "block"


def test_a_browser_without_accept_headers_is_flagged() -> None:
    g = guard()
    d = g.decide(event(0, "203.0.113.84", "/u/alice", headers={"user-agent": BROWSER}))
    assert d.reasons == ("claims to be a browser but sends no Accept-Language or Accept header",)


def test_client_hints_that_contradict_the_user_agent_are_flagged() -> None:
    g = guard()
    old_hints = dict(HEADERS, **{"sec-ch-ua": '"Chromium";v="120", "Google Chrome";v="120"'})
    d = g.decide(
        event(0, "203.0.113.85", "/u/alice", headers=old_hints, accept_language="de", session="s")
    )
    assert d.reasons == ("claims Chrome 131 but its client hints name another version",)
    d = g.decide(
        event(0, "203.0.113.86", "/u/alice", user_agent=FIREFOX, headers=HEADERS,
              accept_language="de", session="s")
    )  # fmt: skip
    assert d.reasons == ("claims Firefox or Safari but sends Chromium's client hints",)


def test_matching_client_hints_are_not_a_mismatch() -> None:
    g = guard()
    g.decide(
        event(0, "203.0.113.87", "/u/alice", headers=HEADERS, accept_language="de", session="s")
    )
    firefox_headers = {k: v for k, v in HEADERS.items() if k != "sec-ch-ua"}
    g.decide(
        event(1, "203.0.113.88", "/u/alice", user_agent=FIREFOX, headers=firefox_headers,
              accept_language="de", session="s")
    )  # fmt: skip
    assert hits(g, "fingerprint-mismatch") == 0


SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
FIREFOX_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15"
)


def test_languages_weighed_as_the_claimed_browser_writes_them_are_no_mismatch() -> None:
    g = guard()
    written = [
        (BROWSER, "en-US,en;q=0.9"),
        (BROWSER, "en-GB,en-US;q=0.9,en;q=0.8"),
        (BROWSER, "de"),
        (SAFARI, "en-GB,en;q=0.9"),
        (FIREFOX_IOS, "en-US,en;q=0.9"),  # every iOS browser is Safari underneath
        (FIREFOX, "en-US,en;q=0.5"),
        (FIREFOX, "de,en-US;q=0.7,en;q=0.3"),
        (FIREFOX, "fr,fr-FR;q=0.8,en-US;q=0.5,en;q=0.3"),
    ]
    for i, (agent, language) in enumerate(written):
        d = g.decide(
            event(i, f"203.0.113.{120 + i}", "/u/alice", user_agent=agent,
                  accept_language=language, session=f"s{i}")
        )  # fmt: skip
        assert d.reasons == (), (agent, language)
    assert hits(g, "fingerprint-mismatch") == 0


def test_languages_weighed_as_another_browser_writes_them_are_a_mismatch() -> None:
    g = guard()
    cases = [
        (BROWSER, "en-US,en;q=0.5", "claims Chrome or Safari but weighs its Accept-Language "
         "as Firefox does"),
        (FIREFOX, "en-US,en;q=0.9", "claims Firefox but weighs its Accept-Language as Chrome "
         "and Safari do"),
        (SAFARI, "de-DE,de;q=0.9,en;q=0.6", "claims Chrome or Safari but weighs its "
         "Accept-Language as no browser does"),
    ]  # fmt: skip
    for i, (agent, language, reason) in enumerate(cases):
        d = g.decide(
            event(i, f"203.0.113.{130 + i}", "/u/alice", user_agent=agent,
                  accept_language=language, session=f"s{i}")
        )  # fmt: skip
        assert d.reasons == (reason,)
        assert d.action == "allow"  # a trait adds to evidence; alone it convicts nobody


def test_user_agents_rotated_over_one_set_of_headers_contradict_them() -> None:
    g = guard()
    agents = [BROWSER, BROWSER, FIREFOX, FIREFOX, SAFARI]
    decisions = decide_all(
        g,
        [
            event(i * 9.0, "203.0.113.140", f"/u/user{i}", user_agent=agent,
                  accept_language="en-GB,en;q=0.9", session="s")
            for i, agent in enumerate(agents)
        ],
    )  # fmt: skip
    mismatched = [any("weighs its Accept-Language" in r for r in d.reasons) for d in decisions]
    assert mismatched == [False, False, True, True, False]


def test_a_browser_that_never_returns_a_cookie_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, person(12, ip="203.0.113.89", session=None))
    pages = decisions[::3]
    assert not any("cookie" in r for r in pages[8].reasons)
    assert "never returned a cookie in 10 requests" in pages[9].reasons


def test_a_browser_with_one_language_that_never_returns_a_cookie_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, person(12, ip="203.0.113.90", session=None, accept_language="de"))
    assert "never returned a cookie in 10 requests" in decisions[::3][9].reasons


def test_a_browser_that_loads_no_assets_is_flagged() -> None:
    g = guard()
    decisions = decide_all(g, person(35, ip="203.0.113.90", assets=False))
    assert not any("not a single image" in r for r in decisions[28].reasons)
    assert (
        "a browser that loaded 30 pages and not a single image, script or stylesheet"
        in decisions[29].reasons
    )


def test_rotating_user_agents_while_viewing_profiles_is_flagged() -> None:
    g = guard()
    agents = [BROWSER.replace("131.0.0.0", f"{120 + i}.0.0.0") for i in range(12)]
    decisions = [
        g.decide(event(i * 13.0, "203.0.113.91", f"/u/user{i}", user_agent=agents[i]))
        for i in range(12)
    ]
    assert not any("switched user agent" in r for r in decisions[2].reasons)
    assert "switched user agent 3 times while viewing 4 profiles" in decisions[3].reasons
    # Without a cookie it may be several people behind one address: evidence, not yet action.
    assert decisions[3].action == "allow"
    # A new browser for nearly every profile is not a few colleagues: it is challenged.
    assert decisions[-1].action == "challenge"
    assert "switched user agent 11 times while viewing 12 profiles" in decisions[-1].reasons


def test_a_session_switching_user_agents_is_challenged() -> None:
    g = guard()
    agents = [BROWSER.replace("131.0.0.0", f"{120 + i}.0.0.0") for i in range(12)]
    decisions = [
        g.decide(event(i * 13.0, "203.0.113.94", f"/u/user{i}", user_agent=agents[i], session="s1"))
        for i in range(12)
    ]
    assert decisions[3].action == "challenge"  # one browser session, four browsers


def test_colleagues_keeping_their_cookies_behind_one_address_are_not_rotation() -> None:
    """An office: colleagues with a browser each read profiles at the same time from one
    address; the site's cookie comes back with every request but a newcomer's first. The
    address sees a new user agent at nearly every profile, and a dozen cookieless ones as
    people arrive, but most of its reading comes with cookies kept: people, not one client
    switching. The same requests without any cookie are one client switching."""
    agents = [BROWSER.replace("131.0.0.0", f"{100 + i}.0.0.0") for i in range(60)]

    def office(ip: str, cookies: bool) -> list[Decision]:
        g = guard()
        out = []
        for i in range(48):
            arriving = i % 4 == 0  # a newcomer's first page: no cookie yet
            session = None if arriving or not cookies else f"colleague{i % 12}"
            agent = agents[12 + i] if arriving else agents[i % 12]
            out.append(g.decide(event(i * 13.0, ip, f"/u/user{i}", user_agent=agent,
                                      session=session)))  # fmt: skip
        return out

    kept = office("203.0.113.95", cookies=True)
    assert {d.action for d in kept} == {"allow"}
    assert not any("switched user agent" in r for d in kept for r in d.reasons)
    bare = office("203.0.113.96", cookies=False)
    assert bare[-1].action != "allow"
    assert "switched user agent 47 times while viewing 48 profiles" in bare[-1].reasons


def test_a_scraper_switching_every_few_profiles_is_flagged() -> None:
    g = guard()
    agents = [BROWSER.replace("131.0.0.0", f"{120 + i}.0.0.0") for i in range(8)]
    decisions = [
        g.decide(event(i * 13.0, "203.0.113.93", f"/u/user{i}", user_agent=agents[i // 8]))
        for i in range(64)
    ]
    assert any("switched user agent 3 times while viewing" in r for r in decisions[24].reasons)


def test_one_browser_updating_itself_is_not_rotation() -> None:
    g = guard()
    newer = BROWSER.replace("131.0.0.0", "132.0.0.0")
    decide_all(g, (event(i * 40.0, "203.0.113.92", f"/u/user{i % 5}") for i in range(20)))
    decide_all(
        g, (event(900 + i * 40.0, "203.0.113.92", f"/u/user{i % 5}", user_agent=newer)
            for i in range(20))
    )  # fmt: skip
    assert hits(g, "rotating-agents") == 0


def test_trait_weights_are_settings() -> None:
    default = guard()
    assert default.decide(event(0, "203.0.113.93", "/u/a", user_agent="curl/8.5.0")).score == 35
    heavy = guard("policy: {detectors: {automation: {client_library_weight: 50}}}")
    d = heavy.decide(event(0, "203.0.113.93", "/u/a", user_agent="curl/8.5.0"))
    assert (d.score, d.action) == (50, "challenge")
    strict = guard("policy: {detectors: {automation: {headless_weight: 60}}}")
    d = strict.decide(event(0, "203.0.113.94", "/u/a", user_agent=HEADLESS))
    assert (d.score, d.action) == (60, "throttle")


def test_no_assets_threshold_is_a_setting() -> None:
    g = guard("policy: {detectors: {automation: {no_assets_pages: 100}}}")
    decide_all(g, person(35, ip="203.0.113.90", assets=False))
    assert hits(g, "no-assets") == 0


def test_disabled_automation_detector_raises_nothing() -> None:
    g = guard("policy: {detectors: {automation: {enabled: false}}}")
    d = g.decide(event(0, "203.0.113.95", "/u/alice", user_agent=HEADLESS))
    g.decide(event(1, "203.0.113.96", "/u/alice", user_agent="python-requests/2.32.3"))
    assert d.action == "allow" and not d.reasons
    assert not any(k.startswith("detector/automation/") for k in g.counters)


def test_a_logged_in_person_whose_browser_loads_assets_is_not_flagged_for_no_assets() -> None:
    g = guard()
    decide_all(g, person(40, account="member-7"))
    assert hits(g, "no-assets") == 0


def test_a_single_trait_alone_stays_below_the_challenge_threshold() -> None:
    # docs/detectors.md: traits add to behavioural evidence rather than convict on their own.
    g = guard()
    hints = dict(HEADERS, **{"sec-ch-ua": '"Chromium";v="120"'})
    singles = [
        event(0, "203.0.113.97", "/u/alice", user_agent=HEADLESS),
        event(0, "203.0.113.98", "/u/alice", user_agent="python-requests/2.32.3"),
        event(0, "203.0.113.99", "/u/alice", user_agent=""),
        event(0, "203.0.113.100", "/u/alice", headers={"user-agent": BROWSER}, session="s"),
        event(0, "203.0.113.101", "/u/alice", headers=hints, accept_language="de", session="s"),
    ]
    for e in singles:
        d = g.decide(e)
        assert len(d.reasons) == 1 and d.action == "allow", (e.user_agent, d.reasons)


FETCH = {
    "sec-fetch-site": "same-origin",
    "sec-fetch-mode": "navigate",
    "sec-fetch-dest": "document",
}
NO_FETCH_METADATA = "claims Chrome 131, which sends Sec-Fetch headers to this site, but sent none"


def inline_event(
    ip: str, headers: dict[str, str], scheme: str = "https", **kw: object
) -> RequestEvent:
    """A request as an integration builds it: every header, and the scheme it arrived by."""
    kw.setdefault("host", "people.example.net")
    path = str(kw.pop("path", "/u/alice"))
    return event(0, ip, path, headers=headers, accept_language="de-DE,de;q=0.9",
                 session="s", extra={"scheme": scheme}, **kw)  # fmt: skip


def test_a_browser_without_fetch_metadata_on_an_https_site_is_flagged() -> None:
    g = guard()
    assert g.decide(inline_event("203.0.113.90", HEADERS)).reasons == (NO_FETCH_METADATA,)
    assert not g.decide(inline_event("203.0.113.91", HEADERS | FETCH)).reasons


def test_browsers_reach_a_loopback_site_with_fetch_metadata_even_over_http() -> None:
    g = guard()
    d = g.decide(inline_event("203.0.113.92", HEADERS, scheme="http", host="127.0.0.1:8000"))
    assert d.reasons == (NO_FETCH_METADATA,)
    d = g.decide(inline_event("203.0.113.93", HEADERS, scheme="http", host="[::1]:8000"))
    assert d.reasons == (NO_FETCH_METADATA,)
    d = g.decide(inline_event("203.0.113.94", HEADERS, scheme="http", host="localhost"))
    assert d.reasons == (NO_FETCH_METADATA,)


def test_fetch_metadata_is_not_expected_where_browsers_do_not_send_it() -> None:
    g = guard()
    # Plain HTTP to a public name; a log (no scheme: it records only some headers).
    g.decide(inline_event("203.0.113.95", HEADERS, scheme="http"))
    g.decide(event(0, "203.0.113.96", "/u/alice", headers=HEADERS, accept_language="de"))
    # Versions from before fetch metadata, and iOS browsers that do not say WebKit's version.
    for agent in (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/75.0.3770.100 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:88.0) Gecko/20100101 Firefox/88.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    ):
        headers = {k: v for k, v in HEADERS.items() if k != "sec-ch-ua"}
        g.decide(inline_event("203.0.113.97", headers, user_agent=agent))
    assert hits(g, "no-fetch-metadata") == 0


def test_each_browser_is_judged_from_its_own_first_version_with_fetch_metadata() -> None:
    g = guard()
    plain = {k: v for k, v in HEADERS.items() if k != "sec-ch-ua"}
    for i, (agent, claim) in enumerate(
        (
            (FIREFOX, "Firefox 133"),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/16.4 Safari/605.1.15",
                "Safari 16.4",
            ),
            (BROWSER + " Edg/131.0.0.0", "Edge 131"),
        )
    ):
        d = g.decide(inline_event(f"203.0.113.{100 + i}", plain, user_agent=agent))
        assert f"claims {claim}, which sends Sec-Fetch headers" in " ".join(d.reasons)


def test_a_declared_crawler_is_not_judged_on_fetch_metadata() -> None:
    g = Guard()  # the shipped crawler lists: a Googlebot claim from elsewhere is an impostor
    googlebot = (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/131.0.6778.139 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html)"
    )
    g.decide(inline_event("203.0.113.110", HEADERS, user_agent=googlebot))
    assert hits(g, "no-fetch-metadata") == 0


def test_the_rule_stands_down_where_no_browser_request_ever_carries_fetch_metadata() -> None:
    """A proxy in front that drops the headers: after 200 requests without, not one with."""
    g = guard()
    for i in range(250):
        g.decide(inline_event(f"198.18.{i // 200}.{i % 200}", HEADERS))
    assert hits(g, "no-fetch-metadata") == 200
    g = guard()  # where people's browsers do send it, its absence is judged for good
    g.decide(inline_event("198.18.9.1", HEADERS | FETCH))
    for i in range(250):
        g.decide(inline_event(f"198.18.{i // 200}.{i % 200}", HEADERS))
    assert hits(g, "no-fetch-metadata") == 250


def test_the_fetch_metadata_rule_is_off_at_weight_zero() -> None:
    g = guard("policy: {detectors: {automation: {fetch_metadata_weight: 0}}}")
    assert not g.decide(inline_event("203.0.113.111", HEADERS)).reasons


def test_a_program_claiming_a_browser_without_fetch_metadata_is_stopped_at_its_tenth_person() -> (
    None
):
    """At a person's pace, with a browser's other headers: its looks act from the 10th
    person it has received on (`traits_act_after`)."""
    g = guard()
    decisions = []
    for i in range(12):
        e = inline_event("203.0.113.112", HEADERS, path=f"/u/user{i}")
        e.time += sum(GAPS[: i % len(GAPS)]) + 60 * (i // len(GAPS))
        decisions.append(g.decide(e))
    assert [d.action for d in decisions[:9]] == ["allow"] * 9
    assert {d.action for d in decisions[9:]} == {"challenge"}
    assert decisions[9].reasons == (
        NO_FETCH_METADATA,
        "gives software away and received the data of 10 people",
    )
