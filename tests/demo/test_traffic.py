"""The traffic simulator: deterministic, labelled, readable by the ingest, answered as the demo
site would, and with the traits each class and hard group is meant to have."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import http.server
import ipaddress
import json
import re
import statistics
import threading
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest
from starlette.testclient import TestClient

from scrapeguard.cli import main as cli_main
from scrapeguard.crawlers import classify_client
from scrapeguard.demo.classes import ALL, CAMPAIGN_CLASSES, HUMAN_GROUPS
from scrapeguard.demo.live import LiveSender
from scrapeguard.demo.people import START, Directory
from scrapeguard.demo.site import create_app, member_password
from scrapeguard.demo.traffic import (
    SimRequest,
    Simulation,
    format_combined,
    read_truth,
    simulate,
    write_log,
    write_truth,
)
from scrapeguard.demo.traffic_agents import CHROME_PAGE, CSS_ACCEPT, JS_ACCEPT, fetch_metadata
from scrapeguard.demo.traffic_site import ROBOTS_DISALLOW, Site
from scrapeguard.events import network_of
from scrapeguard.ingest import IngestStats, get_format, read_events
from scrapeguard.netranges import NetworkData

SEED = 11
SAMPLE = Path(str(resources.files("scrapeguard").joinpath("data", "sample")))
KEYS = {
    "time",
    "remote_addr",
    "request",
    "status",
    "body_bytes_sent",
    "http_referer",
    "http_user_agent",
    "http_accept_language",
    "http_accept",
    "session",
    "account",
    "account_created",
}


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory(size=300, seed=3)


@pytest.fixture(scope="module")
def sim(directory: Directory) -> Simulation:
    """A whole day (every class and group is active) of a small site at a small scale."""
    return simulate(directory, SEED, hours=24, scale=0.1)


@pytest.fixture(scope="module")
def log_path(sim: Simulation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("traffic") / "access.jsonl"
    assert write_log(sim, str(path)) == len(sim.requests)
    return path


@pytest.fixture(scope="module")
def by_actor(sim: Simulation) -> dict[str, list[SimRequest]]:
    out: dict[str, list[SimRequest]] = defaultdict(list)
    for r in sim.requests:
        out[r.actor].append(r)
    return out


def _of(sim: Simulation, by_actor: dict[str, list[SimRequest]], cls: str) -> list[str]:
    return sorted(a for a in by_actor if sim.actors[a].cls == cls)


def _pages(requests: list[SimRequest]) -> list[SimRequest]:
    return [r for r in requests if not r.path.startswith("/static/") and r.path != "/favicon.ico"]


# ---------------------------------------------------------------------------- determinism


def test_same_seed_same_bytes_other_seed_other_traffic(tmp_path: Path) -> None:
    def run(seed: int, name: str) -> bytes:
        sim = simulate(Directory(size=200, seed=5), seed, hours=2, scale=0.05, start=START)
        write_log(sim, str(tmp_path / name))
        return (tmp_path / name).read_bytes()

    first, again, other = run(1, "a.jsonl"), run(1, "b.jsonl"), run(2, "c.jsonl")
    assert first == again
    assert first != other
    assert len(first) > 10_000


def test_gzip_output_is_reproducible_and_readable(sim: Simulation, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    write_log(sim, str(a))
    write_log(sim, str(b))
    assert a.read_bytes() == b.read_bytes()
    with gzip.open(a, "rt", encoding="utf-8") as f:
        assert sum(1 for _ in f) == len(sim.requests)


def test_time_order_and_window(sim: Simulation) -> None:
    times = [r.time for r in sim.requests]
    assert times == sorted(times)
    assert sim.start <= times[0] and times[-1] < sim.end
    assert sim.end - sim.start == 24 * 3600


def test_rejects_empty_window(directory: Directory) -> None:
    with pytest.raises(ValueError):
        simulate(directory, 1, hours=0)


# ---------------------------------------------------------------------------- truth


def test_every_class_and_group_present_and_truth_aligned(sim: Simulation, tmp_path: Path) -> None:
    classes = {a.cls for a in sim.actors.values()}
    assert classes == set(ALL)
    groups = {a.group for a in sim.actors.values() if a.cls == "human"}
    assert groups == set(HUMAN_GROUPS)
    assert all(a.group is None for a in sim.actors.values() if a.cls != "human")
    for a in sim.actors.values():
        assert (a.campaign is not None) == (a.cls in CAMPAIGN_CLASSES), a
    assert {r.actor for r in sim.requests} == set(sim.actors)

    path = tmp_path / "truth.json"
    write_truth(sim, str(path))
    actors, ids = read_truth(str(path))
    assert actors == sim.actors
    assert ids == [r.actor for r in sim.requests]
    doc = json.loads(path.read_text())
    assert doc["shown"] == [list(r.shown) for r in sim.requests]
    assert doc["seed"] == SEED and doc["directory_size"] == 300
    assert doc["start"] == sim.start and doc["end"] == sim.end


def test_campaigns_group_their_actors(sim: Simulation) -> None:
    campaigns: dict[str, set[str]] = defaultdict(set)
    for a in sim.actors.values():
        if a.campaign is not None:
            campaigns[a.campaign].add(a.cls)
    assert all(len(classes) == 1 for classes in campaigns.values())
    sizes = Counter(a.campaign for a in sim.actors.values() if a.campaign)
    assert min(sizes.values()) >= 7  # dozens of accounts or addresses at scale 1.0


# ---------------------------------------------------------------------------- the log


def test_log_lines_parse_through_the_ingest(
    sim: Simulation, log_path: Path, directory: Directory
) -> None:
    stats = IngestStats()
    events = list(read_events([str(log_path)], "auto", stats))
    assert stats.malformed == 0, stats.summary()
    assert stats.parsed == len(sim.requests) == len(events)
    assert stats.formats[str(log_path)] == "json"
    for ev, r in zip(events, sim.requests, strict=True):
        assert abs(ev.time - r.time) < 0.0005
        assert (ev.ip, ev.method, ev.path, ev.query) == (r.ip, r.method, r.path, r.query)
        assert (ev.status, ev.bytes, ev.user_agent) == (r.status, r.bytes, r.user_agent)
        assert ev.referer == r.referer
        assert ev.accept_language == r.accept_language
        assert ev.session == r.session
        assert ev.account == r.account
        assert ev.account_created == r.account_created
        assert ev.extra.get("http_accept", "") == r.accept
        # A page of people names whom it listed, as the site reports inline; others do not.
        pages_of_people = r.path in ("/directory", "/search", "/find") or r.path.endswith(
            "/followers"
        )
        if pages_of_people and r.status == 200:
            assert ev.disclosed is not None
            assert [d.subject for d in ev.disclosed] == [
                directory.by_id[i].username for i in r.shown
            ]
        else:
            assert ev.disclosed is None, r
    assert any(ev.account and ev.account_created for ev in events)
    assert any(ev.disclosed for ev in events) and any(ev.disclosed == () for ev in events)
    assert any(ev.session for ev in events) and any(ev.accept_language for ev in events)


def test_nothing_in_the_log_names_a_class_or_actor(sim: Simulation, log_path: Path) -> None:
    lines = log_path.read_text(encoding="utf-8").splitlines()
    names = {*ALL, *HUMAN_GROUPS} | {a.campaign for a in sim.actors.values() if a.campaign}
    ids = set(sim.actors)
    for line in lines:
        obj = json.loads(line)
        assert set(obj) - {"disclosed"} == KEYS  # `disclosed`: on pages of people only
        values = [str(v) for v in obj.values()]
        for value in values:
            assert value not in ids
            for name in names:
                assert name not in value, (name, line)


# ---------------------------------------------------------------------------- the oracle


def test_statuses_agree_with_the_directory(sim: Simulation, directory: Directory) -> None:
    """Every answer is the directory's, and the people it showed (`shown`, which the ground
    truth carries) are those the page lists."""
    seen = Counter()
    for r in sim.requests:
        q = parse_qs(r.query)
        page = int(q.get("page", ["1"])[0])
        shown: list[Any] | None = []
        if r.path.startswith("/u/") and not r.path.endswith("/followers"):
            person = directory.by_username.get(unquote(r.path[3:]))
            assert r.status == (200 if person else 404), r
            shown = [person] if person else []
        elif r.path.startswith("/api/v1/users/"):
            person = directory.by_username.get(unquote(r.path[14:]))
            assert r.status == (200 if person else 404), r
            shown = [person] if person else []
        elif r.path == "/find":
            found = directory.lookup(q["q"][0])
            assert r.status == (200 if found is not None else 404), r
            seen["find-" + str(r.status)] += 1
            shown = [found] if found else []
        elif r.path == "/search":
            assert r.status == 200, r
            shown = directory.search(q.get("q", [""])[0].strip())[20 * (page - 1) : 20 * page]
            seen["search-" + ("some" if shown else "none")] += 1
        elif r.path == "/directory":
            assert r.status == 200, r
            shown = list(directory.page(page, 50))
        elif r.path in ("/", "/robots.txt", "/favicon.ico"):
            assert r.status == 200, r
        elif r.path.startswith("/static/avatars/"):
            assert r.status == 200 and int(r.path[16:-4]) < 64, r
        elif r.path.startswith("/static/"):
            assert r.status == 200 and r.path in ("/static/app.css", "/static/app.js"), r
        elif r.path == "/login":
            assert r.status == (200 if r.method == "GET" else 303 if r.account else 401), r
        elif r.path == "/signup":
            assert r.status in ((200,) if r.method == "GET" else (303, 409)), r
            assert (r.status == 303) == (r.method == "POST" and r.account is not None)
        elif r.path == "/internal/export/members.csv":
            assert r.status == 404
        elif r.path.endswith("/followers"):
            assert r.status == 200
            shown = None  # who follows whom is the site's own draw
        else:
            pytest.fail(f"unexpected request {r}")
        assert r.bytes >= 0
        if r.status == 200:
            assert r.bytes > 0
        if shown is not None:
            assert r.shown == tuple(p.id for p in shown), r
    assert seen["find-200"] and seen["find-404"]
    assert seen["search-some"] and seen["search-none"]


def test_canaries_are_answered_and_only_scrapers_find_them(
    sim: Simulation, directory: Directory
) -> None:
    canaries = {"/u/" + p.username for p in directory.canaries}
    hits = [r for r in sim.requests if r.path in canaries or r.path.startswith("/internal/")]
    assert all(r.status == (200 if r.path in canaries else 404) for r in hits)
    assert {sim.actors[r.actor].cls for r in hits} <= {"impostor", "polite_crawler", "headless"}
    more = simulate(directory, 5, hours=3, scale=0.05).requests
    assert any(r.path in canaries for r in more)


def test_site_search_matches_the_directory(directory: Directory) -> None:
    site = Site(directory)
    terms = ["a", "an", "ma", "zz", "sm", "j", "jo", "e", "", " ", "Ann"]
    terms += [p.name.split()[0][:3] for p in directory.people[:30]]
    for term in terms:
        assert list(site.search(term)) == directory.search(term), term


# ---------------------------------------------------------------------------- addresses


def test_cgnat_many_people_behind_one_address(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    net = NetworkData(use_overrides=False)
    people_at: dict[str, set[str]] = defaultdict(set)
    sessions_at: dict[str, set[str]] = defaultdict(set)
    for actor, requests in by_actor.items():
        if sim.actors[actor].group == "cgnat":
            for r in requests:
                people_at[r.ip].add(actor)
                if r.session:
                    sessions_at[r.ip].add(r.session)
    assert people_at
    for ip, people in people_at.items():
        assert ipaddress.ip_address(ip) in ipaddress.ip_network("100.64.0.0/10")
        assert "shared:cgnat" in net.origin(ip)
        assert len(people) >= 5 and len(sessions_at[ip]) >= 5
        agents = {r.user_agent for a in people for r in by_actor[a]}
        assert len(agents) >= 3


def test_office_colleagues_share_one_address(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    people_at: dict[str, set[str]] = defaultdict(set)
    for actor, requests in by_actor.items():
        if sim.actors[actor].group == "office":
            assert len({r.ip for r in requests}) == 1
            people_at[requests[0].ip].add(actor)
    assert people_at and all(len(p) >= 5 for p in people_at.values())


def test_relay_users_come_from_the_relay_list(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    net = NetworkData(use_overrides=False)
    actors = [a for a in by_actor if sim.actors[a].group == "icloud_relay"]
    assert actors
    for actor in actors:
        for r in by_actor[actor]:
            assert "shared:icloud-relay" in net.origin(r.ip), r.ip
            assert "Safari/" in r.user_agent and "Chrome/" not in r.user_agent


def test_crawler_claims_verify_as_intended(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    expected = {"good_bot": {"verified"}, "impostor": {"impostor"}}
    expected["unverifiable_crawler"] = {"unverifiable"}
    for cls, verdicts in expected.items():
        for actor in _of(sim, by_actor, cls):
            for r in by_actor[actor][:50]:
                verdict = classify_client(r.user_agent, r.ip, r.time)
                assert verdict is not None, r
                assert verdict.status in verdicts, (r, verdict)
    googlebots = [
        a for a in _of(sim, by_actor, "good_bot") if "Googlebot" in by_actor[a][0].user_agent
    ]
    assert googlebots


def test_distributed_residential_addresses_one_fingerprint(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    net = NetworkData(use_overrides=False)
    for campaign in {a.campaign for a in sim.actors.values() if a.cls == "distributed"}:
        actors = [a for a in by_actor if sim.actors[a].campaign == campaign]
        requests = [r for a in actors for r in by_actor[a]]
        assert len({(r.user_agent, r.accept, r.accept_language) for r in requests}) == 1
        ips = {r.ip for r in requests}
        assert len(ips) == len(actors) >= 20
        assert all(not net.origin(ip) for ip in ips)
        paths = Counter(r.path for r in requests)
        assert max(paths.values()) == 1  # complementary coverage
        for a in actors:
            times = [r.time for r in by_actor[a]]
            if len(times) > 1:
                assert (len(times) - 1) / ((times[-1] - times[0]) / 3600) <= 3


def test_account_farm_signs_up_from_one_network(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    for campaign in {a.campaign for a in sim.actors.values() if a.cls == "account_farm"}:
        actors = [a for a in by_actor if sim.actors[a].campaign == campaign]
        signups = [
            r for a in actors for r in by_actor[a] if r.method == "POST" and r.path == "/signup"
        ]
        assert len(signups) == len(actors) >= 8
        assert all(r.status == 303 for r in signups)
        if ":" in signups[0].ip:
            prefixes = {str(ipaddress.ip_network(r.ip + "/48", strict=False)) for r in signups}
        else:
            prefixes = {network_of(r.ip) for r in signups}
        assert len(prefixes) == 1
        span = max(r.time for r in signups) - min(r.time for r in signups)
        assert span < 7 * 3600
        for a in actors:
            profiles = [r for r in by_actor[a] if r.path.startswith("/u/")]
            assert 1 <= len(profiles) <= 40
            assert all(r.account_created for r in profiles)


# ---------------------------------------------------------------------------- behaviour


def test_humans_load_assets_after_pages(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    checked = 0
    for actor in by_actor:
        a = sim.actors[actor]
        if a.cls != "human" or a.group == "screen_reader":
            continue
        requests = by_actor[actor]
        assert len({r.user_agent for r in requests}) == 1
        assert requests[0].user_agent.startswith("Mozilla/5.0 (")
        assert requests[0].accept_language
        pages = {r.time: r for r in _pages(requests)}
        for r in requests:
            if r.path in ("/static/app.css", "/static/app.js"):
                page = max((t for t in pages if t <= r.time), default=None)
                assert page is not None and r.time - page < 1.0
                assert r.referer.endswith(
                    pages[page].path + ("?" + pages[page].query if pages[page].query else "")
                )
                checked += 1
    assert checked > 100


def test_popular_people_are_viewed_more(sim: Simulation) -> None:
    views = Counter(
        r.path
        for r in sim.requests
        if sim.actors[r.actor].cls == "human"
        and r.path.startswith("/u/")
        and "/followers" not in r.path
    )
    counts = sorted(views.values(), reverse=True)
    assert counts[0] >= 5 * statistics.median(counts)


def test_logged_in_members_and_signups(
    sim: Simulation, directory: Directory, by_actor: dict[str, list[SimRequest]]
) -> None:
    """Accounts are what the site knows them by: a member's username (created when the
    directory says), or the username an actor signed up with (created then)."""
    members = [a for a in by_actor if sim.actors[a].group == "logged_in"]
    assert members
    for actor in members:
        accounts = {(r.account, r.account_created) for r in by_actor[actor] if r.account}
        assert len(accounts) == 1
        account, created = accounts.pop()
        assert account is not None and created is not None
        person = directory.by_username.get(account)
        if person is not None:
            assert created == int(person.created)
        else:
            assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{2,29}", account)
            assert sim.start <= created < by_actor[actor][-1].time
    signups = [
        r for r in sim.requests if r.path == "/signup" and r.method == "POST" and r.status == 303
    ]
    assert any(sim.actors[r.actor].cls == "human" for r in signups)
    names = [r.account for r in signups]
    assert len(set(names)) == len(names)
    for r in signups:
        assert r.account_created == float(int(r.time))
        assert r.account is not None and r.account not in directory.by_username
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{2,29}", r.account)


def test_recruiters_view_hundreds_at_human_pace(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    for actor in (a for a in by_actor if sim.actors[a].group == "recruiter"):
        requests = by_actor[actor]
        profiles = [r for r in requests if r.path.startswith("/u/") and "/followers" not in r.path]
        assert len({r.path for r in profiles}) >= 100  # the directory has only 300 people
        assert all(r.account for r in requests)
        assert requests[0].account_created < sim.start - 365 * 86400
        gaps = [b.time - a.time for a, b in zip(profiles, profiles[1:], strict=False)]
        assert statistics.median(gaps) >= 20


def test_screen_readers_load_fewer_assets_and_follow_document_order(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    readers = [a for a in by_actor if sim.actors[a].group == "screen_reader"]
    assert readers
    for actor in readers:
        requests = by_actor[actor]
        assert not any(r.path.startswith("/static/avatars/") for r in requests)


def test_naive_scripts(sim: Simulation, by_actor: dict[str, list[SimRequest]]) -> None:
    actors = _of(sim, by_actor, "naive")
    assert len(actors) >= 2
    traits = set()
    for actor in actors:
        requests = by_actor[actor]
        assert all(r.session is None and r.account is None for r in requests)
        assert not any(r.path.startswith("/static/") for r in requests)
        assert not requests[0].user_agent.startswith("Mozilla")
        gaps = [b.time - a.time for a, b in zip(requests, requests[1:], strict=False)]
        assert 0.1 <= statistics.median(gaps) <= 3.0
        traits.add((requests[0].user_agent, round(statistics.median(gaps), 2)))
    assert len(traits) == len(actors)  # randomised per actor


def test_polite_crawlers_obey_robots(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    for cls in ("polite_crawler", "good_bot", "unverifiable_crawler"):
        for actor in _of(sim, by_actor, cls):
            requests = by_actor[actor]
            assert requests[0].path == "/robots.txt"
            assert not any(r.path.startswith(ROBOTS_DISALLOW) for r in requests)
            if cls == "polite_crawler":
                gaps = [b.time - a.time for a, b in zip(requests, requests[1:], strict=False)]
                assert min(gaps) >= 2.0


def test_enumerators(sim: Simulation, by_actor: dict[str, list[SimRequest]]) -> None:
    for actor in _of(sim, by_actor, "search_enumerator"):
        terms = [parse_qs(r.query)["q"][0] for r in by_actor[actor] if r.path == "/search"]
        assert len(set(terms)) >= 50
        assert all(len(t) <= 3 for t in terms)
    for actor in _of(sim, by_actor, "contact_enumerator"):
        lookups = [r for r in by_actor[actor] if r.path == "/find"]
        misses = sum(r.status == 404 for r in lookups) / len(lookups)
        assert len(lookups) >= 200 and 0.8 <= misses < 1.0


def test_new_account_harvesters_sign_up_then_harvest(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    for actor in _of(sim, by_actor, "new_account_harvester"):
        requests = _pages(by_actor[actor])
        assert requests[0].path == "/signup" and requests[1].method == "POST"
        account = requests[1].account
        assert account is not None and requests[1].account_created is not None
        after = requests[2:]
        assert all(r.account == account for r in after)
        people = {r.path for r in after if r.path.startswith(("/u/", "/api/"))}
        assert len(people) >= 150
        assert after[-1].time - requests[1].time < 12 * 3600


def test_ua_rotation_and_headless(sim: Simulation, by_actor: dict[str, list[SimRequest]]) -> None:
    for actor in _of(sim, by_actor, "ua_rotating"):
        pages = _pages(by_actor[actor])
        assert len({r.user_agent for r in pages}) >= len(pages) / 12
        assert len({r.ip for r in pages}) <= 4
    for actor in _of(sim, by_actor, "headless"):
        requests = by_actor[actor]
        assert any(r.path.startswith("/static/") for r in requests)
        pages = _pages(requests)
        gaps = [b.time - a.time for a, b in zip(pages, pages[1:], strict=False)]
        assert 2.0 <= statistics.median(gaps) <= 25


def test_low_and_slow_accounts(sim: Simulation, by_actor: dict[str, list[SimRequest]]) -> None:
    actors = _of(sim, by_actor, "low_and_slow_accounts")
    assert len(actors) >= 5
    seen: Counter[str] = Counter()
    for actor in actors:
        requests = by_actor[actor]
        assert len({r.account for r in requests if r.account}) == 1
        profiles = {r.path for r in requests if r.path.startswith("/u/")}
        assert len(profiles) <= 80
        seen.update(profiles)
    assert max(seen.values()) == 1  # little overlap: none, here


def test_browser_engines_send_fetch_metadata_and_borrowed_user_agents_do_not(
    sim: Simulation, by_actor: dict[str, list[SimRequest]]
) -> None:
    """People's browsers and headless browsers send Sec-Fetch headers in live mode; scripts
    that only borrow a browser's user agent do not."""
    engines = {"human", "headless"}
    scripts = {"naive", "ua_rotating", "search_enumerator", "contact_enumerator", "distributed"}
    for actor, requests in by_actor.items():
        cls = sim.actors[actor].cls
        if cls in engines:
            assert all(r.fetch_metadata for r in requests), actor
        elif cls in scripts:
            assert not any(r.fetch_metadata for r in requests), actor
    assert {cls for cls in engines | scripts if _of(sim, by_actor, cls)} == engines | scripts


