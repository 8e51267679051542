"""Tests of scrapeguard.crawlers: declared-bot matching and crawler verification."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import json
import re
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from support import AHREFS, BINGBOT, DATASETS, GOOGLEBOT

from scrapeguard import crawlers, netranges
from scrapeguard.crawlers import (
    IMPOSTOR,
    UNVERIFIABLE,
    VERIFIED,
    CrawlerVerdict,
    CrawlerVerifier,
    classify_client,
    is_declared_bot,
    match_bot_lists,
)
from scrapeguard.netranges import NetworkData, update_range_list

SHARED = DATASETS
for _parent in Path(__file__).resolve().parents:
    if (_parent / "shared" / "datasets").is_dir():
        SHARED = _parent / "shared" / "datasets"
        break
APACHE_LOG = SHARED / "elastic-apache-logs" / "apache_logs"
BOT_LISTS = SHARED / "bot-user-agent-lists"
DATA = Path(str(resources.files("scrapeguard").joinpath("data")))
RANGES = DATA / "ranges"

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
RESIDENTIAL = "203.0.113.9"  # documentation range: in no published list


def _when(year: int, month: int, day: int) -> float:
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC).timestamp()


T2026 = _when(2026, 9, 1)
T2015 = _when(2015, 5, 18)


def _first_ipv4_of(file: str) -> str:
    doc = json.loads((RANGES / file).read_text(encoding="utf-8"))
    prefix = next(p["ipv4Prefix"] for p in doc["prefixes"] if "ipv4Prefix" in p)
    return str(ipaddress.ip_network(prefix).network_address + 1)


@pytest.fixture(autouse=True)
def _isolated_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    target = tmp_path / "overrides"
    monkeypatch.setenv("SCRAPEGUARD_RANGES_DIR", str(target))
    netranges.reload_network_data()
    yield target
    netranges.reload_network_data()


# --------------------------------------------------------------------------- verification


def test_real_googlebot_address_is_verified() -> None:
    ip = _first_ipv4_of("googlebot.json")
    verdict = classify_client(GOOGLEBOT, ip, T2026)
    assert verdict is not None
    assert verdict.status == VERIFIED
    assert (verdict.operator, verdict.crawler) == ("google", "Googlebot")
    assert verdict.reason == (
        "Googlebot from Google's published crawler ranges (googlebot.json, 2026-08-20)"
    )


def test_googlebot_from_a_residential_address_is_an_impostor() -> None:
    verdict = classify_client(GOOGLEBOT, RESIDENTIAL, T2026)
    assert verdict is not None and verdict.status == IMPOSTOR
    assert verdict.reason.startswith(f"claims to be Googlebot but {RESIDENTIAL} is outside")
    assert "googlebot.json" in verdict.reason and "2026-08-20" in verdict.reason


def test_ranges_far_from_the_event_are_not_evidence_either_way() -> None:
    outside = classify_client(GOOGLEBOT, RESIDENTIAL, T2015)
    assert outside is not None and outside.status == UNVERIFIABLE
    assert "stale" in outside.reason and RESIDENTIAL in outside.reason
    inside = classify_client(GOOGLEBOT, _first_ipv4_of("googlebot.json"), T2015)
    assert inside is not None and inside.status == UNVERIFIABLE
    assert "inside" in inside.reason and "stale" in inside.reason


def test_bing_list_is_dated_by_the_day_it_was_known_current_not_by_its_creation_time() -> None:
    """Bing's file says 2024-01-03 but was its current list on 2026-08-22 (the day of the
    copy): it verifies 2026 traffic, and goes stale a year after that day, not after 2024's."""
    inside, outside = "13.66.139.5", RESIDENTIAL
    assert getattr(classify_client(BINGBOT, inside, T2026), "status", None) == VERIFIED
    assert getattr(classify_client(BINGBOT, outside, T2026), "status", None) == IMPOSTOR
    late_2027 = _when(2027, 9, 1)
    for ip in (inside, outside):
        verdict = classify_client(BINGBOT, ip, late_2027)
        assert verdict is not None and verdict.status == UNVERIFIABLE, ip
        assert verdict.operator == "bing"
        assert "2026-08-22" in verdict.reason and "stale" in verdict.reason
        assert verdict.needs_ranges  # a current list would settle it
    assert not any(
        getattr(classify_client(BINGBOT, ip, T2026), "needs_ranges", True)
        for ip in (inside, outside)
    )


