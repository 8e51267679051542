"""`scrapeguard eval`'s scorer: units, the 90 % stop rule, people served, aggregates, targets."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from support import BINGBOT, BROWSER, T0, event, profiles

from scrapeguard.demo.classes import MALICIOUS, SCRAPERS
from scrapeguard.demo.evaluate import (
    BLOCKING,
    CHALLENGING,
    ActorScore,
    EvalError,
    EvalResult,
    TruthActor,
    check_targets,
    evaluate,
    format_table,
    read_truth,
    refused,
    result_document,
    stop_index,
)
from scrapeguard.detectors.volume import VolumeSettings
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.ingest import IngestStats, read_events
from scrapeguard.policy import Policy
from scrapeguard.site import Access

Labelled = list[tuple[RequestEvent, str]]


def enforcing(**kw: object) -> Guard:
    return Guard(policy=Policy(mode="enforce", **kw), network=NoNetworkInfo())  # type: ignore[arg-type]


class Scripted(Guard):
    """A guard whose decisions are given in advance, one per request."""

    def __init__(self, actions: Iterable[str]) -> None:
        super().__init__(policy=Policy(mode="enforce"), network=NoNetworkInfo())
        self.actions = iter(actions)

    def evaluate(self, event: RequestEvent) -> tuple[Access, Decision]:
        a = next(self.actions)
        key = "ip:" + event.ip
        return self.site.classify(event), Decision(
            a, "ip", key, 0.0, "test", (), 0, False, a, event.time
        )


def in_time_order(*streams: Iterable[tuple[RequestEvent, str]]) -> Labelled:
    return sorted((pair for s in streams for pair in s), key=lambda p: p[0].time)


def labelled(events: Iterable[RequestEvent], label: str) -> Iterator[tuple[RequestEvent, str]]:
    return ((e, label) for e in events)


def run(guard: Guard, pairs: Labelled, actors: dict[str, TruthActor]) -> EvalResult:
    return evaluate((e for e, _ in pairs), [label for _, label in pairs], actors, guard)


def unit(r: EvalResult, id: str) -> ActorScore:
    (found,) = [u for u in r.units if u.id == id]
    return found


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        ("", None),
        ("....", None),
        ("X...", None),  # stopped once, then served again
        ("...X", 3),  # stopped on the last request only
        ("..XXXXXXXXX.", 2),  # 9 of the last 10 stopped: 90 %
        (".XXXXXXXX.X.", None),  # 9 of 11 from the first stop, 1 of 2 from the last: below
        ("..X.XXXXXXXXXXXXXXXX", 2),  # from index 2: 17 of 18 (94 %)
        ("." * 30 + "X" * 9 + "." + "X" * 90, 30),  # a served request inside a long stop
        ("X.XXXXXXXXXXXXXXXXXXX", 0),  # 20 of 21 from the start
    ],
)
def test_the_stop_is_the_first_stopped_request_after_which_90_percent_are(
    sequence: str, expected: int | None
) -> None:
    assert stop_index([c == "X" for c in sequence]) == expected


def test_the_stop_never_comes_before_the_first_stopped_request() -> None:
    # 22 served, then 378 stopped: from index 2, 90 % of what remains is stopped, but nothing
    # was stopped before index 22.
    assert stop_index([False] * 22 + [True] * 378) == 22


def test_actions_are_stops_or_not_and_people_are_counted_only_when_served() -> None:
    actions = [
        "allow",
        "degrade",
        "cap",
        "allow",
        "challenge",
        "allow",
        "block",
        "tarpit",
        "throttle",
        "decoy",
        "require_login",
        *["block"] * 8,
        "allow",
    ]
    events = list(profiles(0, len(actions), ip="203.0.113.9"))
    events[-1] = event(events[-1].time - T0, "203.0.113.9", "/u/user0")  # someone seen before
    humans = [
        (event(100, "198.51.100.1", "/u/a"), "degrade"),
        (event(101, "198.51.100.1", "/u/b"), "cap"),
        (event(102, "198.51.100.2", "/u/a"), "require_login"),
        (event(103, "198.51.100.3", "/u/a"), "challenge"),
        (event(104, "198.51.100.3", "/u/b"), "throttle"),
    ]
    guard = Scripted([*actions, *(a for _, a in humans)])
    actors = {
        "s": TruthActor("s", "naive"),
        "h1": TruthActor("h1", "human", "anonymous"),
        "h2": TruthActor("h2", "human", "cgnat"),
        "h3": TruthActor("h3", "human", "cgnat"),
    }
    labels = ["s"] * len(actions) + ["h1", "h1", "h2", "h3", "h3"]
    r = evaluate([*events, *(e for e, _ in humans)], labels, actors, guard)

    s = unit(r, "s")
    assert (s.requests, s.stopped, s.requests_to_stop) == (20, True, 7)  # from the first block
    assert (s.blocked, s.challenged) == (True, False)
    # allow, degrade, allow, allow (the last one seen before); a capped page shows nobody
    assert s.people_served == 4
    assert (unit(r, "h1").blocked, unit(r, "h1").challenged) == (False, False)
    assert (unit(r, "h2").blocked, unit(r, "h2").challenged) == (False, True)
    assert (unit(r, "h3").blocked, unit(r, "h3").challenged) == (True, False)
    assert {"block", "decoy", "throttle", "tarpit"} == BLOCKING
    assert {"challenge", "require_login"} == CHALLENGING

    assert r.humans.actors == 3
    assert r.humans.blocked == pytest.approx(1 / 3)
    assert r.humans.challenged == pytest.approx(1 / 3)
    assert r.humans.fpr == pytest.approx(2 / 3)
    assert r.groups["cgnat"].actors == 2 and r.groups["cgnat"].fpr == 1.0
    assert r.groups["anonymous"].fpr == 0.0
    assert r.groups["office"].actors == 0 and r.groups["office"].fpr is None
    # Two people harmed: every class's precision counts them.
    assert r.false_positives == 2
    assert r.classes["naive"].precision == pytest.approx(1 / 3)
    assert r.classes["headless"].precision == 0.0


def test_a_real_guard_stops_a_scraper_spares_a_reader_and_scores_a_campaign_as_one() -> None:
    scraper = labelled(profiles(0, 400, ip="203.0.113.9", every=1.0), "scraper")
    # A person's browser loads the page's assets; the campaign's clients send the same user
    # agent and language but load none.
    pages = list(profiles(10, 3, ip="198.51.100.7", every=40.0))
    assets = [event(p.time - T0 + 0.3, p.ip, "/static/app.css") for p in pages]
    reader = labelled(sorted(pages + assets, key=lambda e: e.time), "reader")
    campaign = [
        (event(20 + i * 7 + j * 60, f"10.{i}.0.1", f"/u/c{i}x{j}"), f"d{i}")
        for i in range(30)
        for j in range(4)
    ]
    pairs = in_time_order(scraper, reader, campaign)
    actors = {
        "scraper": TruthActor("scraper", "naive"),
        "reader": TruthActor("reader", "human", "anonymous"),
        **{f"d{i}": TruthActor(f"d{i}", "distributed", None, "c1") for i in range(30)},
    }
    r = run(enforcing(), pairs, actors)

    # What the engine did, seen through a twin guard given the same requests, each refused
    # as inline when a decision in force stops it.
    twin = enforcing()
    stops = []
    for e, _ in pairs:
        held = twin.held(e).enforced
        seen = refused(e, held) if held in BLOCKING | CHALLENGING else e
        stops.append(twin.evaluate(seen)[1].action in BLOCKING | CHALLENGING)
    mine = [i for i, (_, label) in enumerate(pairs) if label == "scraper"]
    scraper_stops = [stops[i] for i in mine]
    served = {pairs[i][0].path for i in mine if not stops[i]}

    s = unit(r, "scraper")
    assert s.stopped and s.blocked
    assert s.requests == 400
    assert s.requests_to_stop == (stop_index(scraper_stops) or 0) + 1
    assert s.requests_to_stop >= scraper_stops.index(True) + 1
    assert s.people_served == len(served) < s.requests

    h = unit(r, "reader")
    assert (h.stopped, h.blocked, h.challenged, h.people_served) == (False, False, False, 3)
    assert r.humans.fpr == 0.0 and r.false_positives == 0

    # 30 networks, 4 profiles each, one user agent, no assets: one campaign, linked and stopped.
    c = unit(r, "c1")
    assert (c.members, c.requests, c.cls, c.campaign) == (30, 120, "distributed", "c1")
    campaign_stops = [stops[i] for i, (_, label) in enumerate(pairs) if label.startswith("d")]
    assert c.stopped and c.requests_to_stop == (stop_index(campaign_stops) or 0) + 1
    assert c.linked_after is not None and c.linked_after < 240  # its requests span 4 minutes
    assert c.people_served < 120
    assert r.classes["distributed"].units == 1
    assert r.classes["naive"].recall == 1.0 and r.classes["naive"].precision == 1.0
    assert r.classes["distributed"].recall == 1.0 and r.classes["distributed"].linked == 1
    assert r.lines == len(pairs)


def test_a_stopped_client_adds_no_people_to_its_counts_or_its_network_as_inline() -> None:
    """The simulator logs every request as served. Inline, a request refused before the app
    ran shows nobody: a blocked scraper's later requests must not push its network over the
    network's quota, and with it the people next door."""
    pairs = list(labelled(profiles(0, 400, ip="203.0.113.9", every=1.0), "scraper"))
    guard, replayed = enforcing(), enforcing()
    r = run(guard, pairs, {"scraper": TruthActor("scraper", "naive")})
    for e, _ in pairs:
        replayed.evaluate(e)
    s = unit(r, "scraper")
    assert s.stopped and s.people_served < 100
    for key in ("ip:203.0.113.9", "net:203.0.113.0/24"):
        counted, logged = guard.state.get(key), replayed.state.get(key)
        assert counted is not None and logged is not None
        assert logged.people_day == 400  # the log as it is: every profile counted
        # Inline, the request that crosses into a stop is counted (the app ran), not the rest.
        assert s.people_served <= counted.people_day <= s.people_served + 5, key


