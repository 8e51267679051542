"""Property tests: the reader splits any bytes into the lines a plain reference reads, and
several sources come out as `sorted()` of their events.

A user relies on every line of a file being read once, numbered from 1, with its bytes decoded
as UTF-8 with replacement characters and a leading byte order mark dropped, whatever the chunk
boundaries or gzip member boundaries; a line longer than `MAX_LINE_BYTES` *bytes* is skipped
and counted as malformed, and no shorter one is. Events from several time-ordered sources come
out merged by time, ties in the order of the sources given.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapeguard.ingest import IngestStats, read_events
from scrapeguard.ingest import reader as reader_module
from scrapeguard.ingest.reader import read_lines

BOM = b"\xef\xbb\xbf"


def reference_lines(data: bytes, limit: int) -> tuple[list[tuple[int, str]], list[int]]:
    """(number, text) of every kept line, and the numbers of the lines over `limit` bytes."""
    data = data.removeprefix(BOM)
    raw = data.split(b"\n")
    if raw[-1] == b"":
        raw.pop()
    kept = [(n, r.decode("utf-8", "replace")) for n, r in enumerate(raw, 1) if len(r) <= limit]
    return kept, [n for n, r in enumerate(raw, 1) if len(r) > limit]


line_bytes = st.one_of(
    st.binary(max_size=40),
    st.lists(
        st.sampled_from([b"a", b"\r", b"\xff", b"\xe2\x82", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80"]),
        max_size=30,
    ).map(b"".join),
).map(lambda b: b.replace(b"\n", b""))


def gzipped(data: bytes, cuts: list[int]) -> bytes:
    """`data` as gzip members split at `cuts` (concatenated members are one stream)."""
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return b"".join(gzip.compress(data[a:b]) for a, b in zip(points, points[1:], strict=False))


@given(
    bom=st.booleans(),
    lines=st.lists(line_bytes, max_size=12),
    final_newline=st.booleans(),
    chunk=st.integers(3, 64),
    limit=st.integers(1, 40),
    packed=st.one_of(st.none(), st.lists(st.integers(0, 2000), max_size=3)),
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_lines_are_those_a_plain_split_reads(
    monkeypatch: pytest.MonkeyPatch,
    bom: bool,
    lines: list[bytes],
    final_newline: bool,
    chunk: int,
    limit: int,
    packed: list[int] | None,
) -> None:
    data = (BOM if bom else b"") + b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    monkeypatch.setattr(reader_module, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(reader_module, "MAX_LINE_BYTES", limit)
    stats = IngestStats()
    with TemporaryDirectory() as tmp:
        path = Path(tmp, "access.log")
        path.write_bytes(data if packed is None else gzipped(data, packed))
        got = [
            (first + k, line) for first, batch in read_lines(str(path), stats)
            for k, line in enumerate(batch)
        ]  # fmt: skip
    kept, overlong = reference_lines(data, limit)
    assert got == kept
    assert (stats.lines, stats.malformed) == (len(overlong), len(overlong))
    assert [number for _, number, _ in stats.errors] == overlong[: IngestStats.MAX_ERRORS]


def test_a_line_of_hostile_bytes_under_the_limit_is_kept(tmp_path: Path) -> None:
    """With the real sizes: 0xff bytes decode to 3-byte replacement characters, which must not
    make a line that is under 1 MiB on disk count as overlong."""
    long_line = b"\xff" * (reader_module.MAX_LINE_BYTES - 100_000)
    data = b"a" * 200_000 + b"\n" + long_line + b"\n" + b"b\n" * 150_000
    path = tmp_path / "access.log"
    path.write_bytes(data)
    stats = IngestStats()
    got = [line for _, batch in read_lines(str(path), stats) for line in batch]
    assert stats.malformed == 0
    assert len(got) == 2 + 150_000 and len(got[1]) == len(long_line)


def clf(second: int, marker: str) -> str:
    stamp = datetime.fromtimestamp(second, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'203.0.113.7 - - [{stamp}] "GET {marker} HTTP/1.1" 200 1 "-" "ua"'


sources = st.lists(
    st.lists(st.integers(1_400_000_000, 1_400_000_040), max_size=15).map(sorted),
    min_size=1,
    max_size=4,
)


@given(times=sources, packed=st.lists(st.booleans(), min_size=4, max_size=4))
@settings(max_examples=100, deadline=None)
def test_several_sources_merge_as_sorted_would(times: list[list[int]], packed: list[bool]) -> None:
    with TemporaryDirectory() as tmp:
        paths = []
        for k, seconds in enumerate(times):
            text = "".join(clf(s, f"/s{k}/{i}") + "\n" for i, s in enumerate(seconds)).encode()
            path = Path(tmp, f"access.log.{k}")
            path.write_bytes(gzip.compress(text) if packed[k] else text)
            paths.append(str(path))
        stats = IngestStats()
        got = [(ev.time, ev.path) for ev in read_events(paths, "combined", stats)]
    expected = sorted(
        (
            (float(s), f"/s{k}/{i}")
            for k, seconds in enumerate(times)
            for i, s in enumerate(seconds)
        ),
        key=lambda pair: pair[0],
    )  # a stable sort: equal times keep source order, then line order
    assert got == expected
    assert stats.parsed == stats.lines == len(expected)