def test_fetch_metadata_is_what_a_browser_sends_for_each_kind_of_request() -> None:
    page = fetch_metadata(CHROME_PAGE, "")
    assert page == {
        "sec-fetch-site": "none",
        "sec-fetch-mode": "navigate",
        "sec-fetch-user": "?1",
        "sec-fetch-dest": "document",
    }
    assert fetch_metadata(CHROME_PAGE, "http://127.0.0.1/")["sec-fetch-site"] == "same-origin"
    assert fetch_metadata(CSS_ACCEPT, "http://127.0.0.1/")["sec-fetch-dest"] == "style"
    assert fetch_metadata(JS_ACCEPT, "http://127.0.0.1/")["sec-fetch-dest"] == "script"
    image = fetch_metadata("image/avif,image/webp,*/*;q=0.8", "http://127.0.0.1/")
    assert (image["sec-fetch-mode"], image["sec-fetch-dest"]) == ("no-cors", "image")
    api = fetch_metadata("application/json", "http://127.0.0.1/")
    assert (api["sec-fetch-mode"], api["sec-fetch-dest"]) == ("cors", "empty")


def test_live_mode_sends_each_request_with_its_programs_headers(
    sim: Simulation, directory: Directory
) -> None:
    """A real HTTP server on loopback records what the live sender sent."""
    seen: list[dict[str, str]] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    person = next(r for r in sim.requests if sim.actors[r.actor].cls == "human" and not r.account)
    script = next(r for r in sim.requests if sim.actors[r.actor].cls == "ua_rotating")
    requests = [dataclasses.replace(person, time=0.0), dataclasses.replace(script, time=0.0)]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sender = LiveSender(f"http://127.0.0.1:{server.server_address[1]}", directory)
        stats = asyncio.run(sender.run(requests, max_requests=2, duration=10))
    finally:
        server.shutdown()
        server.server_close()
    assert stats.sent == 2 and stats.failed == 0
    by_agent = {h["user-agent"]: h for h in seen}
    browser, program = by_agent[person.user_agent], by_agent[script.user_agent]
    assert browser["sec-fetch-mode"] and browser["accept"] == person.accept
    assert not any(k.startswith("sec-fetch-") for k in program)
    assert program["accept"] == script.accept