def test_each_unit_says_what_first_stopped_it_and_the_document_lists_every_person_stopped() -> None:
    scraper = labelled(profiles(0, 60, ip="203.0.113.9", every=1.0), "scraper")
    script = labelled(profiles(3, 30, ip="198.51.100.8", user_agent="curl/8.5.0"), "script")
    reader = [(event(5, "198.51.100.7", "/u/alice"), "reader")]
    actors = {
        "scraper": TruthActor("scraper", "naive"),
        "reader": TruthActor("reader", "human", "anonymous"),
        "script": TruthActor("script", "human", "office"),  # a person's script: a false positive
    }
    r = run(enforcing(), in_time_order(scraper, script, reader), actors)
    s = unit(r, "scraper")
    first = s.first_stop
    assert first is not None and s.requests_to_stop is not None
    assert first.request <= s.requests_to_stop
    assert (first.key, first.origin) == ("ip:203.0.113.9", f"threshold/{first.action}")
    assert first.reasons and all(isinstance(text, str) and text for text in first.reasons)
    assert unit(r, "reader").first_stop is None
    units = {u["id"]: u for u in result_document(r)["units"]}
    assert units["scraper"]["first_stop"]["reasons"] == first.reasons
    assert "reader" not in units  # a person never stopped is not listed
    person = units["script"]
    assert (person["class"], person["group"]) == ("human", "office")
    assert "HTTP client library" in " ".join(person["first_stop"]["reasons"])
    report = format_table(r)
    assert "people stopped: 1, each with its first reason" in report
    assert f"  script (office): {person['first_stop']['action']} ip:198.51.100.8: " in report


