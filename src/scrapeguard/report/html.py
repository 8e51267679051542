"""Render the result of `scrapeguard analyze` as one self-contained HTML page.

The page is read offline by a trust & safety team: it loads nothing from anywhere (no external
scripts, styles, fonts or images, and a Content-Security-Policy that forbids them), draws its
charts as inline SVG, and sorts its table with a few lines of inline script whose hash is the
only script the policy allows. Every string that came from a log (keys, reasons, sources,
malformed-line reasons) is attacker-controlled and is escaped before it is written.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

__all__ = ["render_html", "verdict_colour", "MAX_TABLE_ROWS", "MAX_CHART_ACTORS"]

MAX_TABLE_ROWS = 200
"""At most this many actors are listed in the table (the first of the result's list: flagged
actors first, those that received the most people first)."""

MAX_CHART_ACTORS = 20
"""At most this many actors are drawn in the top-actors chart."""

_MAX_BARS = 240
_KEY_CHARS = 38

# Each colour has a contrast of at least 4.5:1 against white, and every mark that uses one also
# carries its verdict or series as text.
_VERDICT_COLOURS: dict[str, str] = {
    "allow": "#1b6e34",
    "challenge": "#7a5a00",
    "throttle": "#a14a00",
    "degrade": "#6a3d9a",
    "decoy": "#0b6384",
    "tarpit": "#6d4420",
    "block": "#b00020",
    "require_login": "#1f4e9c",
}
_OTHER_COLOUR = "#4d4d4d"
_ALL_COLOUR = "#6b7785"
_FLAGGED_COLOUR = "#b00020"
_PEOPLE_COLOUR = "#1f4e9c"
_HIST_COLOUR = "#3b4a8c"

_STYLE = (
    """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1280px;padding:1rem 1.5rem;color:#1a1a1a;background:#fff;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