def test_stdout_output(sim: Simulation, capsys: pytest.CaptureFixture[str]) -> None:
    small = Simulation(sim.requests[:5], sim.actors, sim.seed, sim.start, sim.end, 300)
    assert write_log(small, "-") == 5
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and json.loads(lines[0])["remote_addr"] == sim.requests[0].ip


# ---------------------------------------------------------------------------- combined format


def test_combined_lines_carry_what_the_format_can(sim: Simulation, tmp_path: Path) -> None:
    """Each request as one combined line: address, time to the second, request, status, bytes,
    referer and user agent read back as written; session and account cannot be carried."""
    path = tmp_path / "access.log"
    assert write_log(sim, str(path), fmt="combined") == len(sim.requests)
    stats = IngestStats()
    events = list(read_events([str(path)], "auto", stats))
    assert stats.malformed == 0, stats.summary()
    assert stats.formats[str(path)] == "combined"
    assert stats.parsed == len(sim.requests) == len(events)
    for ev, r in zip(events, sim.requests, strict=True):
        assert ev.time == int(r.time)
        assert (ev.ip, ev.method, ev.path, ev.query) == (r.ip, r.method, r.path, r.query)
        assert (ev.status, ev.bytes, ev.user_agent, ev.referer) == (
            r.status,
            r.bytes,
            r.user_agent,
            r.referer,
        )
        assert ev.session is None and ev.account is None and not ev.extra
    assert path.read_text(encoding="utf-8").splitlines()[0] == format_combined(sim.requests[0])