def test_static_assets_are_decided_but_not_scored() -> None:
    """A blocked scraper whose assets a web server still hands out is stopped all the same."""
    stream = []
    for i in range(5):
        stream.append(event(i * 10.0, "203.0.113.30", f"/u/user{i}"))
        stream.append(event(i * 10.0 + 1, "203.0.113.30", "/static/app.css"))
    guard = Scripted(["allow", "allow", *["block", "allow"] * 4])
    r = evaluate(stream, ["s"] * len(stream), {"s": TruthActor("s", "naive")}, guard)
    s = unit(r, "s")
    assert (s.requests, s.stopped, s.requests_to_stop, s.people_served) == (5, True, 2, 1)


def test_a_page_past_the_paging_cap_shows_nobody_and_is_no_stop() -> None:
    """Inline, the cap is answered before the app runs (429, "paging stops at 25")."""
    pages = [
        event(i * 30.0, "198.51.100.20", f"/search?q=smith&page={p}")
        for i, p in enumerate((1, 2, 30))
    ]
    r = run(
        enforcing(max_page=25),
        list(labelled(pages, "h")),
        {"h": TruthActor("h", "human", "anonymous")},
    )
    h = unit(r, "h")
    assert (h.stopped, h.blocked, h.challenged) == (False, False, False)
    assert h.people_served == 40  # two pages of 20; the third was refused


