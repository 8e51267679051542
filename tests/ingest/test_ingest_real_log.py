"""The real Apache log from the shared datasets (10,000 lines, exactly one malformed)."""

from __future__ import annotations

import gzip
from pathlib import Path

from scrapeguard.ingest import COMBINED, IngestStats, detect_format, read_events


def test_real_apache_log(apache_log_path: str) -> None:
    stats = IngestStats()
    events = list(read_events([apache_log_path], "auto", stats))
    assert stats.formats == {apache_log_path: "combined"}
    assert (stats.lines, stats.parsed, stats.malformed, stats.blank) == (10_000, 9_999, 1, 0)
    assert len(events) == 9_999
    assert len(stats.errors) == 1
    source, line_number, reason = stats.errors[0]
    assert (source, line_number) == (apache_log_path, 8899)
    assert "user-agent" in reason
    truncated = Path(apache_log_path).read_text(encoding="utf-8").splitlines()[8898]
    assert truncated.startswith("46.118.127.106 ") and truncated.count('"') == 5
    assert len({e.ip for e in events}) == 1_753
    assert events[0].time == 1431857103.0  # 17/May/2015:10:05:03 +0000
    assert all(e.method for e in events)
    assert stats.bytes_read == Path(apache_log_path).stat().st_size


def test_real_apache_log_gzipped_and_split(apache_log_path: str, tmp_path: Path) -> None:
    lines = Path(apache_log_path).read_bytes().splitlines(keepends=True)
    (tmp_path / "access.log.1.gz").write_bytes(gzip.compress(b"".join(lines[:5000])))
    (tmp_path / "access.log").write_bytes(b"".join(lines[5000:]))
    stats = IngestStats()
    sources = [str(tmp_path / "access.log"), str(tmp_path / "access.log.1.gz")]
    events = list(read_events(sources, "combined", stats))
    assert (stats.parsed, stats.malformed) == (9_999, 1)
    assert stats.errors[0][:2] == (str(tmp_path / "access.log"), 8899 - 5000)
    whole = list(read_events([apache_log_path], "combined"))
    assert sorted(e.time for e in events) == sorted(e.time for e in whole)
    assert detect_format([line.decode() for line in lines[:100]]) is COMBINED
