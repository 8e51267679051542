"""Tests of the self-contained HTML report of `scrapeguard analyze`."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from scrapeguard.report.html import MAX_CHART_ACTORS, MAX_TABLE_ROWS, render_html

HOSTILE = '<script>alert("x")</script>'


def _actor(i: int, **over: Any) -> dict[str, Any]:
    verdicts = ["block", "tarpit", "throttle", "challenge", "decoy", "allow", "require_login"]
    actor: dict[str, Any] = {
        "key": f"198.51.100.{i}",
        "kind": "ip",
        "score": max(0, 99 - i),
        "verdict": verdicts[i % len(verdicts)],
        "bot": None,
        "requests": 1000 - i,
        "subjects": 900 - 3 * i,
        "first_seen": "2025-05-17T10:05:03Z",
        "last_seen": "2025-05-18T02:00:00Z",
        "reasons": ["walks sequential ids in /api/v1/users", "no static assets"],
    }
    actor.update(over)
    return actor


def realistic() -> dict[str, Any]:
    """A result document as `scrapeguard analyze --json` writes it."""
    actors = [_actor(i) for i in range(60)]
    actors[1] = _actor(
        1,
        key="66.249.66.1",
        verdict="allow",
        bot="verified",
        reasons=["verified Googlebot (+http://www.google.com/bot.html)"],
    )
    actors[2] = _actor(2, key="acct:mallory", kind="account", verdict="shadow_ban", bot=None)
    actors[3] = _actor(3, key="203.0.113.0/24", kind="net", bot="impostor")
    buckets = 48 * 60  # two days of minutes: more buckets than bars
    return {
        "version": 1,
        "summary": {
            "lines": 1_000_000,
            "parsed": 999_950,
            "malformed": 50,
            "actors": 60,
            "flagged": 41,
            "seconds": 8.25,
            "sources": ["/var/log/nginx/access.log", "/var/log/nginx/access.log.1"],
            "first_event": "2025-05-17T00:00:01Z",
            "last_event": "2025-05-18T23:59:58Z",
            "people_disclosed": 123_456,
            "mode": "shadow",
        },
        "malformed_examples": [
            {"source": "/var/log/nginx/access.log", "line": 17, "reason": "no request line"},
            {"source": "/var/log/nginx/access.log", "line": 99, "reason": "bad date"},
        ],
        "actors": actors,
        "timeline": {
            "start": 1_747_440_000.0,
            "bucket_seconds": 60,
            "requests": [300 + (i % 97) for i in range(buckets)],
            "flagged": [100 + (i % 13) for i in range(buckets)],
            "people": [50 + (i % 7) for i in range(buckets)],
        },
        "score_histogram": [120, 40, 12, 6, 3, 2, 4, 5, 9, 30],
    }


def empty() -> dict[str, Any]:
    """The document of a run over logs with no events at all."""
    return {
        "version": 1,
        "summary": {
            "lines": 0,
            "parsed": 0,
            "malformed": 0,
            "actors": 0,
            "flagged": 0,
            "seconds": 0.0,
            "sources": [],
            "first_event": None,
            "last_event": None,
            "people_disclosed": 0,
            "mode": "shadow",
        },
        "malformed_examples": [],
        "actors": [],
        "timeline": {
            "start": 0.0,
            "bucket_seconds": 60,
            "requests": [],
            "flagged": [],
            "people": [],
        },
        "score_histogram": [0] * 10,
    }


class _Checker(HTMLParser):
    """Collects tags, script bodies and resource references; fails on unbalanced SVG/tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("svg", "table", "g", "ul", "details", "main"):
            self.stack.append(tag)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "table", "g", "ul", "details", "main"):
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
            self.stack.pop()
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text.append(data)


def parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def svgs(page: str) -> dict[str, str]:
    """Each inline SVG of the page by the id of its title."""
    found = {}
    for svg in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
        ident = re.search(r'<title id="([^"]+)-t">', svg)
        assert ident, svg[:200]
        found[ident.group(1)] = svg
    return found


def assert_offline(page: str) -> None:
    """No element of the page refers to anything outside it, and the policy forbids it too."""
    checker = parse(page)
    for tag, attrs in checker.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed", "image", "use"), tag
        for name, value in attrs.items():
            assert name not in ("src", "href", "xlink:href", "srcset", "action", "formaction")
            assert not name.startswith("on"), name
            assert not re.search(r"(?:https?:)?//", value or "") or name == "content", (name, value)
    style = re.search(r"<style>(.*?)</style>", page, flags=re.S)
    assert style and "url(" not in style.group(1) and "@import" not in style.group(1)
    assert re.search(r"http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';", page)
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', page)
    assert csp and "http" not in csp.group(1) and "unsafe-inline" not in csp.group(1)