def test_the_document_has_every_class_group_and_target() -> None:
    pairs = in_time_order(
        labelled(profiles(0, 60, ip="203.0.113.9", every=1.0), "s"),
        labelled(profiles(5, 2, ip="198.51.100.7", every=30.0), "h"),
    )
    actors = {"s": TruthActor("s", "naive"), "h": TruthActor("h", "human", "recruiter")}
    doc = result_document(run(enforcing(), pairs, actors))
    json.dumps(doc)
    for key in ("human_fpr", "human_blocked", "human_challenged", "lines", "seconds"):
        assert key in doc
    assert isinstance(doc["human_fpr"], float)
    assert set(doc["classes"]) == set(MALICIOUS) == {*SCRAPERS, "impostor"}
    for entry in (*doc["classes"].values(), doc["good_bot"], doc["unverifiable_crawler"]):
        assert {
            "actors",
            "recall",
            "precision",
            "median_requests_to_stop",
            "profiles_before_block",
            "max_profiles_before_block",
        } <= set(entry)
    assert doc["classes"]["naive"]["actors"] == 1
    assert doc["classes"]["headless"] == {
        "actors": 0,
        "stopped": 0,
        "recall": None,
        "precision": None,  # nothing stopped, nobody harmed
        "median_requests_to_stop": None,
        "profiles_before_block": None,
        "max_profiles_before_block": None,
        "blocked": None,
        "challenged": None,
        "linked": 0,
        "max_linked_after": None,
    }
    assert doc["groups"]["recruiter"] == {
        "actors": 1,
        "blocked": 0.0,
        "challenged": 0.0,
        "fpr": 0.0,
    }
    assert [u["id"] for u in doc["units"]] == ["s"]  # people are not listed one by one
    assert doc["lines"] == 62
    targets = {t["target"]: t for t in doc["targets"]}
    linking = targets["distributed campaigns linked within one simulated hour"]
    assert linking == {
        "target": "distributed campaigns linked within one simulated hour",
        "met": False,
        "figure": "not measured (no campaigns)",
    }