def test_max_age_is_configurable() -> None:
    verdict = classify_client(BINGBOT, RESIDENTIAL, _when(2028, 9, 1), max_age_days=1000)
    assert verdict is not None and verdict.status == IMPOSTOR
    strict = classify_client(GOOGLEBOT, RESIDENTIAL, _when(2026, 9, 30), max_age_days=7)
    assert strict is not None and strict.status == UNVERIFIABLE
    assert "more than 7 days" in strict.reason


def test_cached_verdicts_follow_the_event_clock() -> None:
    first = classify_client(GOOGLEBOT, RESIDENTIAL, T2026)
    assert classify_client(GOOGLEBOT, RESIDENTIAL, T2026) is first
    assert getattr(classify_client(GOOGLEBOT, RESIDENTIAL, T2015), "status", None) == UNVERIFIABLE
    assert classify_client(GOOGLEBOT, RESIDENTIAL, T2026) is first


def test_other_operators_verify_against_their_lists() -> None:
    cases = [
        ("Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)", "132.196.86.1",
         "openai", "GPTBot", _when(2026, 1, 10)),
        ("Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)", "216.73.216.5",
         "anthropic", "ClaudeBot", T2026),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
         "31.13.64.5", "meta", "facebookexternalhit", T2026),
        ("Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
         "17.241.208.161", "apple", "Applebot", T2026),
        ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", "4.144.182.50",
         "duckduckgo", "DuckDuckBot", T2026),
    ]  # fmt: skip
    for ua, ip, operator, crawler, when in cases:
        verdict = classify_client(ua, ip, when)
        assert verdict is not None, ua
        assert (verdict.status, verdict.operator, verdict.crawler) == (VERIFIED, operator, crawler)
        impostor = classify_client(ua, RESIDENTIAL, when)
        assert impostor is not None and impostor.status == IMPOSTOR, ua


def test_google_crawler_variants_and_feedly_comparison() -> None:
    image = classify_client("Googlebot-Image/1.0", RESIDENTIAL, T2026)
    assert image is not None and (image.crawler, image.status) == ("Googlebot-Image", IMPOSTOR)
    feedly = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)"
    verdict = classify_client(feedly, RESIDENTIAL, T2026)
    assert verdict is not None and verdict.operator != "google"
    assert verdict.status == UNVERIFIABLE


def test_crawler_without_published_ranges_is_unverifiable() -> None:
    verdict = classify_client(AHREFS, RESIDENTIAL, T2026)
    assert verdict == CrawlerVerdict(
        UNVERIFIABLE,
        "ahrefs",
        "AhrefsBot",
        "declares itself a crawler (AhrefsBot) of Ahrefs, which publishes no address ranges",
    )
    yandex = classify_client("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
                             "5.255.253.1", T2026)  # fmt: skip
    assert yandex is not None and yandex.status == UNVERIFIABLE and yandex.operator == "yandex"
    assert "reverse-DNS" in yandex.reason
    generic = classify_client("NewsAggregatorSpider/0.3", RESIDENTIAL, T2026)
    assert generic is not None and generic.status == UNVERIFIABLE
    assert generic.crawler == "NewsAggregatorSpider"
    assert "publishes no address ranges" in generic.reason


def test_invalid_address_with_a_crawler_claim_is_unverifiable() -> None:
    verdict = classify_client(GOOGLEBOT, "not-an-ip", T2026)
    assert verdict is not None and verdict.status == UNVERIFIABLE
    assert "not a valid IP address" in verdict.reason


