"""The analyze summary: which actors the report lists."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from support import event, profiles, run

from scrapeguard.analyze import (
    _row,
    iso,
    replay,
    result_document,
    row_json,
    summarise_actors,
    write_result,
)
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.ingest import IngestStats
from scrapeguard.policy import Policy
from scrapeguard.state.actor import ActorState


def test_report_lists_flagged_actors_and_the_unflagged_that_saw_most_people() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    run(g, profiles(0, 400, ip="203.0.113.9", every=1.0))  # a harvester: flagged
    # Three people, each alone on their network, so address and network count alike. Their
    # browser is not the harvester's; the campaign of its signature is not listed unflagged.
    phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) Mobile/15E148"
    for n, ip in ((2, "198.51.100.1"), (5, "192.0.2.2"), (3, "100.70.0.3")):
        run(g, (event(5000 + i * 60, ip, f"/u/person{i}", user_agent=phone) for i in range(n)))
    assert any(s.campaign and s.pages == 10 for s in g.state)
    summary = summarise_actors(g, limit_unflagged=3)
    keys = [row["key"] for row in summary.rows()]
    assert keys[0] == "203.0.113.9"
    # The unflagged with most people: the harvester's network (400), then 5 and 5.
    assert set(keys[1:]) == {"203.0.113.0/24", "192.0.2.2", "192.0.2.0/24"}
    assert summary.flagged >= 1
    assert sum(summary.histogram) == len(g.state)


def test_flagged_actors_come_first_and_those_that_took_most_people_first() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    run(g, profiles(0, 400, ip="203.0.113.9", every=30.0))  # a harvester at a person's pace
    run(g, profiles(0, 60, ip="198.51.100.20", every=1.0, user_agent="curl/8.5.0"))
    listed = summarise_actors(g).listed
    harvester, script = listed[0], listed[1]
    assert (harvester.key, script.key) == ("ip:203.0.113.9", "ip:198.51.100.20")
    assert harvester.verdict != "allow" and script.verdict != "allow"
    # The script scored higher; the harvester took more people's data, which the report is for.
    assert script.peak > harvester.peak
    assert harvester.distinct_people > script.distinct_people
    assert all(s.verdict == "allow" for s in listed[2:])


def test_unflagged_actors_with_a_score_but_no_people_are_listed_up_to_the_limit() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    for n in range(10):  # client libraries asking for the home page: a score, nobody's data
        run(g, [event(100.0 + n, f"192.0.{n}.1", "/", user_agent="python-requests/2.32")])
    run(g, profiles(200, 5, ip="198.51.100.7"))  # a person
    assert not any(s.verdict != "allow" for s in g.state)
    everyone = summarise_actors(g).listed
    assert sum(s.peak > 0 for s in everyone) == 10  # each library is named, with its reason
    three = [s.key for s in summarise_actors(g, limit_unflagged=3).listed]
    # Most people first (the person, as an address and as a network), then the highest score.
    assert set(three[:2]) == {"ip:198.51.100.7", "net:198.51.100.0/24"}
    assert three[2].startswith("ip:192.0.")


def _written(guard: Guard) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    r = replay(guard, [])
    doc, actors = result_document(guard, r, IngestStats(), ["access.log"], 1.0)
    out = io.StringIO()
    write_result(out, doc, actors)
    return json.loads(out.getvalue()), list(actors.rows())


def test_the_json_document_holds_every_listed_actor_row_by_row() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    run(g, profiles(0, 400, ip="203.0.113.9", every=1.0))
    run(g, (event(5000.0 + i, f"192.0.2.{i}", f"/u/person{i}") for i in range(1, 30)))
    written, rows = _written(g)
    assert list(written) == [
        "version",
        "summary",
        "malformed_examples",
        "actors",
        "timeline",
        "score_histogram",
    ]
    assert written["actors"] == rows
    harvester = next(a for a in written["actors"] if a["key"] == "203.0.113.9")
    assert harvester["verdict"] != "allow" and harvester["subjects"] == 400
    assert written["actors"][0]["subjects"] >= 400  # who took the most comes first
    assert len(rows) > 20  # the harvester, its network, and the people who saw one profile
    assert written["summary"]["actors"] == len(g.state)


def test_the_json_document_of_an_empty_log_lists_no_actors() -> None:
    written, rows = _written(Guard(policy=Policy(), network=NoNetworkInfo()))
    assert written["actors"] == rows == []
    assert written["summary"]["first_event"] is None


@given(st.floats(min_value=-1e9, max_value=4e9, allow_nan=False))
def test_report_times_are_the_utc_second_they_fall_in(t: float) -> None:
    second = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=math.floor(t))
    expected = second.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert iso(t) == expected
    assert iso(t) == expected  # and again, once remembered


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)  # hostile logs: any text


@given(
    kind=st.sampled_from(["ip", "net", "fp", "account", "campaign", "other"]),
    value=_TEXT,
    verdict=st.sampled_from(["allow", "challenge", "block"]),
    bot=st.none() | _TEXT,
    numbers=st.tuples(*[st.integers(0, 10**9)] * 3),
    times=st.tuples(*[st.floats(0, 4e9)] * 2),
    reasons=st.lists(st.tuples(_TEXT, st.floats(0, 100), _TEXT), max_size=4),
)
def test_a_row_is_written_as_json_would_write_it(
    kind: str,
    value: str,
    verdict: str,
    bot: str | None,
    numbers: tuple[int, int, int],
    times: tuple[float, float],
    reasons: list[tuple[str, float, str]],
) -> None:
    s = ActorState(f"{kind}:{value}", times[0])
    s.verdict, s.bot, s.last = verdict, bot, times[1]
    s.peak, s.requests, s.distinct = numbers
    for rule, weight, reason in reasons:
        s.note_reason(rule, weight, reason)
    assert row_json(s) == json.dumps(_row(s))
