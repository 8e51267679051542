"""Helpers for tests: build events the way integrations do."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

from scrapeguard.engine import Guard
from scrapeguard.events import RequestEvent

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
AHREFS = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"
#: Seconds between a person's pages: uneven, mean 24.6 s.
GAPS = (7, 31, 12, 45, 4, 38, 20, 55, 9, 25)


def event(t: float, ip: str = "198.51.100.7", path: str = "/", **kw: object) -> RequestEvent:
    """An event at `T0 + t` seconds."""
    kw.setdefault("user_agent", BROWSER)
    if "?" in path:
        path, kw["query"] = path.split("?", 1)
    return RequestEvent(T0 + t, ip, path=path, **kw)  # type: ignore[arg-type]


def profiles(
    start: float, count: int, ip: str = "198.51.100.7", every: float = 2.0, **kw: object
) -> Iterator[RequestEvent]:
    """`count` views of distinct profiles `/u/user<i>`, one every `every` seconds."""
    for i in range(count):
        yield event(start + i * every, ip, f"/u/user{i}", **kw)


def run(guard: Guard, events: object) -> list[object]:
    """Decide on every event; return the decisions."""
    return [guard.decide(e) for e in events]  # type: ignore[attr-defined]


def shared_datasets() -> Path:
    """The shared datasets folder: `../shared/datasets` beside the checkout (as in CI), else
    `SCRAPEGUARD_DATASETS`, else /work/shared/datasets."""
    import os

    env = os.environ.get("SCRAPEGUARD_DATASETS")
    if env:
        return Path(env)
    beside = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return beside if beside.is_dir() else Path("/work/shared/datasets")


DATASETS = shared_datasets()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def longest_id_run(numbers: list[int]) -> int:
    """The most steps of 1-3 in a row in one direction between one profile id and the next
    (the first id opened is no step)."""
    best = run = 0
    direction = 0
    for before, after in zip(numbers, numbers[1:], strict=False):
        step = after - before
        if 1 <= abs(step) <= 3:
            sign = 1 if step > 0 else -1
            run = run + 1 if sign == direction else 1
            direction = sign
        else:
            run, direction = 0, 0
        best = max(best, run)
    return best
