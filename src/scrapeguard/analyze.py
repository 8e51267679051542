"""`scrapeguard analyze`: replay access logs through the engine on their own timestamps and
summarise who received whose data.

The replay drives the same `Guard` as inline traffic; only the clock differs (each event's own
time). The result is the document described in docs/analyze.md.
"""

from __future__ import annotations

import gc
import heapq
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any, Final, TextIO

from .engine import Decision, Guard
from .events import RequestEvent
from .policy import RANK
from .site import Access
from .state.actor import ActorState

RESULT_VERSION = 1
#: Seconds whose ISO text `iso` remembers (then it starts again): a day has 86,400.
MAX_ISO_SECONDS: Final = 100_000
_ISO_SECONDS: Final[dict[int, str]] = {}
MAX_BUCKETS = 240
BASE_BUCKET = 60
KINDS = {
    "ip": "ip",
    "net": "net",
    "fp": "fingerprint",
    "account": "account",
    "session": "session",
    "device": "device",
    "campaign": "campaign",
}


@dataclass
class Replay:
    """Counts gathered while replaying events, besides the actors' own state."""

    events: int = 0
    people: int = 0
    first: float | None = None
    last: float | None = None
    buckets: dict[int, list[int]] = field(default_factory=dict)


def replay(
    guard: Guard,
    events: Iterable[RequestEvent],
    progress: Callable[[int], None] | None = None,
    every: int = 50_000,
    each: Callable[[RequestEvent, Access, Decision], None] | None = None,
) -> Replay:
    """Feed `events` through `guard`, tallying activity per minute of event time; `each` is
    called with every event, what it touched and its decision (to keep them in a store)."""
    r = Replay()
    # Replay allocates millions of long-lived objects (actor states) and creates no reference
    # cycles; the cyclic collector would rescan them all again and again (40% of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        _replay(guard, events, progress, every, r, each)
    finally:
        gc.freeze()  # and keep the collector off them afterwards, while the report is built
        if enabled:
            gc.enable()
    return r


