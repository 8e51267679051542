"""Labelled, simulated traffic of the demo social network, to develop and measure detection.

`simulate(directory, seed)` generates a day of requests from people (every group of
`classes.HUMAN_GROUPS`), search engine crawlers, declared and impostor crawlers and every kind
of scraper of `classes.SCRAPERS`, each actor with its own randomised habits, and answers each
request as the demo site would (`traffic_site.Site`). `write_log` writes the requests as nginx
JSON lines (`escape=json` style) or in the combined format, both of which `scrapeguard analyze`
reads; `write_truth` writes who made each line, which the log itself never says. The same seed
gives a byte-identical log.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Literal

from .people import START, Directory
from .traffic_humans import add_humans
from .traffic_scrapers import (
    account_farm,
    contact_enumerator,
    distributed,
    good_bots,
    headless_harvester,
    impostors,
    low_and_slow_accounts,
    naive,
    new_account_harvester,
    polite_crawler,
    search_enumerator,
    ua_rotating,
    unverifiable_crawlers,
)
from .traffic_world import Actor, SimRequest, World

__all__ = [
    "Actor",
    "SimRequest",
    "Simulation",
    "format_combined",
    "format_line",
    "read_truth",
    "simulate",
    "write_log",
    "write_truth",
]


@dataclass
class Simulation:
    """A simulated window of traffic: requests in time order and the actors who made them."""

    requests: list[SimRequest]
    actors: dict[str, Actor]
    seed: int
    start: float
    end: float
    directory_size: int


_GENERATORS = (
    add_humans,
    good_bots,
    unverifiable_crawlers,
    impostors,
    naive,
    polite_crawler,
    ua_rotating,
    search_enumerator,
    contact_enumerator,
    new_account_harvester,
    account_farm,
    low_and_slow_accounts,
    distributed,
    headless_harvester,
)


def simulate(
    directory: Directory,
    seed: int,
    hours: float = 24.0,
    scale: float = 1.0,
    start: float = START,
) -> Simulation:
    """Simulate `hours` of traffic from `start`; `scale` multiplies the number of actors.

    At scale 1.0 over 24 hours: about 2,000 people, 2-5 actors of each scraper class (1-2
    campaigns of each campaign class), Googlebot and Bingbot, two SEO crawlers and 2-3
    impostors. Actors that make no request inside the window are left out.
    """
    if hours <= 0 or scale <= 0:
        raise ValueError("hours and scale must be positive")
    world = World(directory, seed, start, hours, scale)
    for generate in _GENERATORS:
        generate(world)
    requests, actors = world.finish()
    return Simulation(requests, actors, seed, world.start, world.end, directory.size)


# ---------------------------------------------------------------------------- output


_SECONDS: dict[int, str] = {}


def _iso(t: float) -> str:
    """`2026-09-01T00:00:03.250+00:00` (milliseconds, UTC)."""
    millis = round(t * 1000)
    second, ms = divmod(millis, 1000)
    head = _SECONDS.get(second)
    if head is None:
        if len(_SECONDS) > 100_000:
            _SECONDS.clear()
        head = _SECONDS[second] = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{head}.{ms:03d}+00:00"


def format_line(r: SimRequest) -> str:
    """One log line: nginx JSON (`escape=json`: absent values are empty strings)."""
    target = r.path + ("?" + r.query if r.query else "")
    created = _iso(r.account_created)[:19] + "+00:00" if r.account_created is not None else ""
    return json.dumps(
        {
            "time": _iso(r.time),
            "remote_addr": r.ip,
            "request": f"{r.method} {target} HTTP/1.1",
            "status": r.status,
            "body_bytes_sent": r.bytes,
            "http_referer": r.referer,
            "http_user_agent": r.user_agent,
            "http_accept_language": r.accept_language or "",
            "http_accept": r.accept,
            "session": r.session or "",
            "account": r.account or "",
            "account_created": created,
            **({} if r.listed is None else {"disclosed": r.listed}),
        },
        ensure_ascii=False,
    )


@contextmanager
def _output(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    if path.endswith(".gz"):  # no name and no time in the header: the same bytes every run
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
            io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as text,
        ):
            yield text
        return
    with open(path, "w", encoding="utf-8", newline="\n") as text:
        yield text


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CLF_SECONDS: dict[int, str] = {}
_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\]')


def _clf_time(t: float) -> str:
    """`01/Sep/2026:00:00:03 +0000`: the whole second, in UTC, with English month names."""
    second = int(t)
    text = _CLF_SECONDS.get(second)
    if text is None:
        if len(_CLF_SECONDS) > 100_000:
            _CLF_SECONDS.clear()
        d = datetime.fromtimestamp(second, UTC)
        text = _CLF_SECONDS[second] = (
            f"{d.day:02d}/{_MONTHS[d.month - 1]}/{d.year}:{d:%H:%M:%S} +0000"
        )
    return text


def _escape_byte(m: re.Match[str]) -> str:
    return "".join(f"\\x{b:02X}" for b in m.group().encode("utf-8"))


def _clf_field(value: str) -> str:
    """A quoted field's content as nginx's default escaping writes it: `"`, `\\`, control
    characters and non-ASCII bytes as `\\xHH`; an empty value as `-`."""
    if not value:
        return "-"
    return _UNSAFE.sub(_escape_byte, value)


def format_combined(r: SimRequest) -> str:
    """One log line in the combined format (nginx's `combined`, Apache's `%h %l %u %t "%r" %>s
    %b "%{Referer}i" "%{User-Agent}i"`), without the newline.

    It holds the client address, the time to the second, the request line, status, body bytes,
    referer and user agent, and nothing else: no session, account, account age, Accept or
    Accept-Language. `$remote_user` (HTTP basic authentication, not the site's login) is `-`.
    """
    target = r.path + ("?" + r.query if r.query else "")
    return (
        f'{r.ip} - - [{_clf_time(r.time)}] "{_clf_field(f"{r.method} {target} HTTP/1.1")}" '
        f'{r.status} {r.bytes} "{_clf_field(r.referer)}" "{_clf_field(r.user_agent)}"'
    )


_FORMATTERS = {"json": format_line, "combined": format_combined}


def write_log(sim: Simulation, path: str, fmt: Literal["json", "combined"] = "json") -> int:
    """Write the requests to `path` ("-": stdout; ".gz": gzip, reproducible); return the
    number of lines.

    `fmt` "json" (the default) writes nginx JSON lines with everything the engine can use,
    session, account and account age included. "combined" writes the combined format, which
    cannot carry those (`format_combined`): replayed, every actor is an address or a network,
    and what is known only from accounts (new accounts, account farms) cannot be seen.
    """
    formatter = _FORMATTERS.get(fmt)
    if formatter is None:
        raise ValueError(f"unknown log format {fmt!r}: json or combined")
    with _output(path) as out:
        for r in sim.requests:
            out.write(formatter(r) + "\n")
    return len(sim.requests)


def write_truth(sim: Simulation, path: str) -> None:
    """Write the ground truth: run parameters, every actor's class, group and campaign, the
    actor of each log line in log order, and the ids of the people each line's response
    showed (`shown`, in log order too: what the log cannot say of a list or search page)."""
    doc = {
        "seed": sim.seed,
        "start": sim.start,
        "end": sim.end,
        "directory_size": sim.directory_size,
        "actors": {
            a.id: {"class": a.cls, "group": a.group, "campaign": a.campaign}
            for a in sim.actors.values()
        },
        "requests": [r.actor for r in sim.requests],
        "shown": [r.shown for r in sim.requests],
    }
    with _output(path) as out:
        json.dump(doc, out, separators=(",", ":"))
        out.write("\n")


def read_truth(path: str) -> tuple[dict[str, Actor], list[str]]:
    """The actors and the per-line actor ids of a truth file `write_truth` wrote."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    actors = {
        actor_id: Actor(actor_id, a["class"], a.get("group"), a.get("campaign"))
        for actor_id, a in doc["actors"].items()
    }
    return actors, list(doc["requests"])