def test_amazonbot_needs_a_user_supplied_list(tmp_path: Path, _isolated_overrides: Path) -> None:
    ua = "Mozilla/5.0 (compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)"
    before = classify_client(ua, "192.0.2.7", T2026)
    assert before is not None and before.status == UNVERIFIABLE
    assert "scrapeguard ranges update amazon FILE" in before.reason
    assert before.needs_ranges
    source = tmp_path / "amazonbot.json"
    source.write_text(json.dumps({"creationTime": "2026-08-30T00:00:00",
                                  "prefixes": [{"ip_prefix": "192.0.2.0/24"}]}))  # fmt: skip
    assert update_range_list("amazon", source) == 1
    after = classify_client(ua, "192.0.2.7", T2026)  # the default data reloads after an update
    assert after is not None and after.status == VERIFIED
    own = CrawlerVerifier(NetworkData(override_dir=_isolated_overrides))
    assert getattr(own.classify(ua, "198.51.100.1", T2026), "status", None) == IMPOSTOR


def test_verdict_is_a_frozen_dataclass() -> None:
    verdict = classify_client(AHREFS, RESIDENTIAL, T2026)
    assert verdict is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.status = VERIFIED  # type: ignore[misc]


# --------------------------------------------------------------------------- who is a crawler


def test_browser_is_not_a_crawler() -> None:
    assert classify_client(CHROME, RESIDENTIAL, T2026) is None
    assert not is_declared_bot(CHROME)
    assert match_bot_lists(CHROME) is None


@pytest.mark.parametrize(
    "ua",
    [
        "curl/8.5.0",
        "python-requests/2.31.0",
        "Go-http-client/2.0",
        "Java/17.0.9",
        "libwww-perl/6.72",
        "Scrapy/2.11.0 (+https://scrapy.org)",
        "Wget/1.21.4",
        "okhttp/4.12.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.0.0 Safari/537.36",
        "",
        "-",
    ],
)
def test_client_libraries_and_headless_browsers_are_tools_not_crawlers(ua: str) -> None:
    assert classify_client(ua, RESIDENTIAL, T2026) is None
    assert not is_declared_bot(ua)
    match = match_bot_lists(ua)
    assert match is not None and match.category == crawlers.CATEGORY_TOOL


def test_a_library_that_names_itself_a_bot_is_a_crawler() -> None:
    ua = "ExampleBot/1.0 (+https://example.org/bot) python-requests/2.31.0"
    assert is_declared_bot(ua)
    verdict = classify_client(ua, RESIDENTIAL, T2026)
    assert verdict is not None and verdict.crawler == "ExampleBot"


@pytest.mark.parametrize(
    "ua",
    [
        "AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)",
        "Mozilla/5.0 (Linux; Android 4.1.2; MotorolaRazrHD Build/9.8.2O-72_VZW-16) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/30.0 Mobile Safari/537.36",
        "Reeder/2.1.1 CFNetwork/672.0.8 Darwin/14.0.0",
    ],
)
def test_counter_substrings_found_in_real_clients_are_ambiguous(ua: str) -> None:
    assert classify_client(ua, RESIDENTIAL, T2026) is None
    match = match_bot_lists(ua)
    assert match is not None and match.category == crawlers.CATEGORY_AMBIGUOUS


def test_curated_counter_patterns_exist_in_the_shipped_list() -> None:
    shipped = {e["pattern"] for e in json.loads((DATA / "COUNTER_Robots_list.json").read_text())}
    assert shipped >= crawlers.COUNTER_TOOL_PATTERNS
    assert shipped >= crawlers.COUNTER_AMBIGUOUS_PATTERNS


def test_every_listed_crawler_instance_is_declared_and_gets_a_verdict() -> None:
    entries = json.loads((DATA / "crawler-user-agents.json").read_text(encoding="utf-8"))
    tool_tags = {"http-library", "browser-automation"}
    checked = 0
    for entry in entries:
        for ua in entry["instances"]:
            declared = is_declared_bot(ua)
            verdict = classify_client(ua, RESIDENTIAL, T2026)
            assert declared == (verdict is not None), ua
            if not set(entry["tags"]) <= tool_tags:
                assert declared, (entry["pattern"], ua)
                assert verdict is not None and verdict.reason
                checked += 1
    assert checked > 1500