def _replay(
    guard: Guard,
    events: Iterable[RequestEvent],
    progress: Callable[[int], None] | None,
    every: int,
    r: Replay,
    each: Callable[[RequestEvent, Access, Decision], None] | None,
) -> None:
    buckets = r.buckets
    n = 0
    first = last = None
    b = [0, 0, 0]
    start = end = 0.0  # the minute `b` counts, as [start, end)
    for event, access, decision in guard.evaluate_all(events):
        if each is not None:
            each(event, access, decision)
        t = event.time
        if first is None or t < first:
            first = t
        if last is None or t > last:
            last = t
        if not start <= t < end:  # logs are in time order: the minute rarely changes
            minute = int(t // BASE_BUCKET)
            b = buckets.setdefault(minute, [0, 0, 0])
            start, end = float(minute * BASE_BUCKET), float((minute + 1) * BASE_BUCKET)
        b[0] += 1
        if decision.action != "allow":
            b[1] += 1
        b[2] += access.people
        n += 1
        if progress is not None and n % every == 0:
            progress(n)
    r.events, r.first, r.last = n, first, last
    r.people = sum(b[2] for b in buckets.values())


@dataclass
class ActorSummary:
    """What the report says about the actors, gathered in one pass over the state: the
    states it lists, in report order (their rows are made as they are read: a log of a
    million addresses has hundreds of thousands of rows), the score histogram, the number of
    flagged actors."""

    listed: list[ActorState]
    histogram: list[int]
    flagged: int

    def rows(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The rows of the listed actors (the first `limit` of them), in report order."""
        listed = self.listed if limit is None else self.listed[:limit]
        for s in listed:
            yield _row(s)


def summarise_actors(guard: Guard, limit_unflagged: int = 1000) -> ActorSummary:
    """Every flagged actor and declared bot, then at most `limit_unflagged` of the others: those
    that received the most people, then with the highest score (on a log of a million addresses,
    hundreds of thousands have some score: a hosting address, a client library); in report
    order (`_report_order`); the score histogram; the number of flagged actors."""
    chosen = []
    # A min-heap of the unflagged that received the most people, then scored highest.
    top: list[tuple[int, int, int, ActorState]] = []
    histogram = [0] * 10
    flagged = 0
    for i, s in enumerate(guard.state):
        histogram[min(s.peak // 10, 9)] += 1
        if s.verdict != "allow":
            flagged += 1
            chosen.append(s)
        elif s.bot:
            chosen.append(s)
        elif s.campaign:
            continue  # clients that merely look alike: a campaign matters once flagged
        elif s.distinct or s.peak:
            entry = (s.distinct, s.peak, i, s)
            if len(top) < limit_unflagged:
                heapq.heappush(top, entry)
            elif entry[:2] > top[0][:2]:
                heapq.heapreplace(top, entry)
    chosen += [s for *_, s in top]
    chosen.sort(key=_report_order)
    return ActorSummary(chosen, histogram, flagged)


def _report_order(s: ActorState) -> tuple[bool, int, int, int, str]:
    """Flagged actors first; then those that received the most people (what the report is
    for: who took whose data), the highest score, the strongest verdict, the key."""
    return (
        s.verdict == "allow",
        -s.distinct_people,
        -int(s.peak),
        -RANK.get(s.verdict, 0),
        s.key.partition(":")[2],
    )


def _row(s: Any) -> dict[str, Any]:
    kind, _, value = s.key.partition(":")
    return {
        "key": value,
        "kind": KINDS.get(kind, kind),
        "score": int(s.peak),
        "verdict": s.verdict,
        "bot": s.bot,
        "requests": s.requests,
        "subjects": s.distinct_people,
        "first_seen": iso(s.first),
        "last_seen": iso(s.last),
        "reasons": s.reasons(),
    }


def row_json(s: ActorState) -> str:
    """`json.dumps(_row(s))`, written directly: a report of a million addresses writes
    hundreds of thousands of rows, and the dictionaries cost more than the text."""
    kind, _, value = s.key.partition(":")
    bot = "null" if s.bot is None else _json_str(s.bot)
    reasons = ", ".join([_json_str(r) for r in s.reasons()])
    return (
        f'{{"key": {_json_str(value)}, "kind": {_json_str(KINDS.get(kind, kind))}, '
        f'"score": {int(s.peak)}, "verdict": {_json_str(s.verdict)}, "bot": {bot}, '
        f'"requests": {s.requests}, "subjects": {s.distinct_people}, '
        f'"first_seen": "{iso(s.first)}", "last_seen": "{iso(s.last)}", '
        f'"reasons": [{reasons}]}}'
    )


def result_document(
    guard: Guard, r: Replay, stats: Any, sources: list[str], seconds: float
) -> tuple[dict[str, Any], ActorSummary]:
    """The `--json` document (schema in docs/analyze.md) without its `actors`, and the
    summary its actor rows come from (`write_result` writes both)."""
    actors = summarise_actors(guard)
    doc = {
        "version": RESULT_VERSION,
        "summary": {
            "lines": stats.lines,
            "parsed": stats.parsed,
            "malformed": stats.malformed,
            "actors": guard.state.created,
            "flagged": actors.flagged,
            "seconds": round(seconds, 3),
            "sources": sources,
            "first_event": iso(r.first) if r.first is not None else None,
            "last_event": iso(r.last) if r.last is not None else None,
            "people_disclosed": r.people,
            "distinct_people": guard.state.known_people,
            "mode": guard.policy.mode,
            "crawler_ranges_needed": guard.needs_ranges(),
            "warnings": list(stats.warnings),
        },
        "malformed_examples": [
            {"source": src, "line": line, "reason": reason} for src, line, reason in stats.errors
        ],
        "actors": [],
        "timeline": timeline(r),
        "score_histogram": actors.histogram,
    }
    return doc, actors


def write_result(out: TextIO, doc: dict[str, Any], actors: ActorSummary) -> None:
    """Write the `--json` document: `doc` with every listed actor's row in `actors`, one
    row a line, each made, written and dropped in turn."""
    out.write("{")
    for i, (key, value) in enumerate(doc.items()):
        out.write(f'{"," if i else ""}\n "{key}": ')
        if key != "actors":
            out.write(json.dumps(value, indent=1).replace("\n", "\n "))
            continue
        out.write("[")
        for j, s in enumerate(actors.listed):
            out.write(",\n  " if j else "\n  ")
            out.write(row_json(s))
        out.write("\n ]" if actors.listed else "]")
    out.write("\n}")


def timeline(r: Replay) -> dict[str, Any]:
    """Requests, flagged requests and people disclosed per bucket (at most `MAX_BUCKETS`)."""
    if not r.buckets:
        return {
            "start": 0.0,
            "bucket_seconds": BASE_BUCKET,
            "requests": [],
            "flagged": [],
            "people": [],
        }
    lo, hi = min(r.buckets), max(r.buckets)
    span = hi - lo + 1
    factor = 1
    for step in (1, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 2880, 10080):
        factor = step
        if span / step <= MAX_BUCKETS:
            break
    size = -(-span // factor)
    series = [[0] * size for _ in range(3)]
    for minute, counts in r.buckets.items():
        i = (minute - lo) // factor
        for j in range(3):
            series[j][i] += counts[j]
    return {
        "start": float(lo * BASE_BUCKET),
        "bucket_seconds": BASE_BUCKET * factor,
        "requests": series[0],
        "flagged": series[1],
        "people": series[2],
    }


def iso(t: float) -> str:
    """An epoch time as ISO 8601 UTC (`2015-05-17T10:05:03Z`), written once per second: a
    report of many actors names the same seconds again and again."""
    if t < 0:
        return _iso(t)
    second = int(t)  # what gmtime keeps of a time after the epoch
    text = _ISO_SECONDS.get(second)
    if text is None:
        if len(_ISO_SECONDS) >= MAX_ISO_SECONDS:
            _ISO_SECONDS.clear()
        text = _ISO_SECONDS[second] = _iso(second)
    return text


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # a third of datetime's cost


def clock() -> float:
    """Monotonic seconds, for timing the run."""
    return time.perf_counter()
