"""Throughput check for ingestion (not a test, not collected by pytest).

Run: `PYTHONPATH=src python tests/ingest/bench_ingest.py`.

Generates 200,000 combined-format lines (50 requests per second of log time) and reports lines
per second for `COMBINED.parse_batch`, a custom nginx format, JSON lines, and `read_events` on
one plain file and on three rotated files (one gzip) merged by time.
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from scrapeguard.ingest import COMBINED, JSON, IngestStats, custom_format, read_events

N = 200_000
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
    "Safari/537.36",
    "python-requests/2.31.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
NGINX = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)


def make_lines(n: int, start: float = 1709251200.0) -> list[str]:
    rnd = random.Random(1)
    out = []
    for i in range(n):
        stamp = datetime.fromtimestamp(start + i / 50, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
        ip = f"203.0.{rnd.randrange(256)}.{rnd.randrange(256)}"
        path = f"/users/{rnd.randrange(10**6)}" + ("?tab=posts" if i % 3 == 0 else "")
        out.append(
            f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" 200 {rnd.randrange(100000)} '
            f'"https://example.com/search?q=x" "{rnd.choice(AGENTS)}"'
        )
    return out


def rate(fn: object, lines: list[str], reps: int = 5) -> tuple[float, float]:
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for k in range(0, len(lines), 4000):
            fn.parse_batch(lines[k : k + 4000])  # type: ignore[attr-defined]
        rates.append(len(lines) / (time.perf_counter() - t0))
    return max(rates), statistics.median(rates)


def main() -> None:
    lines = make_lines(N)
    for name, fmt in (("combined", COMBINED), ("custom nginx", custom_format(NGINX))):
        best, median = rate(fmt, lines)
        print(f"{name:>14} parse_batch: best {best:,.0f} lines/s, median {median:,.0f}")
    json_lines = [
        json.dumps(
            {
                "time_local": line.split("[", 1)[1].split("]", 1)[0],
                "remote_addr": line.split(" ", 1)[0],
                "request": line.split('"', 2)[1],
                "status": "200",
                "body_bytes_sent": "512",
                "http_user_agent": AGENTS[0],
            }
        )
        for line in lines[:50_000]
    ]
    best, median = rate(JSON, json_lines, reps=3)
    print(f"{'json':>14} parse_batch: best {best:,.0f} lines/s, median {median:,.0f}")
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp, "access.log")
        one.write_text("\n".join(lines) + "\n")
        third = N // 3
        Path(tmp, "access.log.2.gz").write_bytes(
            gzip.compress(("\n".join(lines[:third]) + "\n").encode())
        )
        Path(tmp, "access.log.1").write_text("\n".join(lines[third : 2 * third]) + "\n")
        Path(tmp, "access.log.0").write_text("\n".join(lines[2 * third :]) + "\n")
        rotated = [str(Path(tmp, n)) for n in ("access.log.0", "access.log.2.gz", "access.log.1")]
        for label, sources in (("1 file", [str(one)]), ("3 files merged", rotated)):
            rates = []
            for _ in range(3):
                stats = IngestStats()
                t0 = time.perf_counter()
                count = sum(1 for _ in read_events(sources, "auto", stats))
                rates.append(count / (time.perf_counter() - t0))
            print(f"read_events {label:>14}: best {max(rates):,.0f} lines/s ({count} events)")


if __name__ == "__main__":
    main()
