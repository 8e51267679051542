"""Property tests: events cross between processes unchanged, and the parallel reader yields
what the sequential one yields.

A user relies on `--jobs 2` giving exactly the events and counts of `--jobs 1` (docs/analyze.md),
for any log: text holding the hand-off's own unit separator or other control characters,
events with more than the ten core fields, malformed and blank lines, several sources.
"""

from __future__ import annotations

import gzip
import json
import pickle
from dataclasses import asdict
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapeguard.errors import ScrapeguardError
from scrapeguard.events import RequestEvent
from scrapeguard.ingest import IngestStats, read_events
from scrapeguard.ingest.handoff import UNIT, decode, encode
from scrapeguard.ingest.parallel import read_events_parallel

# Text heavy in the separator and its neighbours, or anything at all.
text = st.one_of(
    st.text(st.sampled_from([UNIT, "\x1e", "\x1d", "\x00", "\n", "a", "é", "\\", "-"]), max_size=6),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=15),
)
optional = st.one_of(st.none(), text)
events = st.builds(
    RequestEvent,
    time=st.floats(-1e10, 1e19, allow_nan=False, allow_infinity=False),
    ip=text, method=text, path=text, query=text,
    status=st.integers(0, 10**6), bytes=st.integers(0, 2**62),
    host=text, user_agent=text, referer=text,
    accept_language=optional, session=optional, device=optional, account=optional,
    tls_fingerprint=optional, extra=st.one_of(st.none(), st.dictionaries(text, text, max_size=2)),
)  # fmt: skip


@given(st.lists(events, max_size=25))
def test_handoff_carries_any_events_across_a_pipe(batch: list[RequestEvent]) -> None:
    sent = pickle.loads(pickle.dumps(encode(batch)))  # what a Pipe does to the batch
    got = decode(sent)
    assert [asdict(e) for e in got] == [asdict(e) for e in batch]
    assert [type(e.time) for e in got] == [float] * len(batch)


def json_line(second: int, agent: str, extra: str | None) -> str:
    entry = {"remote_addr": "203.0.113.7", "msec": second, "request": "GET /p HTTP/1.1",
             "status": 200, "http_user_agent": agent}  # fmt: skip
    if extra is not None:
        entry["upstream_addr"] = extra
    return json.dumps(entry)


line = st.one_of(
    st.tuples(st.integers(1_400_000_000, 1_400_000_030), text, st.one_of(st.none(), text)).map(
        lambda t: json_line(*t)
    ),
    st.sampled_from(["", "   ", "{not json", '{"remote_addr": "x"}']),
)


@given(st.lists(st.lists(line, max_size=12), min_size=1, max_size=3))
@settings(max_examples=25, deadline=None)
def test_the_parallel_reader_yields_what_the_sequential_one_yields(
    sources: list[list[str]],
) -> None:
    with TemporaryDirectory() as tmp:
        paths = []
        for k, lines in enumerate(sources):
            path = Path(tmp, f"access{k}.log")
            path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
            paths.append(str(path))
        alone, beside = IngestStats(), IngestStats()
        want = list(read_events(paths, "json", alone))
        got = list(read_events_parallel(paths, "json", beside))
    assert [asdict(e) for e in got] == [asdict(e) for e in want]
    assert beside == alone


@given(good=st.integers(0, 30), junk=st.binary(min_size=1, max_size=40))
@settings(max_examples=10, deadline=None)
def test_before_a_reader_error_the_same_events_arrive(good: int, junk: bytes) -> None:
    """A source that turns unreadable part-way (corrupt gzip after a good member): both readers
    yield the events read before it, then raise."""
    line = '203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 1 "-" "ua"\n'
    data = gzip.compress((line * good).encode()) + b"\x1f\x8b\xff" + junk  # no such method
    with TemporaryDirectory() as tmp:
        path = Path(tmp, "access.log.gz")
        path.write_bytes(data)
        results = []
        for read in (read_events, read_events_parallel):
            got: list[RequestEvent] = []
            with pytest.raises(ScrapeguardError, match="corrupt gzip"):
                got.extend(read([str(path)], "combined", IngestStats()))
            results.append([asdict(e) for e in got])
    assert results[0] == results[1]
    assert len(results[0]) == good