.sub{color:#444;margin-top:0}
dl.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.5rem}
dl.figs div{border:1px solid #ccc;border-radius:4px;padding:.4rem .6rem}
dl.figs dt{font-size:.8rem;color:#444}dl.figs dd{margin:0;font-size:1.3rem;font-weight:600}
svg{max-width:100%;height:auto;display:block}
svg text{font-family:inherit;font-size:12px;fill:#1a1a1a}
svg text.mono,.mono{font-family:ui-monospace,Menlo,Consolas,monospace}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem;margin:.3rem 0}
.sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em;
border:1px solid #1a1a1a}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#f0f0f0;position:sticky;top:0}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;
color:inherit;text-align:inherit}
th button:focus{outline:2px solid #1f4e9c}
th.key{font-weight:normal;overflow-wrap:anywhere;min-width:9rem;max-width:22rem}
.wrap{overflow-x:auto}td.vd{white-space:nowrap}td.rs{min-width:14rem}
td ul{margin:0;padding-left:1.1rem}
details{margin:.5rem 0}.note{color:#444;font-size:.9rem}
"""
    + "".join(f".v-{name}{{background:{colour}}}" for name, colour in _VERDICT_COLOURS.items())
    + f".v-other{{background:{_OTHER_COLOUR}}}.v-all{{background:{_ALL_COLOUR}}}"
    + f".v-flagged{{background:{_FLAGGED_COLOUR}}}.v-people{{background:{_PEOPLE_COLOUR}}}"
)

_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (t) {
  t.querySelectorAll("thead th button").forEach(function (b) {
    b.addEventListener("click", function () {
      var th = b.parentNode, col = th.cellIndex, body = t.tBodies[0];
      var asc = th.getAttribute("aria-sort") !== "ascending";
      t.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var num = th.classList.contains("n");
      var val = function (r) {
        var c = r.cells[col]; return c.hasAttribute("data-v") ? c.getAttribute("data-v")
          : c.textContent;
      };
      Array.from(body.rows).sort(function (x, y) {
        var a = val(x), z = val(y);
        var d = num ? parseFloat(a) - parseFloat(z) : a.localeCompare(z);
        return asc ? d : -d;
      }).forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


_CSP = (
    "default-src 'none'; img-src data:; "
    f"style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(_SCRIPT)}; "
    "base-uri 'none'; form-action 'none'"
)


def verdict_colour(verdict: str) -> str:
    """Return the chart colour of a verdict label (a dark grey for labels it does not know)."""
    return _VERDICT_COLOURS.get(verdict, _OTHER_COLOUR)


def _e(value: object) -> str:
    """Escape any value for use in HTML text or a quoted attribute."""
    return escape(str(value), quote=True)


def _num(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(value if value is not None else "–")
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return int(value)
    return 0


def _ints(values: object) -> list[int]:
    if not isinstance(values, list | tuple):
        return []
    return [max(0, _int(v)) for v in values]


def _clip(text: str, limit: int = _KEY_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _utc(epoch: float) -> str:
    try:
        return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return "?"


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _nice_max(value: int) -> int:
    """Round a positive maximum up to 1, 2 or 5 times a power of ten (for the axis)."""
    if value <= 0:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _svg_open(width: int, height: int, ident: str, title: str, desc: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{_e(title)}</title>'
        f'<desc id="{ident}-d">{_e(desc)}</desc>'
    )


def _y_axis(left: int, top: int, width: int, height: int, top_value: int) -> str:
    """Gridlines and labels at 0, half and the top of a vertical axis."""
    parts = []
    for frac in (0.0, 0.5, 1.0):
        y = top + height - frac * height
        parts.append(
            f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_num(int(top_value * frac))}</text>"
        )
    return "".join(parts)


def _rebucket(series: Sequence[list[int]], bucket: int) -> tuple[list[list[int]], int]:
    """Merge neighbouring buckets so that no series has more than `_MAX_BARS` bars."""
    length = max((len(s) for s in series), default=0)
    factor = max(1, math.ceil(length / _MAX_BARS))
    merged = []
    for values in series:
        padded = values + [0] * (length - len(values))
        merged.append([sum(padded[i : i + factor]) for i in range(0, length, factor)])
    return merged, bucket * factor


def _bar_chart(
    ident: str,
    title: str,
    desc: str,
    layers: list[tuple[list[int], str, str]],
    start: float,
    bucket: int,
) -> str:
    """Vertical bars over time; each layer (values, colour, name) is drawn over the previous."""
    width, height, left, top, plot_h = 960, 230, 70, 12, 170
    plot_w = width - left - 12
    count = max((len(v) for v, _, _ in layers), default=0)
    top_value = _nice_max(max((max(v, default=0) for v, _, _ in layers), default=0))
    parts = [
        _svg_open(width, height, ident, title, desc),
        _y_axis(left, top, plot_w, plot_h, top_value),
    ]
    slot = plot_w / max(count, 1)
    gap = 0.15 * slot if slot >= 3 else 0.0
    for values, colour, name in layers:
        parts.append(f'<g fill="{colour}" aria-label="{_e(name)}">')
        for i, value in enumerate(values):
            if value <= 0:
                continue
            bar_h = value / top_value * plot_h
            x = left + i * slot + gap / 2
            label = f"{_utc(start + i * bucket)}: {value:,} {name}"
            parts.append(
                f'<rect x="{x:.2f}" y="{top + plot_h - bar_h:.2f}" width="{slot - gap:.2f}" '
                f'height="{bar_h:.2f}"><title>{_e(label)}</title></rect>'
            )
        parts.append("</g>")
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" stroke="#1a1a1a"/>'
    )
    ticks = min(5, count)
    for k in range(ticks):
        i = round(k * (count - 1) / max(ticks - 1, 1)) if count > 1 else 0
        x = left + (i + 0.5) * slot
        anchor = "start" if k == 0 else "end" if k == ticks - 1 and ticks > 1 else "middle"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 5}" stroke="#1a1a1a"/>'
            f'<text x="{x:.1f}" y="{base + 20}" text-anchor="{anchor}">'
            f"{_e(_utc(start + i * bucket))}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle">'
        f"Time (UTC), one bar per {_e(_duration(bucket))}</text></svg>"
    )
    return "".join(parts)


def _legend(items: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<li><span class="sw {css}" aria-hidden="true"></span>{_e(name)}</li>'
        for name, css in items
    )
    return f'<ul class="legend">{cells}</ul>'


def _timeline(result: dict[str, Any]) -> str:
    timeline = result.get("timeline") or {}
    requests = _ints(timeline.get("requests"))
    flagged = _ints(timeline.get("flagged"))
    people = _ints(timeline.get("people"))
    start = float(timeline.get("start") or 0.0)
    bucket = max(1, _int(timeline.get("bucket_seconds")) or 60)
    if not any(requests) and not any(flagged) and not any(people):
        return '<h2 id="activity">Activity over time</h2><p>No requests in the logs.</p>'
    (requests, flagged, people), bucket = _rebucket([requests, flagged, people], bucket)
    total, bad, disclosed = sum(requests), sum(flagged), sum(people)
    share = f"{bad / total:.1%}" if total else "0%"
    req_chart = _bar_chart(
        "chart-requests",
        "Requests over time: all requests and requests from flagged actors",
        f"{total:,} requests in {len(requests)} buckets of {_duration(bucket)}; {bad:,} "
        f"({share}) came from flagged actors. Grey bars: all requests; red bars drawn over "
        "them: requests from flagged actors.",
        [(requests, _ALL_COLOUR, "requests"), (flagged, _FLAGGED_COLOUR, "flagged requests")],
        start,
        bucket,
    )
    people_chart = _bar_chart(
        "chart-people",
        "People disclosed over time",
        f"{disclosed:,} disclosures of people's data in {len(people)} buckets of "
        f"{_duration(bucket)}.",
        [(people, _PEOPLE_COLOUR, "people disclosed")],
        start,
        bucket,
    )
    rows = "".join(
        f'<tr><td>{_e(_utc(start + i * bucket))}</td><td class="n">{r:,}</td>'
        f'<td class="n">{f:,}</td><td class="n">{p:,}</td></tr>'
        for i, (r, f, p) in enumerate(zip(requests, flagged, people, strict=True))
        if r or f or p
    )
    return (
        '<h2 id="activity">Activity over time</h2>'
        "<h3>Requests</h3>"
        + _legend([("All requests", "v-all"), ("Requests from flagged actors", "v-flagged")])
        + req_chart
        + "<h3>People disclosed</h3>"
        + _legend([("People disclosed", "v-people")])
        + people_chart
        + "<details><summary>Activity as a table</summary><table><thead><tr>"
        '<th scope="col">Bucket start</th><th scope="col" class="n">Requests</th>'
        '<th scope="col" class="n">Flagged requests</th>'
        '<th scope="col" class="n">People disclosed</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )


def _verdict_class(verdict: str) -> str:
    return f"v-{verdict}" if verdict in _VERDICT_COLOURS else "v-other"


def _actors_chart(actors: list[dict[str, Any]]) -> str:
    shown = actors[:MAX_CHART_ACTORS]
    row_h, left, label_w = 24, 300, 240
    width = 960
    plot_w = width - left - label_w
    height = 30 + row_h * len(shown)
    top_value = max((_int(a.get("subjects")) for a in shown), default=0) or 1
    verdicts = sorted({str(a.get("verdict", "")) for a in shown})
    parts = [
        _svg_open(
            width,
            height,
            "chart-actors",
            f"People disclosed to the top {len(shown)} actors",
            "Horizontal bars, one per actor in order of score, as long as the number of people "
            "whose data the actor was shown; each bar is labelled with the number, the verdict "
            "and the score.",
        )
    ]
    for i, actor in enumerate(shown):
        y = 20 + i * row_h
        key = str(actor.get("key", ""))
        verdict = str(actor.get("verdict", ""))
        subjects = _int(actor.get("subjects"))
        score = _int(actor.get("score"))
        bar_w = max(subjects / top_value * plot_w, 1.0 if subjects else 0.0)
        label = f"{subjects:,} people · {verdict} · score {score}"
        parts.append(
            f'<g aria-label="{_e(key)}: {_e(label)}">'
            f'<text class="mono" x="{left - 8}" y="{y + 15}" text-anchor="end">'
            f"<title>{_e(key)}</title>{_e(_clip(key))}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{bar_w:.2f}" height="{row_h - 7}" '
            f'fill="{verdict_colour(verdict)}"><title>{_e(key)}: {_e(label)}</title></rect>'
            f'<text x="{left + bar_w + 6:.2f}" y="{y + 15}">{_e(label)}</text></g>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="16" y2="{height - 8}" stroke="#1a1a1a"/>'
        f'<text x="{left}" y="12">People disclosed →</text></svg>'
    )
    legend = _legend([(v or "(none)", _verdict_class(v)) for v in verdicts])
    return legend + "".join(parts)


def _actors_table(actors: list[dict[str, Any]], total: int) -> str:
    shown = actors[:MAX_TABLE_ROWS]
    total = max(total, len(actors))
    note = (
        f'<p class="note">The first {len(shown):,} of {total:,} actors: flagged ones first, '
        "those that received the most people first. "
        "Select a column heading to sort by it.</p>"
    )
    heads = [
        ("#", True),
        ("Key", False),
        ("Kind", False),
        ("Verdict", False),
        ("Bot", False),
        ("Score", True),
        ("Requests", True),
        ("People disclosed", True),
        ("First seen", False),
        ("Last seen", False),
        ("Reasons", False),
    ]
    head = "".join(
        '<th scope="col"'
        + (' class="n"' if numeric else "")
        + f'><button type="button">{name}</button></th>'
        for name, numeric in heads
    )
    rows = []
    for rank, actor in enumerate(shown, 1):
        verdict = str(actor.get("verdict", ""))
        reasons = actor.get("reasons") or []
        if not isinstance(reasons, list):
            reasons = [reasons]
        reason_html = (
            "<ul>" + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>" if reasons else ""
        )
        bot = actor.get("bot")
        score, requests, subjects = (_int(actor.get(k)) for k in ("score", "requests", "subjects"))
        rows.append(
            f'<tr><td class="n">{rank}</td>'
            f'<th scope="row" class="key mono">{_e(actor.get("key", ""))}</th>'
            f"<td>{_e(actor.get('kind', ''))}</td>"
            f'<td class="vd" data-v="{_e(verdict)}"><span class="sw {_verdict_class(verdict)}" '
            f'aria-hidden="true"></span>{_e(verdict)}</td>'
            f"<td>{_e(bot) if bot else '–'}</td>"
            f'<td class="n" data-v="{score}">{score}</td>'
            f'<td class="n" data-v="{requests}">{requests:,}</td>'
            f'<td class="n" data-v="{subjects}">{subjects:,}</td>'
            f'<td class="ts">{_e(actor.get("first_seen", ""))}</td>'
            f'<td class="ts">{_e(actor.get("last_seen", ""))}</td>'
            f'<td class="rs">{reason_html}</td></tr>'
        )
    return (
        note
        + '<div class="wrap"><table class="sortable"><caption>Top actors</caption>'
        + f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _histogram(result: dict[str, Any]) -> str:
    counts = (_ints(result.get("score_histogram")) + [0] * 10)[:10]
    total = sum(counts)
    if not total:
        return '<h2 id="scores">Score distribution</h2><p>No actors were scored.</p>'
    width, height, left, top, plot_h = 960, 250, 70, 20, 180
    plot_w = width - left - 12
    top_value = _nice_max(max(counts))
    labels = [f"{10 * i}–{10 * i + 9}" for i in range(9)] + ["90–100"]
    parts = [
        _svg_open(
            width,
            height,
            "chart-scores",
            "Score distribution of actors",
            f"Histogram of {total:,} actors in ten score bins: "
            + "; ".join(f"{lab}: {c:,}" for lab, c in zip(labels, counts, strict=True)),
        ),
        _y_axis(left, top, plot_w, plot_h, top_value),
    ]
    slot = plot_w / 10
    base = top + plot_h
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        bar_h = count / top_value * plot_h
        x = left + i * slot + 6
        parts.append(
            f'<g aria-label="score {label}: {count:,} actors">'
            f'<rect x="{x:.1f}" y="{base - bar_h:.2f}" width="{slot - 12:.1f}" '
            f'height="{bar_h:.2f}" fill="{_HIST_COLOUR}"><title>score {label}: {count:,} actors'
            f'</title></rect><text x="{x + (slot - 12) / 2:.1f}" y="{base - bar_h - 4:.2f}" '
            f'text-anchor="middle">{count:,}</text>'
            f'<text x="{x + (slot - 12) / 2:.1f}" y="{base + 18}" text-anchor="middle">'
            f"{label}</text></g>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" stroke="#1a1a1a"/>'
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle">'
        "Score (0 = surely a person, 100 = surely a scraper); bar height: number of actors"
        "</text></svg>"
    )
    return '<h2 id="scores">Score distribution</h2>' + "".join(parts)


def _warnings(result: dict[str, Any]) -> str:
    warnings = (result.get("summary") or {}).get("warnings") or []
    items = "".join(f"<li>{_e(w)}</li>" for w in warnings if isinstance(w, str))
    if not items:
        return ""
    return f'<h2 id="warnings">Input warnings</h2><ul>{items}</ul>'


def _malformed(result: dict[str, Any]) -> str:
    examples = result.get("malformed_examples") or []
    if not examples:
        return ""
    rows = "".join(
        f'<tr><td class="mono">{_e(ex.get("source", ""))}</td>'
        f'<td class="n">{_num(ex.get("line", ""))}</td><td>{_e(ex.get("reason", ""))}</td></tr>'
        for ex in examples
        if isinstance(ex, dict)
    )
    malformed = _int((result.get("summary") or {}).get("malformed"))
    return (
        '<h2 id="malformed">Malformed lines</h2>'
        f"<p>{malformed:,} lines could not be read; the first {len(examples):,} are listed.</p>"
        '<table><thead><tr><th scope="col">Source</th><th scope="col" class="n">Line</th>'
        f'<th scope="col">Reason</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _summary(result: dict[str, Any]) -> str:
    summary = result.get("summary") or {}
    lines = _int(summary.get("lines"))
    seconds = summary.get("seconds")
    rate = (
        f"{lines / seconds:,.0f} lines/s"
        if isinstance(seconds, int | float) and seconds > 0
        else "–"
    )
    figures = [
        ("Lines read", _num(summary.get("lines", 0))),
        ("Parsed", _num(summary.get("parsed", 0))),
        ("Malformed", _num(summary.get("malformed", 0))),
        ("Actors", _num(summary.get("actors", 0))),
        ("Flagged actors", _num(summary.get("flagged", 0))),
        ("People disclosed", _num(summary.get("people_disclosed", 0))),
        *(
            [("Distinct people", _num(summary["distinct_people"]))]
            if "distinct_people" in summary
            else []
        ),
        ("Mode", _e(summary.get("mode", "–"))),
        ("Analysis time", f"{_num(seconds)} s" if seconds is not None else "–"),
        ("Speed", rate),
    ]
    cells = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in figures)
    sources = summary.get("sources") or []
    if not isinstance(sources, list):
        sources = [sources]
    first, last = summary.get("first_event"), summary.get("last_event")
    span = f"Events from {_e(first)} to {_e(last)}." if first and last else "No events were read."
    mode_note = (
        " In shadow mode verdicts are only recorded; nothing was enforced."
        if summary.get("mode") == "shadow"
        else ""
    )
    source_list = "".join(f'<li class="mono">{_e(s)}</li>' for s in sources)
    needed = summary.get("crawler_ranges_needed") or {}
    unverified = (
        "<p>Declared crawlers judged like any client, unverified: their operators' published "
        "address lists are missing or dated too far from these requests: "
        + ", ".join(f"{_e(name)} ({_num(n)} requests)" for name, n in needed.items())
        + ". <code>scrapeguard ranges update NAME FILE</code> installs a list of the "
        "traffic's time.</p>"
        if isinstance(needed, dict) and needed
        else ""
    )
    return (
        f'<p class="sub">{span}{mode_note}</p>'
        f'<h2 id="summary">Summary</h2><dl class="figs">{cells}</dl>{unverified}'
        + (
            f"<details><summary>{len(sources):,} log source{'s' if len(sources) != 1 else ''}"
            f"</summary><ul>{source_list}</ul>"
            "</details>"
            if sources
            else ""
        )
    )


def render_html(result: dict[str, Any]) -> str:
    """Return a complete, self-contained HTML page reporting an analyze `result` document.

    `result` is the document `scrapeguard analyze --json` writes (version 1): `summary`,
    `malformed_examples`, `actors` (in report order), `timeline` and `score_histogram`. Missing or
    empty parts are reported as such rather than failing. The page makes no network request.
    """
    actors = [a for a in (result.get("actors") or []) if isinstance(a, dict)]
    if actors:
        total = _int((result.get("summary") or {}).get("actors"))
        actors_html = _actors_chart(actors) + _actors_table(actors, total)
    else:
        actors_html = "<p>No actors were seen.</p>"
    flagged = _int((result.get("summary") or {}).get("flagged"))
    title = f"scrapeguard analysis: {flagged:,} flagged actors"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        "<header><h1>scrapeguard: who harvested whose profiles</h1></header><main>"
        + _summary(result)
        + _timeline(result)
        + f'<h2 id="actors">Top actors</h2>{actors_html}'
        + _histogram(result)
        + _warnings(result)
        + _malformed(result)
        + f"</main><script>{_SCRIPT}</script></body></html>\n"
    )