def test_combined_escapes_as_nginx_does(sim: Simulation) -> None:
    odd = dataclasses.replace(
        sim.requests[0],
        user_agent='Tool "x" \\ v1\tné',
        referer="",
        path="/search",
        query="q=a%22b",
    )
    line = format_combined(odd)
    assert '"Tool \\x22x\\x22 \\x5C v1\\x09n\\xC3\\xA9"' in line
    assert line.isascii() and ' "-" "Tool' in line
    (ev,), bad = get_format("combined").parse_batch([line])
    assert not bad
    assert (ev.user_agent, ev.referer, ev.query) == (odd.user_agent, "", "q=a%22b")


def test_combined_gzip_is_reproducible_and_other_formats_are_refused(
    sim: Simulation, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.log.gz", tmp_path / "b.log.gz"
    write_log(sim, str(a), fmt="combined")
    write_log(sim, str(b), fmt="combined")
    assert a.read_bytes() == b.read_bytes()
    with gzip.open(a, "rt", encoding="utf-8") as f:
        assert next(f).rstrip("\n") == format_combined(sim.requests[0])
    with pytest.raises(ValueError, match="json or combined"):
        write_log(sim, str(tmp_path / "c.log"), fmt="common")  # type: ignore[arg-type]


#: Verdicts that stop an actor's requests (what `scrapeguard eval` counts as blocked).
BLOCKING = {"block", "decoy", "throttle", "tarpit"}
SCRIPT_AGENT = re.compile(r"^(python-requests|curl|Go-http-client|Scrapy)/")
TRAP = re.compile(r"^/(u/~canary-|api/v1/users/~canary-|internal/)")


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("sample") / "result.json"
    args = ["analyze", "--sample", "--no-progress", "--jobs", "1", "--json", str(out)]
    assert cli_main(args) == 0
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def test_the_packaged_sample_is_a_simulated_day_and_its_scrapers_are_stopped(
    sample_result: dict[str, Any],
) -> None:
    """`analyze --sample` reads the simulator's combined log whole and stops, by address alone,
    whoever walked into a trap, claimed to be Googlebot from elsewhere or harvested with a
    script; verified crawlers are let through. The log has no ground truth, so what happens to
    its people is not asserted here (`scrapeguard eval` scores that on labelled logs)."""
    summary = sample_result["summary"]
    assert summary["malformed"] == 0 and summary["parsed"] == summary["lines"] > 50_000
    assert summary["last_event"] > summary["first_event"][:10] + "T23:"  # one whole day
    verdict = {a["key"]: a["verdict"] for a in sample_result["actors"] if a["kind"] == "ip"}
    trapped: set[str] = set()
    scripts: dict[str, set[str]] = defaultdict(set)
    with gzip.open(SAMPLE / "access.log.gz", "rt", encoding="utf-8") as f:
        for ev in get_format("combined").parse_batch(f.read().splitlines())[0]:
            if TRAP.match(ev.path):
                trapped.add(ev.ip)
            if SCRIPT_AGENT.match(ev.user_agent) and ev.path.startswith("/u/"):
                scripts[ev.ip].add(ev.path)
    harvesters = {ip for ip, profiles in scripts.items() if len(profiles) > 100}
    assert trapped and harvesters
    assert {verdict.get(ip) for ip in trapped | harvesters} == {"block"}
    bots: dict[str | None, set[str]] = defaultdict(set)
    for a in sample_result["actors"]:
        bots[a["bot"]].add(a["verdict"])
    assert bots["impostor"] == {"block"}
    assert bots["verified"] and not bots["verified"] & BLOCKING


def test_the_oracle_answers_as_the_demo_site_does(sim: Simulation, directory: Directory) -> None:
    """Log mode's statuses are the site's; its sizes are the site's within a few percent."""
    anonymous = TestClient(create_app(directory))
    per_kind: dict[str, dict[str, SimRequest]] = defaultdict(dict)
    for r in sim.requests:
        if r.method == "GET" and r.account is None:
            target = r.path + ("?" + r.query if r.query else "")
            kind = r.path.split("/")[1] + ("-miss" if r.status == 404 else "")
            if len(per_kind[kind]) < 120:
                per_kind[kind].setdefault(target, r)
    assert {"u", "u-miss", "api", "directory", "search", "find", "find-miss", "static"} <= set(
        per_kind
    )
    for requests in per_kind.values():
        for target, r in requests.items():
            answer = anonymous.get(target, follow_redirects=False)
            assert answer.status_code == r.status, target
            assert abs(len(answer.content) - r.bytes) <= max(8, 0.05 * r.bytes), target

    member = directory.people[7].username
    logged_in = TestClient(create_app(directory))
    form = {"username": member, "password": member_password(directory, member)}
    assert logged_in.post("/login", data=form, follow_redirects=False).status_code == 303
    site = Site(directory)
    for target in ("/", "/directory?page=2", "/search?q=jo", "/find?q=x", "/u/nobody"):
        path, _, query = target.partition("?")
        expected = site.respond("GET", path, query, viewer=member)
        answer = logged_in.get(target)
        assert answer.status_code == expected.status
        assert abs(len(answer.content) - expected.bytes) <= max(8, 0.05 * expected.bytes)
    for person in directory.people[:20]:
        expected = site.respond("GET", "/api/v1/users/" + person.username, viewer=member)
        assert len(logged_in.get("/api/v1/users/" + person.username).content) == expected.bytes