def test_targets_say_what_was_met_and_by_how_much() -> None:
    quick = labelled(profiles(0, 30, ip="203.0.113.9"), "quick")
    harvester = labelled(
        profiles(0, 100, ip="198.51.100.9", every=30.0, account="acc1", account_created=T0 - 60),
        "harvester",
    )
    farm = [(event(i, f"10.{i}.0.1", f"/u/f{i}"), f"f{i}") for i in range(3)]
    pairs = in_time_order(quick, harvester, farm)
    actors = {
        "quick": TruthActor("quick", "naive"),
        "harvester": TruthActor("harvester", "new_account_harvester"),
        **{f"f{i}": TruthActor(f"f{i}", "account_farm", None, "farm") for i in range(3)},
    }
    # The quick scraper is stopped at its 12th request: it got 11 people.
    actions = [
        "block" if label == "quick" and int(e.path[7:]) >= 11 else "allow" for e, label in pairs
    ]
    # The harvester's real verdicts come from a guard with an account quota of 30 a day.
    volume = VolumeSettings(account_per_day=30)
    real = enforcing(detector_settings={"volume": volume})
    for i, (e, label) in enumerate(pairs):
        verdict = real.evaluate(e)[1].action
        if label == "harvester":
            actions[i] = verdict

    class Quota(Scripted):
        def __init__(self) -> None:
            super().__init__(actions)
            self.detectors = real.detectors

    r = run(Quota(), pairs, actors)
    assert r.account_quota == 30 and r.page_size == 20
    found = {target: (met, figure) for target, met, figure in check_targets(r)}
    assert found["naive stopped within 20 profiles"] == (
        True,
        "recall 1.00 (1 of 1), at most 11 people served",
    )
    assert found["ua_rotating stopped within 20 profiles"] == (False, "not measured (no actors)")
    met, figure = found["new_account_harvester stopped at the account quota"]
    assert met and figure.startswith("recall 1.00 (1 of 1)")
    assert figure.endswith("; quota 30 a day + a page of 20")
    assert unit(r, "harvester").people_served <= 50
    assert found["account_farm campaigns stopped before 500 people"] == (
        True,
        "recall 0.00 (0 of 1), at most 3 people served",
    )
    assert found["account_farm campaigns linked within one simulated hour"] == (
        False,
        "0 of 1 linked",
    )
    assert found["humans blocked ≤ 0.1%"] == (False, "not measured (no actors)")
    assert found["headless recall ≥ 0.9"] == (False, "not measured (no actors)")
    assert "cgnat humans blocked or challenged ≤ 1%" in found
    assert "anonymous humans blocked or challenged ≤ 1%" not in found

    table = format_table(r)
    assert "naive" in table and "humans" in table and "cgnat" in table
    assert "MISSED  account_farm campaigns linked within one simulated hour" in table
    assert "met     naive stopped within 20 profiles" in table


def test_a_blocked_good_bot_is_a_false_positive() -> None:
    pairs = [
        (event(0, "66.249.66.1", "/u/1"), "bot"),
        (event(1, "203.0.113.9", "/u/2"), "imp"),
    ]
    actors = {"bot": TruthActor("bot", "good_bot"), "imp": TruthActor("imp", "impostor")}
    r = run(Scripted(["block", "block"]), pairs, actors)
    assert r.false_positives == 1
    assert r.classes["good_bot"].recall == 1.0 and r.classes["good_bot"].precision is None
    assert r.classes["impostor"].precision == 0.5
    found = {target: (met, figure) for target, met, figure in check_targets(r)}
    assert found["good bots never blocked or challenged"] == (False, "1 of 1 blocked or challenged")
    assert result_document(r)["good_bot"]["blocked"] == 1.0


def test_the_log_and_the_truth_must_match() -> None:
    events = list(profiles(0, 3))
    actors = {"a": TruthActor("a", "human", "anonymous")}
    with pytest.raises(EvalError, match="more requests"):
        evaluate(events, ["a", "a"], actors, enforcing())
    with pytest.raises(EvalError, match="3 requests but the truth labels 4"):
        evaluate(events, ["a"] * 4, actors, enforcing())
    with pytest.raises(EvalError, match="request 2: actor 'b' is not in the truth"):
        evaluate(events, ["a", "b", "a"], actors, enforcing())


