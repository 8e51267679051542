"""read_events: plain, gzip and stdin sources, time-ordered merging, stats and errors."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from ingest_samples import CADDY_LINE, COMMON_LINE, NGINX_LINE, clf_line

from scrapeguard.errors import ScrapeguardError
from scrapeguard.ingest import (
    COMBINED,
    IngestStats,
    UnknownLogFormat,
    UnreadableSource,
    read_events,
    read_lines,
)
from scrapeguard.ingest import reader as reader_module

SRC = str(Path(__file__).resolve().parents[2] / "src")


def stamp(second: int) -> str:
    minute, sec = divmod(second, 60)
    return f"17/May/2015:10:{minute:02d}:{sec:02d} +0000"


def lines_for(seconds: range, ip: str = "203.0.113.7") -> list[str]:
    return [clf_line(ip=ip, stamp=stamp(s), request=f"GET /p/{s} HTTP/1.1") for s in seconds]


def write(path: Path, lines: list[str], *, compress: bool = False, newline: str = "\n") -> str:
    data = (newline.join(lines) + newline).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return str(path)


def test_plain_file_and_stats(tmp_path: Path) -> None:
    path = write(tmp_path / "access.log", lines_for(range(5)))
    stats = IngestStats()
    events = list(read_events([path], stats=stats))
    assert [e.path for e in events] == [f"/p/{s}" for s in range(5)]
    assert (stats.lines, stats.parsed, stats.malformed, stats.blank) == (5, 5, 0, 0)
    assert stats.bytes_read == os.path.getsize(path)
    assert stats.formats == {path: "combined"}


def test_gzip_detected_by_magic_not_name(tmp_path: Path) -> None:
    lines = lines_for(range(4))
    for name in ("access.log.2.gz", "access.log.2"):
        path = write(tmp_path / name, lines, compress=True)
        stats = IngestStats()
        assert len(list(read_events([path], stats=stats))) == 4
        assert stats.bytes_read == os.path.getsize(path) and not stats.warnings
    plain_named_gz = write(tmp_path / "plain.gz", lines)
    assert len(list(read_events([plain_named_gz]))) == 4


def test_multi_member_gzip_and_small_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_module, "CHUNK_BYTES", 7)
    lines = lines_for(range(30))
    data = gzip.compress(("\n".join(lines[:10]) + "\n").encode())
    data += gzip.compress(("\n".join(lines[10:]) + "\n").encode())
    path = tmp_path / "multi.gz"
    path.write_bytes(data)
    events = list(read_events([str(path)], "combined"))
    assert [e.path for e in events] == [f"/p/{s}" for s in range(30)]
    plain = write(tmp_path / "plain", lines)
    assert [e.path for e in read_events([plain], "combined")] == [e.path for e in events]


def test_truncated_and_corrupt_gzip(tmp_path: Path) -> None:
    data = gzip.compress(("\n".join(lines_for(range(50))) + "\n").encode())
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(data[: len(data) // 2])
    stats = IngestStats()
    list(read_events([str(truncated)], "combined", stats))
    assert any("truncated" in w for w in stats.warnings)
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(data[:12] + b"\xff" * 40 + data[52:])
    with pytest.raises(UnreadableSource, match="corrupt.gz"):
        list(read_events([str(corrupt)], "combined"))


def test_stdin_bytes_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    data = ("\n".join(lines_for(range(3))) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    stats = IngestStats()
    assert len(list(read_events(["-"], stats=stats))) == 3
    assert stats.formats == {"<stdin>": "combined"}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(data))))
    assert len(list(read_events(["-"]))) == 3


def test_stdin_subprocess() -> None:
    code = (
        "from scrapeguard.ingest import read_events, IngestStats\n"
        "s = IngestStats()\n"
        "print(sum(1 for _ in read_events(['-'], stats=s)), s.malformed)\n"
    )
    data = ("\n".join(lines_for(range(7)) + ["junk"]) + "\n").encode()
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run(
        [sys.executable, "-c", code], input=data, capture_output=True, env=env, check=True
    )
    assert out.stdout.split() == [b"7", b"1"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_source(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = gzip.compress(("\n".join(lines_for(range(5))) + "\n").encode())

    def feed() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        events = list(read_events([str(fifo)]))
    finally:
        writer.join(timeout=10)
    assert len(events) == 5


def test_rotated_files_merge_in_time_order(tmp_path: Path) -> None:
    oldest = write(tmp_path / "access.log.2.gz", lines_for(range(0, 40), "10.0.0.2"), compress=True)
    older = write(tmp_path / "access.log.1", lines_for(range(40, 80), "10.0.0.1"))
    current = write(tmp_path / "access.log", lines_for(range(80, 120), "10.0.0.0"))
    stats = IngestStats()
    events = list(read_events([current, oldest, older], stats=stats))
    times = [e.time for e in events]
    assert times == sorted(times) and len(events) == 120
    assert [e.ip for e in events[::40]] == ["10.0.0.2", "10.0.0.1", "10.0.0.0"]
    assert stats.parsed == 120 and set(stats.formats) == {current, oldest, older}


def test_interleaved_sources_merge(tmp_path: Path) -> None:
    a = write(tmp_path / "a.log", lines_for(range(0, 100, 2), "10.0.0.1"))
    b = write(tmp_path / "b.log", lines_for(range(1, 100, 2), "10.0.0.2"))
    events = list(read_events([a, b], "combined"))
    assert [e.path for e in events] == [f"/p/{s}" for s in range(100)]


def test_malformed_lines_counted_with_line_numbers(tmp_path: Path) -> None:
    lines = lines_for(range(5))
    lines[1] = "garbage"
    lines.insert(3, "")
    lines.append(NGINX_LINE[:-10])
    path = write(tmp_path / "x.log", lines)
    stats = IngestStats()
    events = list(read_events([path], "combined", stats))
    assert len(events) == 4
    assert (stats.lines, stats.parsed, stats.malformed, stats.blank) == (7, 4, 2, 1)
    assert [(s, n) for s, n, _ in stats.errors] == [(path, 2), (path, 7)]
    summary = stats.summary()
    assert "7 lines read: 4 parsed, 2 malformed" in summary and f"{path}:7:" in summary


def test_only_first_ten_errors_kept(tmp_path: Path) -> None:
    lines = lines_for(range(3)) + [f"bad {i}" for i in range(25)]
    path = write(tmp_path / "x.log", lines)
    stats = IngestStats()
    assert len(list(read_events([path], "combined", stats))) == 3
    assert stats.malformed == 25 and len(stats.errors) == 10
    assert stats.errors[0][1] == 4 and stats.errors[-1][1] == 13
    assert "and 15 more" in stats.summary()


def test_hostile_bytes_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    line = clf_line(agent="Bot").encode().replace(b"Bot", b"B\xff\xfe\x00t")
    path = tmp_path / "x.log"
    path.write_bytes(line + b"\r\n" + clf_line().encode())
    events = list(read_events([str(path)]))
    assert [e.user_agent for e in events] == ["B\ufffd\ufffd\x00t", "Mozilla/5.0"]


def test_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.log"
    path.write_bytes(b"\xef\xbb\xbf" + NGINX_LINE.encode() + b"\n")
    assert [e.ip for e in read_events([str(path)])] == ["203.0.113.7"]


def test_overlong_lines_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_module, "MAX_LINE_BYTES", 300)
    monkeypatch.setattr(reader_module, "CHUNK_BYTES", 64)
    lines = lines_for(range(2)) + ["x" * 1000] + lines_for(range(2, 4)) + ["y" * 400]
    path = write(tmp_path / "x.log", lines)
    stats = IngestStats()
    assert len(list(read_events([path], "combined", stats))) == 4
    assert (stats.lines, stats.malformed) == (6, 2)
    assert [n for _, n, _ in stats.errors] == [3, 6]
    monkeypatch.setattr(reader_module, "CHUNK_BYTES", 4096)
    stats = IngestStats()
    assert len(list(read_events([path], "combined", stats))) == 4
    assert [n for _, n, _ in stats.errors] == [3, 6]


def test_read_lines_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_module, "CHUNK_BYTES", 10)
    path = write(tmp_path / "x.log", [f"line {i}" for i in range(1, 21)])
    seen = [(first + k, line) for first, batch in read_lines(path) for k, line in enumerate(batch)]
    assert seen == [(i, f"line {i}") for i in range(1, 21)]


def test_formats_per_source_under_auto(tmp_path: Path) -> None:
    a = write(tmp_path / "a.log", [NGINX_LINE])
    b = write(tmp_path / "b.log", ["", COMMON_LINE])
    c = write(tmp_path / "c.json", [CADDY_LINE])
    blank = write(tmp_path / "blank.log", ["", "  "])
    stats = IngestStats()
    assert len(list(read_events([a, b, c, blank], stats=stats))) == 3
    assert stats.formats == {a: "combined", b: "common", c: "json"}
    assert (stats.lines, stats.blank) == (6, 3)


def test_explicit_format_kinds(tmp_path: Path) -> None:
    path = write(tmp_path / "a.log", [NGINX_LINE])
    spec = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$h" "$u"'
    for fmt in ("combined", COMBINED, spec):
        assert [e.ip for e in read_events([path], fmt)] == ["203.0.113.7"]
    stats = IngestStats()
    assert list(read_events([path], "common", stats)) == [] and stats.malformed == 1


def test_unreadable_sources_fail_early_naming_the_file(tmp_path: Path) -> None:
    good = write(tmp_path / "a.log", [NGINX_LINE])
    missing = str(tmp_path / "nope.log")
    with pytest.raises(UnreadableSource, match="nope.log") as info:
        read_events([good, missing])  # raised at call time, before iterating
    assert isinstance(info.value, ScrapeguardError)
    with pytest.raises(UnreadableSource, match="directory"):
        read_events([str(tmp_path)])
    with pytest.raises(UnreadableSource, match="once"):
        read_events(["-", "-"])


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated, so that the test also runs (and cannot skip) as root.
    path = write(tmp_path / "secret.log", [NGINX_LINE])

    def denied(file: str, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", file)

    monkeypatch.setattr(reader_module, "open", denied, raising=False)
    with pytest.raises(UnreadableSource, match="secret.log: Permission denied"):
        read_events([path])


def test_auto_detection_failure_names_source(tmp_path: Path) -> None:
    path = write(tmp_path / "weird.log", ["alpha beta", "gamma"])
    with pytest.raises(UnknownLogFormat, match="weird.log"):
        list(read_events([path]))


def test_empty_sources(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    empty_gz = tmp_path / "empty.gz"
    empty_gz.write_bytes(gzip.compress(b""))
    stats = IngestStats()
    assert list(read_events([str(empty), str(empty_gz)], stats=stats)) == []
    assert stats.lines == 0 and "0 lines read" in stats.summary()