def test_shipped_user_agent_lists_are_unedited_copies() -> None:
    if not BOT_LISTS.is_dir():
        pytest.skip(f"REFERENCE DATASET MISSING: {BOT_LISTS} not found; cannot compare copies")
    for name in ("crawler-user-agents.json", "COUNTER_Robots_list.json",
                 "LICENSE.crawler-user-agents", "LICENSE.COUNTER-Robots"):  # fmt: skip
        ours = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        theirs = hashlib.sha256((BOT_LISTS / name).read_bytes()).hexdigest()
        assert ours == theirs, name


# --------------------------------------------------------------------------- real data

_COMBINED = re.compile(
    r'^(?P<ip>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?:[^"\\]|\\.)*" \d{3} \S+ '
    r'"(?:[^"\\]|\\.)*" "(?P<ua>(?:[^"\\]|\\.)*)"'
)


def test_every_declared_bot_in_the_real_apache_log_gets_a_verdict() -> None:
    if not APACHE_LOG.is_file():
        pytest.skip(
            f"REAL-DATA TEST SKIPPED: {APACHE_LOG} is missing, so the declared-bot check on the "
            "Elastic Apache log did not run"
        )
    statuses: Counter[str] = Counter()
    declared = parsed = 0
    with APACHE_LOG.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = _COMBINED.match(line)
            if match is None:
                continue
            parsed += 1
            ua, ip = match["ua"], match["ip"]
            when = dt.datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
            verdict = classify_client(ua, ip, when)
            if is_declared_bot(ua):
                declared += 1
                assert verdict is not None, ua
                assert verdict.reason.strip(), ua
                statuses[verdict.status] += 1
            else:
                assert verdict is None, ua
    assert parsed >= 9990
    # ~20 % of the lines are declared crawlers (Googlebot, Bing, Yandex, feed readers, ...).
    assert 1800 <= declared <= 2300
    # May 2015 traffic against 2024-2026 range lists: nothing can be verified or refuted.
    assert statuses == {UNVERIFIABLE: declared}


# --------------------------------------------------------------------------- the fast matcher


@pytest.mark.parametrize(
    ("pattern", "needles"),
    [
        ("Googlebot\\/", ["googlebot/"]),
        ("Ahrefs(Bot|SiteAudit)", ["ahrefs"]),
        ("S[eE][mM]rushBot", ["rushbot"]),
        ("Automaton|Newsify Feed Fetcher", ["automaton", "newsify feed fetcher"]),
        ("^java\\/\\d{1,2}.\\d", ["java/"]),
        ("ab+c", ["ab"]),
        ("abcx?yz", ["abc"]),
        ("xy{2,3}zzz", ["zzz"]),
        ("ab\\x41cd", ["ab"]),
        ("(a|b)\\1xyz", ["xyz"]),
        ("^.?$", [""]),
    ],
)
def test_required_text_is_a_sound_prefilter(pattern: str, needles: list[str]) -> None:
    assert [crawlers._required_text(b) for b in crawlers._branches(pattern)] == needles


def test_every_pattern_match_contains_its_needle() -> None:
    """The prefilter never hides a real match: checked on every listed example user agent."""
    cua = json.loads((DATA / "crawler-user-agents.json").read_text(encoding="utf-8"))
    counter = json.loads((DATA / "COUNTER_Robots_list.json").read_text(encoding="utf-8"))
    samples = [ua for entry in cua for ua in entry["instances"]] + [CHROME, "", "-"]
    compiled = [(re.compile(e["pattern"]), e["pattern"]) for e in cua]
    compiled += [(re.compile(e["pattern"], re.I), e["pattern"]) for e in counter]
    for regex, pattern in compiled:
        needles = [crawlers._required_text(b) for b in crawlers._branches(pattern)]
        for ua in samples:
            if regex.search(ua):
                assert any(n in ua.lower() for n in needles), (pattern, ua)
                assert match_bot_lists(ua) is not None, ua