def test_a_json_log_and_its_truth_file_are_read_and_scored(tmp_path: Path) -> None:
    log, truth = tmp_path / "access.log", tmp_path / "truth.json"
    lines = [
        {
            "time": T0 + i,
            "remote_addr": "203.0.113.9" if i % 2 else "198.51.100.7",
            "request": f"GET /u/{i} HTTP/1.1",
            "status": 200,
            "http_user_agent": BROWSER,
        }
        for i in range(6)
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    truth.write_text(
        json.dumps(
            {
                "seed": 1,
                "start": T0,
                "end": T0 + 6,
                "directory_size": 100,
                "actors": {
                    "h": {"class": "human", "group": "office", "campaign": None},
                    "d": {"class": "distributed", "group": None, "campaign": "c7"},
                },
                "requests": ["h", "d"] * 3,
            }
        )
    )
    t = read_truth(str(truth))
    assert t.actors["d"] == TruthActor("d", "distributed", None, "c7") and t.shown is None
    assert t.directory_size == 100
    stats = IngestStats()
    r = evaluate(read_events([str(log)], "auto", stats), t.labels, t.actors, enforcing())
    assert stats.malformed == 0 and r.lines == 6
    assert unit(r, "h").people_served == 3 and unit(r, "h").group == "office"
    assert unit(r, "c7").members == 1 and unit(r, "c7").requests == 3


def test_the_harm_is_the_people_the_truth_says_were_shown(tmp_path: Path) -> None:
    """A log says only that a search page was served; the engine counts its page size (an
    upper bound). The truth knows who each page showed: an empty page shows nobody, a person
    listed and then opened counts once."""
    log, truth = tmp_path / "access.log", tmp_path / "truth.json"
    paths = ["/search?q=xq", "/search?q=ann", "/u/ann.lee", "/search?q=xr"]
    log.write_text(
        "".join(
            json.dumps(
                {
                    "time": T0 + 10 * i,
                    "remote_addr": "203.0.113.9",
                    "request": f"GET {path} HTTP/1.1",
                    "status": 200,
                    "http_user_agent": BROWSER,
                }
            )
            + "\n"
            for i, path in enumerate(paths)
        )
    )
    doc = {
        "actors": {"s": {"class": "search_enumerator"}},
        "requests": ["s"] * 4,
        "shown": [[], [7, 8], [7], []],
    }
    truth.write_text(json.dumps(doc))
    t = read_truth(str(truth))

    def served(shown: list[list[int]] | None) -> int:
        events = read_events([str(log)], "auto", IngestStats())
        r = evaluate(events, t.labels, t.actors, enforcing(), shown)
        return unit(r, "s").people_served

    assert served(t.shown) == 2
    assert served(None) == 3 * 20 + 1  # three search pages of 20 (the page size), one profile
    doc["shown"] = [[], [7]]
    truth.write_text(json.dumps(doc))
    with pytest.raises(EvalError, match="2 shown for 4 requests"):
        read_truth(str(truth))


def test_an_unusable_truth_file_is_an_eval_error(tmp_path: Path) -> None:
    bad = tmp_path / "truth.json"
    bad.write_text('{"actors": {}}')
    with pytest.raises(EvalError, match="not a ground-truth file"):
        read_truth(str(bad))
    with pytest.raises(EvalError, match="cannot read"):
        read_truth(str(tmp_path / "missing.json"))


def test_a_good_bot_stopped_for_want_of_a_current_list_is_explained(stale_bing: None) -> None:
    """Bingbot from inside a Bing list of 2024, on 2026 traffic: unverifiable, so
    judged like anyone, and stopped for its reading; the figure says which list was stale."""
    pairs = list(labelled(profiles(0, 400, ip="13.66.139.5", every=1.0, user_agent=BINGBOT), "bot"))
    guard = Guard(policy=Policy(mode="enforce"))
    r = run(guard, pairs, {"bot": TruthActor("bot", "good_bot")})
    assert r.crawler_ranges_needed == {"bing": 400}
    found = {target: (met, figure) for target, met, figure in check_targets(r)}
    assert found["good bots never blocked or challenged"] == (
        False,
        "1 of 1 blocked or challenged; left unverified, their lists being stale or missing: bing",
    )
    assert result_document(r)["crawler_ranges_needed"] == {"bing": 400}