def test_realistic_document_renders_a_complete_page() -> None:
    page = render_html(realistic())
    checker = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    tags = [t for t, _ in checker.tags]
    assert tags.count("title") >= 1 and "h1" in tags and tags.count("h2") >= 4
    assert re.search(r"<title>scrapeguard analysis: 41 flagged actors</title>", page)
    text = " ".join(checker.text)
    for figure in ("1,000,000", "999,950", "123,456", "shadow", "121,212 lines/s"):
        assert figure in text, figure
    assert "2025-05-17T00:00:01Z" in text and "2025-05-18T23:59:58Z" in text
    # Table: headers with scope, one row per actor up to the limit, verdicts as text.
    ths = [a for t, a in checker.tags if t == "th"]
    assert sum(1 for a in ths if a.get("scope") == "col") >= 11
    assert sum(1 for a in ths if a.get("scope") == "row") == 60
    assert "shadow_ban" in text and "verified" in text and "impostor" in text
    assert "acct:mallory" in text and "203.0.113.0/24" in text
    assert "no request line" in text and "Malformed lines" in text
    # The table sorts with the one inline script the policy allows, and nothing else runs.
    assert len(checker.scripts) == 1 and "sortable" in checker.scripts[0]
    assert_offline(page)


def test_three_charts_with_accessible_labels() -> None:
    page = render_html(realistic())
    charts = svgs(page)
    assert {"chart-requests", "chart-people", "chart-actors", "chart-scores"} <= set(charts)
    for svg in charts.values():
        assert 'role="img"' in svg and "aria-labelledby=" in svg and "<desc" in svg
    # Activity: 2,880 one-minute buckets are drawn as at most 240 bars per series.
    requests = charts["chart-requests"]
    assert "flagged requests" in requests and "Time (UTC)" in requests
    assert 200 <= requests.count("<rect") <= 2 * 240
    assert "one bar per 12 min" in requests
    assert "2025-05-17 00:00 UTC" in requests
    assert "people disclosed" in charts["chart-people"]
    # Top actors: horizontal bars labelled with number, verdict and score (never colour alone).
    top = charts["chart-actors"]
    assert top.count("<rect") == MAX_CHART_ACTORS
    assert "900 people · block · score 99" in top
    assert "66.249.66.1" in top and "allow" in top
    # Score histogram: ten bins with their ranges and counts.
    scores = charts["chart-scores"]
    assert scores.count("<rect") == 10
    for label in ("0–9", "50–59", "90–100", ">120<", ">30<"):
        assert label in scores, label


def test_hostile_strings_are_escaped() -> None:
    doc = realistic()
    doc["actors"][0] = _actor(
        0,
        key=HOSTILE,
        kind=HOSTILE,
        verdict=HOSTILE,
        bot=HOSTILE,
        first_seen=HOSTILE,
        reasons=[HOSTILE, 'user agent "><img src=x onerror=alert(1)>'],
    )
    doc["summary"]["sources"] = [HOSTILE]
    doc["summary"]["mode"] = HOSTILE
    doc["summary"]["first_event"] = HOSTILE
    doc["summary"]["crawler_ranges_needed"] = {HOSTILE: 3}
    doc["malformed_examples"] = [{"source": HOSTILE, "line": 3, "reason": HOSTILE}]
    page = render_html(doc)
    assert "<script>alert" not in page
    assert "<img" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    checker = parse(page)
    assert len(checker.scripts) == 1
    assert HOSTILE in " ".join(checker.text)  # shown to the reader as text
    # An unknown (here hostile) verdict still gets a colour and class of its own kind.
    assert 'class="sw v-other"' in page
    assert_offline(page)


@pytest.mark.parametrize(
    "doc",
    [empty(), {}, {"version": 1, "summary": {}, "actors": None, "timeline": None}],
    ids=["empty-run", "no-keys", "nulls"],
)
def test_empty_documents_render(doc: dict[str, Any]) -> None:
    page = render_html(doc)
    checker = parse(page)
    text = " ".join(checker.text)
    assert "No actors were seen." in text
    assert "No requests in the logs." in text
    assert "No actors were scored." in text
    assert "Malformed lines" not in text
    assert "<svg" not in page
    assert_offline(page)


def test_partial_timeline_and_single_bucket() -> None:
    doc = empty()
    doc["timeline"] = {
        "start": 1_747_440_000.0,
        "bucket_seconds": 3600,
        "requests": [5],
        "flagged": [],
        "people": [2],
    }
    doc["actors"] = [_actor(0, reasons=[], subjects=0)]
    doc["score_histogram"] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    page = render_html(doc)
    parse(page)
    charts = svgs(page)
    assert "one bar per 1 h" in charts["chart-requests"]
    assert "0 people · block · score 99" in charts["chart-actors"]


def test_table_is_capped_and_input_is_not_modified() -> None:
    doc = realistic()
    doc["actors"] = [_actor(i % 90, key=f"k{i}") for i in range(MAX_TABLE_ROWS + 50)]
    before = copy.deepcopy(doc)
    page = render_html(doc)
    assert doc == before
    rows = [a for t, a in parse(page).tags if t == "th" and a.get("scope") == "row"]
    assert len(rows) == MAX_TABLE_ROWS
    assert f"The first {MAX_TABLE_ROWS:,} of {MAX_TABLE_ROWS + 50:,} actors" in page
    doc["summary"]["actors"] = 134_960  # the result lists only the top of the actors it saw
    assert f"The first {MAX_TABLE_ROWS:,} of 134,960 actors" in render_html(doc)
