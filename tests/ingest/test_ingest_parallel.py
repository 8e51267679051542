"""Reading in a second process gives exactly what reading in this one gives."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ingest_samples import CADDY_LINE, NGINX_LINE, clf_line

from scrapeguard.errors import ScrapeguardError
from scrapeguard.events import RequestEvent
from scrapeguard.ingest import IngestStats, read_events, read_events_parallel
from scrapeguard.ingest.base import UnreadableSource
from scrapeguard.ingest.handoff import decode, encode


def both(sources: list[str], fmt: str = "auto") -> tuple[list[RequestEvent], list[RequestEvent]]:
    serial_stats, parallel_stats = IngestStats(), IngestStats()
    serial = list(read_events(sources, fmt, serial_stats))
    parallel = list(read_events_parallel(sources, fmt, parallel_stats))
    assert parallel_stats == serial_stats
    return serial, parallel


def test_the_real_log_reads_the_same(apache_log_path: str) -> None:
    serial, parallel = both([apache_log_path])
    assert len(parallel) == 9999
    assert parallel == serial


def test_rotated_files_merge_the_same(tmp_path: Path) -> None:
    old = tmp_path / "access.log.1.gz"
    new = tmp_path / "access.log"
    with gzip.open(old, "wt") as fh:
        for s in range(0, 60, 2):
            fh.write(clf_line(stamp=f"17/May/2015:10:05:{s:02d} +0000") + "\n")
    new.write_text("".join(
        clf_line(ip="198.51.100.1", stamp=f"17/May/2015:10:05:{s:02d} +0000") + "\n"
        for s in range(1, 60, 2)
    ) + "garbage line\n")  # fmt: skip
    serial, parallel = both([str(new), str(old)], "combined")
    assert parallel == serial and len(parallel) == 60


def test_events_with_more_than_the_core_fields_travel_whole(tmp_path: Path) -> None:
    log = tmp_path / "caddy.log"
    hostile = clf_line(agent="evil\\x1fagent\\x1erecord")  # separators after unescaping
    log.write_text(CADDY_LINE + "\n")
    serial, parallel = both([str(log)])
    assert parallel == serial and parallel[0].headers
    log2 = tmp_path / "mixed.log"
    log2.write_text(NGINX_LINE + "\n" + hostile + "\n" + clf_line(request="-") + "\n")
    serial, parallel = both([str(log2)], "combined")
    assert parallel == serial
    assert parallel[1].user_agent == "evil\x1fagent\x1erecord"
    assert parallel[2].extra == {"request": "-"}


def test_an_unreadable_file_is_reported_before_any_process_starts(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSource):
        read_events_parallel([str(tmp_path / "missing.log")])


def test_a_reader_failure_reaches_the_caller(tmp_path: Path) -> None:
    log = tmp_path / "noise.log"
    log.write_text("not a log line at all\n" * 50)
    with pytest.raises(ScrapeguardError, match="cannot detect the log format"):
        list(read_events_parallel([str(log)]))


def test_stopping_early_ends_the_reader(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_text(
        "".join(clf_line(ip=f"10.0.{i >> 8 & 255}.{i & 255}") + "\n" for i in range(50_000))
    )
    events = read_events_parallel([str(log)], "combined")
    first = [next(events) for _ in range(10)]
    events.close()  # type: ignore[attr-defined]
    assert len(first) == 10


text = st.text(st.characters(codec="utf-8"), max_size=30)


@given(st.lists(st.builds(
    RequestEvent, st.floats(0, 4e9, allow_nan=False), text, text, text, text,
    st.integers(100, 599), st.integers(0, 2**40), text, text, text,
), max_size=20))  # fmt: skip
def test_handoff_round_trips_any_event(events: list[RequestEvent]) -> None:
    assert decode(encode(events)) == events
