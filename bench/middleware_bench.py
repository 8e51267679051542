#!/usr/bin/env python3
"""Benchmark the per-request cost of scrapeguard's ASGI middleware against slowapi, in process.

A minimal Starlette app (one route, ``/u/{name}``, answering a small JSONResponse) is called
directly as an ASGI app: a synthetic HTTP scope, ``receive`` and ``send`` coroutines, every
request awaited in turn in one asyncio loop. No sockets, no server, no TestClient. In the same
run, on the same requests, it measures:

- ``harness``: an empty ASGI app that answers at once (the cost of the loop itself);
- ``bare``: the Starlette app;
- ``scrapeguard``: the same app behind ``ScrapeguardMiddleware`` with every detector on (the
  default ``Policy`` in mode ``enforce``), memory state and the default site model; the handler
  reports ``protection(request).disclose(name, ("name",))``;
- ``slowapi``: the same app with one slowapi limit (``@limiter.limit("1000000/minute")``, keyed
  by ``get_remote_address``, as slowapi documents for Starlette);
- ``engine``: ``Guard.evaluate(event)`` alone, per event, on events built by ``Inline.begin``
  from the same requests (a second engine with its own state), timed one by one.

The traffic is a people site's: a pool of 10,000 concurrent visitors (IPv4, and IPv6 for a
share of them), each with a browser user agent, Accept, Accept-Language and fetch metadata
headers and, for some, a session cookie, viewing a few profiles (Zipf-like over 200,000 names)
before leaving and being replaced by a visitor from a fresh address; plus a small share of
scrapers (a client library walking sequential ids) that scrapeguard should stop. Responses
are counted by status.

After a warm-up, ``--rounds`` rounds of ``--requests`` requests run the variants interleaved
(the order rotates per round); each round gets fresh requests from the same stream. The table
gives, per variant, the median over rounds of µs per request, the added cost over bare and the
ratios, and the targets: scrapeguard with every detector adds less than slowapi's single limit;
engine decision p50 <= 20 µs and p99 <= 100 µs. Not a test: run it by hand,
``python bench/middleware_bench.py`` (``--compiled`` to run it against the mypyc build).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import importlib.util
import json
import logging
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if importlib.util.find_spec("scrapeguard") is None:  # not installed: use the source tree
    sys.path.append(str(REPO / "src"))

from slowapi import Limiter, _rate_limit_exceeded_handler  # noqa: E402
from slowapi.errors import RateLimitExceeded  # noqa: E402
from slowapi.util import get_remote_address  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

import scrapeguard  # noqa: E402
import scrapeguard.engine  # noqa: E402
from scrapeguard.enforce.settings import EnforceSettings  # noqa: E402
from scrapeguard.engine import Guard  # noqa: E402
from scrapeguard.events import Disclosure  # noqa: E402
from scrapeguard.integrations.asgi import ScrapeguardMiddleware  # noqa: E402
from scrapeguard.integrations.asgi import _headers as asgi_headers  # noqa: E402
from scrapeguard.integrations.inline import Inline, protection  # noqa: E402
from scrapeguard.policy import Policy  # noqa: E402
from scrapeguard.site import SiteModel  # noqa: E402
from scrapeguard.state import MemoryState  # noqa: E402

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

TARGET_P50_US = 20.0
TARGET_P99_US = 100.0
SECRET = b"x" * 32
SLOWAPI_LIMIT = "1000000/minute"
VARIANTS = ("harness", "bare", "scrapeguard", "slowapi")
LABELS = {
    "harness": "harness (empty ASGI app)",
    "bare": "bare Starlette",
    "scrapeguard": "scrapeguard, all detectors",
    "slowapi": "slowapi, one limit",
}


# --- the apps ---------------------------------------------------------------------------------


def _record(name: str) -> dict[str, Any]:
    return {"name": name, "bio": "Gardener, cyclist, occasional baker.", "followers": 42}


async def profile(request: Request) -> JSONResponse:
    """The bare handler (also slowapi's: its decorator needs the `request` argument)."""
    name = request.path_params["name"]
    return JSONResponse(_record(name))


async def guarded_profile(request: Request) -> JSONResponse:
    """The same handler, telling scrapeguard whose data it disclosed."""
    name = request.path_params["name"]
    protection(request).disclose(name, ("name",))
    return JSONResponse(_record(name))


def bare_app() -> Starlette:
    """One route, nothing else."""
    return Starlette(routes=[Route("/u/{name}", profile)])


def scrapeguard_app() -> tuple[ScrapeguardMiddleware, Inline]:
    """The app behind ScrapeguardMiddleware: every detector on (the default Policy, in enforce
    mode), memory state, the default site model."""
    inline = _inline()
    app = Starlette(routes=[Route("/u/{name}", guarded_profile)])
    return ScrapeguardMiddleware(app, inline=inline), inline


def _inline() -> Inline:
    guard = Guard(SiteModel.default(), Policy(mode="enforce"), state=MemoryState())
    # A tarpit would hold the request on the event loop for the configured delay (10 s); this
    # benchmark counts work, not waiting, so the delay is 0 (the decision is still taken).
    settings = EnforceSettings(tarpit_delay=0.0)
    sg_log = logging.getLogger("scrapeguard")
    level = sg_log.level
    sg_log.setLevel(logging.ERROR)  # the memory-state warning, once per Inline, is known here
    try:
        return Inline(guard, settings, secret=SECRET, can_wait=True)
    finally:
        sg_log.setLevel(level)


def slowapi_app() -> tuple[Starlette, Limiter]:
    """The bare app with slowapi's single limit, set up as slowapi documents for Starlette:
    the decorator on the route, the limiter on app.state, the exception handler registered."""
    limiter = Limiter(key_func=get_remote_address)

    @limiter.limit(SLOWAPI_LIMIT)
    async def limited_profile(request: Request) -> JSONResponse:
        name = request.path_params["name"]
        return JSONResponse(_record(name))

    app = Starlette(routes=[Route("/u/{name}", limited_profile)])
    app.state.limiter = limiter
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]
    return app, limiter


async def harness_app(scope: Scope, receive: Any, send: Any) -> None:
    """Answers at once: what the driving loop itself costs."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


# --- the traffic ------------------------------------------------------------------------------

_PAIRS = "kalaminorasetivobedafeguhajokilumanepiqurosateulvawexiyozaanelinorusarenilomut"
SYLLABLES = tuple(_PAIRS[i : i + 2] for i in range(0, len(_PAIRS), 2))
CHROME = (
    "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
)
CHROME_OS = (
    "Windows NT 10.0; Win64; x64",
    "Macintosh; Intel Mac OS X 10_15_7",
    "X11; Linux x86_64",
    "Linux; Android 10; K",
)
FIREFOX = "Mozilla/5.0 ({os}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
FIREFOX_OS = ("Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10.15", "X11; Linux x86_64")
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
)
LANGUAGES = (
    "en-US,en;q=0.9",
    "en-GB,en;q=0.9",
    "de-DE,de;q=0.9,en;q=0.8",
    "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7",
    "es-ES,es;q=0.9",
    "it-IT,it;q=0.9,en;q=0.8",
    "nl-NL,nl;q=0.9,en;q=0.8",
    "pl-PL,pl;q=0.9,en;q=0.8",
    "pt-BR,pt;q=0.9,en;q=0.8",
    "ja,en-US;q=0.9,en;q=0.8",
)
ACCEPT_HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
IPV4_FIRST = (24, 31, 37, 46, 62, 68, 71, 73, *range(76, 96), 98, 99, 108, 109, 151, 176, 178)
IPV4_FIRST += (188, 212, 213, 217)  # broadband and mobile carriers' blocks
IPV6_ISP = ("2a01:e0a", "2a02:8108", "2001:16b8", "2a00:23c7", "2600:1700", "2601:640", "2a02:a45")
SCRAPER_NETS = ("104.131", "159.203", "165.227", "178.62", "46.101", "138.68")


def _name(index: int) -> str:
    """A profile handle: syllables from the index, plus a digit or two for the rare ones."""
    n = len(SYLLABLES)
    a, rest = divmod(index, n * n)
    b, c = divmod(rest, n)
    head = SYLLABLES[c] + SYLLABLES[b] + SYLLABLES[a % n]
    return head if index < n**3 else f"{head}{a // n}"


def _browser(rng: random.Random) -> list[tuple[str, str]]:
    """A browser's headers, consistent with its user agent (client hints only for Chromium,
    naming its version; fetch metadata from every one)."""
    pick = rng.random()
    headers: list[tuple[str, str]] = []
    language = rng.choice(LANGUAGES)
    if pick < 0.62:
        version = rng.choice((129, 130, 131, 131, 132))
        os_name = rng.choice(CHROME_OS)
        agent = CHROME[0].format(os=os_name, v=version)
        if "Android" in os_name:
            agent = agent.replace("Safari/537.36", "Mobile Safari/537.36")
        headers.append(("user-agent", agent))
        headers.append(
            (
                "sec-ch-ua",
                f'"Chromium";v="{version}", "Google Chrome";v="{version}", "Not?A_Brand";v="99"',
            )
        )
        headers.append(("sec-ch-ua-mobile", "?1" if "Android" in os_name else "?0"))
    elif pick < 0.85:
        version = rng.choice((131, 132, 133))
        headers.append(("user-agent", FIREFOX.format(os=rng.choice(FIREFOX_OS), v=version)))
        language = _weighed_like_firefox(language)
    else:
        headers.append(("user-agent", rng.choice(SAFARI)))
    headers.append(("accept", ACCEPT_HTML))
    headers.append(("accept-language", language))
    headers.append(("accept-encoding", "gzip, deflate, br, zstd"))
    # The fetch metadata every current browser sends to an HTTPS site, following a link.
    headers.append(("sec-fetch-site", "same-origin"))
    headers.append(("sec-fetch-mode", "navigate"))
    headers.append(("sec-fetch-dest", "document"))
    return headers


def _weighed_like_firefox(language: str) -> str:
    """`language` (weighed as Chrome does) as Firefox writes it: the i-th of n languages
    weighs 1 - i/n, to one decimal."""
    tags = [part.split(";")[0] for part in language.split(",")]
    n = len(tags)
    weighed = [f"{tag};q={int((1 - i / n) * 10 + 0.5) / 10:g}" for i, tag in enumerate(tags)]
    return ",".join([tags[0], *weighed[1:]])


class Traffic:
    """An endless stream of requests: `concurrent` visitors at a time, each viewing a few
    profiles, replaced on leaving by a visitor from a fresh address; and a few scrapers."""

    def __init__(
        self,
        seed: int,
        concurrent: int,
        ipv6_share: float,
        scraper_share: float,
        scrapers: int = 6,
        people: int = 200_000,
    ) -> None:
        self.rng = random.Random(seed)
        self.ipv6_share = ipv6_share
        self.scraper_share = scraper_share
        self.people = people
        self.names = [_name(i) for i in range(people)]
        self.addresses: set[str] = set()  # those that made a request
        self.visitors: list[list[Any]] = [self._visitor() for _ in range(concurrent)]
        self.scrapers = [self._scraper(i) for i in range(scrapers)]

    def _address(self) -> str:
        rng = self.rng
        if rng.random() < self.ipv6_share:
            groups = [f"{rng.getrandbits(16):x}" for _ in range(6)]
            return f"{rng.choice(IPV6_ISP)}:{':'.join(groups)}"
        first = rng.choice(IPV4_FIRST)
        return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"

    def _visitor(self) -> list[Any]:
        """[address, port, headers, pages left] of a new visitor."""
        rng = self.rng
        ip = self._address()
        pairs = [("host", "people.example")] + _browser(rng)
        if rng.random() < 0.4:
            pairs.append(("cookie", f"sessionid={rng.getrandbits(96):024x}; theme=light"))
        elif rng.random() < 0.3:
            pairs.append(("cookie", "theme=light"))
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
        pages = 1
        while pages < 10 and rng.random() < 0.68:  # a few profiles each, about 3 on average
            pages += 1
        return [ip, rng.randrange(1024, 65536), headers, pages]

    def _scraper(self, i: int) -> list[Any]:
        """[address, port, headers, next id] of a scraper walking sequential ids."""
        rng = self.rng
        ip = f"{SCRAPER_NETS[i % len(SCRAPER_NETS)]}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        pairs = [
            ("host", "people.example"),
            ("user-agent", "python-requests/2.32.3"),
            ("accept", "*/*"),
            ("accept-encoding", "gzip, deflate"),
        ]
        headers = [(k.encode(), v.encode()) for k, v in pairs]
        return [ip, rng.randrange(1024, 65536), headers, 100_000 + 1000 * i]

    def _person(self) -> str:
        # Zipf-like: popular profiles are viewed again and again, most only now and then.
        index = int(self.people ** self.rng.random()) - 1
        return self.names[index]

    def take(self, count: int) -> list[dict[str, Any]]:
        """The next `count` requests, as ASGI scope templates (copied before each use)."""
        rng = self.rng
        out: list[dict[str, Any]] = []
        for _ in range(count):
            if rng.random() < self.scraper_share:
                bot = rng.choice(self.scrapers)
                ip, port, headers, number = bot
                bot[3] = number + 1
                path = f"/u/{number}"
            else:
                slot = rng.randrange(len(self.visitors))
                visitor = self.visitors[slot]
                ip, port, headers, _ = visitor
                visitor[3] -= 1
                if visitor[3] <= 0:
                    self.visitors[slot] = self._visitor()
                path = "/u/" + self._person()
            self.addresses.add(ip)
            out.append(_scope(path, headers, (ip, port)))
        return out


ASGI_VERSION = {"version": "3.0", "spec_version": "2.3"}
SERVER = ("people.example", 443)


def _scope(
    path: str, headers: list[tuple[bytes, bytes]], client: tuple[str, int]
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": ASGI_VERSION,
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": client,
        "server": SERVER,
    }


# --- the measurements -------------------------------------------------------------------------

REQUEST_MESSAGE = {"type": "http.request", "body": b"", "more_body": False}


async def drive(app: ASGIApp, scopes: list[dict[str, Any]], statuses: Counter[int]) -> float:
    """Await `app` once per scope (a fresh copy of it, as a server builds one per request);
    return the seconds taken and count the response statuses."""
    seen: list[int] = []

    async def receive() -> dict[str, Any]:
        return REQUEST_MESSAGE

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            seen.append(message["status"])

    began = time.perf_counter()
    for template in scopes:
        await app(dict(template), receive, send)
    elapsed = time.perf_counter() - began
    statuses.update(seen)
    if len(seen) != len(scopes):
        raise RuntimeError(f"{len(scopes)} requests but {len(seen)} responses started")
    return elapsed


def engine_times(inline: Inline, scopes: list[dict[str, Any]], actions: Counter[str]) -> list[int]:
    """Nanoseconds of `Guard.evaluate` per event. Each event is built by `Inline.begin` from
    the request's scope, as the middleware builds it, and completed as `Inline.finish` does
    (status, and the disclosure the handler reports); only `evaluate` is timed."""
    guard = inline.guard
    evaluate = guard.evaluate
    clock = time.perf_counter_ns
    out: list[int] = []
    append = out.append
    for scope in scopes:
        client = scope["client"]
        p = inline.begin("GET", scope["path"], "", asgi_headers(scope), client[0], "https")
        e = p.event
        if p.response is not None:
            e.status = p.response.status
        else:
            e.status = 200
            e.disclosed = (Disclosure(scope["path"][3:], ("name",)),)
        began = clock()
        _, decision = evaluate(e)
        append(clock() - began)
        actions[decision.action] += 1
    return out


def _pct(sorted_ns: list[int], q: float) -> float:
    """The q-quantile (nearest rank) of sorted nanoseconds, in µs."""
    index = min(len(sorted_ns) - 1, max(0, round(q * len(sorted_ns)) - 1))
    return sorted_ns[index] / 1000


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Warm up, then `args.rounds` interleaved rounds; return every figure."""
    gen_began = time.perf_counter()
    traffic = Traffic(args.seed, args.visitors, args.ipv6_share, args.scraper_share)
    warm = traffic.take(args.warmup)
    rounds = [traffic.take(args.requests) for _ in range(args.rounds)]
    gen_s = time.perf_counter() - gen_began

    sg_app, sg_inline = scrapeguard_app()
    sa_app, limiter = slowapi_app()
    apps: dict[str, ASGIApp] = {
        "harness": harness_app,
        "bare": bare_app(),
        "scrapeguard": sg_app,
        "slowapi": sa_app,
    }
    engine_inline = _inline()  # its own engine and state, fed the same requests
    timings: dict[str, list[float]] = {v: [] for v in VARIANTS}
    statuses: dict[str, Counter[int]] = {v: Counter() for v in VARIANTS}
    actions: Counter[str] = Counter()
    engine_rounds: list[dict[str, float]] = []
    engine_all: list[int] = []
    slowapi_keys: list[int] = []

    async def main() -> None:
        print(f"warm-up: {args.warmup:,} requests per variant", flush=True)
        for name in VARIANTS:
            await drive(apps[name], warm, Counter())
        engine_times(engine_inline, warm, Counter())
        order = [*VARIANTS, "engine"]
        for r, scopes in enumerate(rounds):
            turn = order[r % len(order) :] + order[: r % len(order)]
            line = []
            for name in turn:
                gc.collect()
                if name == "engine":
                    ns = engine_times(engine_inline, scopes, actions)
                    ns.sort()
                    engine_all.extend(ns)
                    figures = {
                        "p50": _pct(ns, 0.50),
                        "p90": _pct(ns, 0.90),
                        "p99": _pct(ns, 0.99),
                        "mean": sum(ns) / len(ns) / 1000,
                    }
                    engine_rounds.append(figures)
                    line.append(f"engine p50 {figures['p50']:.1f} µs")
                    continue
                seconds = await drive(apps[name], scopes, statuses[name])
                us = seconds / len(scopes) * 1e6
                timings[name].append(us)
                if name == "slowapi":
                    keys = _slowapi_keys(limiter)
                    slowapi_keys.append(keys)
                    line.append(f"{name} {us:.1f} ({keys:,} keys)")
                else:
                    line.append(f"{name} {us:.1f}")
            print(f"round {r + 1}/{args.rounds}: " + ", ".join(line) + " (µs/request)", flush=True)

    began = time.perf_counter()
    asyncio.run(main())
    measured_s = time.perf_counter() - began
    engine_all.sort()
    sg_state = sg_inline.guard.state
    return {
        "timings_us": timings,
        "median_us": {v: statistics.median(t) for v, t in timings.items()},
        "statuses": {v: dict(sorted(c.items())) for v, c in statuses.items()},
        "engine_rounds": engine_rounds,
        "engine": {
            k: statistics.median(r[k] for r in engine_rounds) for k in ("p50", "p90", "p99", "mean")
        },
        "engine_pooled": {
            "p50": _pct(engine_all, 0.50),
            "p90": _pct(engine_all, 0.90),
            "p99": _pct(engine_all, 0.99),
            "max": engine_all[-1] / 1000,
        },
        "engine_actions": dict(actions.most_common()),
        "traffic": {
            "requests_per_round": args.requests,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "distinct_addresses": len(traffic.addresses),
            "ipv6_addresses": sum(1 for a in traffic.addresses if ":" in a),
            "concurrent_visitors": args.visitors,
            "scraper_share": args.scraper_share,
            "generated_s": gen_s,
        },
        "scrapeguard_state": {
            "actors": _size(sg_state),
            "decisions": len(getattr(sg_state, "decisions", ()) or ()),
            "overruns": _overruns(sg_inline),
            "errors": _errors(sg_inline),
        },
        "slowapi_keys": slowapi_keys,
        "measured_s": measured_s,
    }


def _size(state: Any) -> int | None:
    for attr in ("actors", "_actors", "states"):
        found = getattr(state, attr, None)
        if found is not None:
            try:
                return len(found)
            except TypeError:
                return None
    return None


def _overruns(inline: Inline) -> Any:
    counter = getattr(inline.metrics, "overruns", None)
    value = getattr(counter, "value", None)
    return value() if callable(value) else value


def _slowapi_keys(limiter: Limiter) -> int:
    """Live counters in slowapi's memory storage (limits' MemoryStorage): one per client
    address and URL, kept for the limit's minute. Its expiry thread scans them all every
    10 ms while requests arrive, so slowapi's cost grows with them."""
    storage = getattr(limiter, "_storage", None)
    return len(getattr(storage, "expirations", ()))


def _errors(inline: Inline) -> float:
    """scrapeguard's own failures (each one lets the request through): must stay 0."""
    counter = inline.metrics.errors
    return sum(counter.value(stage) for stage in ("begin", "finish", "verify"))


# --- the report -------------------------------------------------------------------------------


def build_info() -> dict[str, Any]:
    """Which scrapeguard was imported, and whether its engine is the mypyc build."""
    engine_file = scrapeguard.engine.__file__ or ""
    return {
        "scrapeguard": str(Path(scrapeguard.__file__ or "").parent),
        "engine_module": engine_file,
        "compiled": engine_file.endswith((".so", ".pyd")),
    }


def _share(counts: dict[int, int]) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{status}: {n / total:.1%}" for status, n in counts.items())


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(fig: dict[str, Any], build: dict[str, Any]) -> dict[str, Any]:
    """Print the table, ratios and targets; return the verdicts."""
    med = fig["median_us"]
    t = fig["traffic"]
    bare = med["bare"]
    sg_added = med["scrapeguard"] - bare
    sa_added = med["slowapi"] - bare
    print()
    kind = "compiled (mypyc)" if build["compiled"] else "pure Python"
    print(f"scrapeguard build: {kind}  (engine: {build['engine_module']})")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs; traffic: "
        f"{t['rounds']} rounds x {t['requests_per_round']:,} requests (+{t['warmup']:,} warm-up), "
        f"{t['distinct_addresses']:,} distinct client addresses ({t['ipv6_addresses']:,} IPv6), "
        f"{t['concurrent_visitors']:,} visitors at a time, {t['scraper_share']:.0%} scrapers"
    )
    st = fig["scrapeguard_state"]
    print(
        f"scrapeguard engine state at the end: {st['actors'] or '?'} actors, "
        f"{st['decisions']} decisions in force, {st['overruns'] or 0:,.0f} time-budget overruns, "
        f"{st['errors']:,.0f} internal errors"
    )
    print()
    head = (
        f"{'variant':<28}{'µs/request':>11}{'min':>8}{'max':>8}{'added':>9}{'/ bare':>8}"
        "  responses by status"
    )
    print(head)
    print("-" * (len(head) + 20))
    for v in VARIANTS:
        runs = fig["timings_us"][v]
        added = "" if v in ("harness", "bare") else f"{med[v] - bare:+.1f}"
        print(
            f"{LABELS[v]:<28}{med[v]:>11.1f}{min(runs):>8.1f}{max(runs):>8.1f}{added:>9}"
            f"{med[v] / bare:>8.2f}  {_share(fig['statuses'][v])}"
        )
    e, pooled = fig["engine"], fig["engine_pooled"]
    print(
        f"{'engine: Guard.evaluate':<28}{e['mean']:>11.1f}  (mean) per event: p50 {e['p50']:.1f}, "
        f"p90 {e['p90']:.1f}, p99 {e['p99']:.1f} µs (medians over rounds; all rounds pooled: "
        f"p99 {pooled['p99']:.1f}, max {pooled['max']:,.0f} µs)"
    )
    total = sum(fig["engine_actions"].values()) or 1
    print(
        "engine decisions: "
        + ", ".join(f"{a} {n / total:.1%}" for a, n in fig["engine_actions"].items())
    )
    print("(medians over rounds of µs per request; 'added' is the median minus bare's median)")
    keys = fig["slowapi_keys"]
    if keys:
        per_round = ", ".join(
            f"{us:.1f} µs at {k:,}"
            for us, k in zip(fig["timings_us"]["slowapi"], keys, strict=False)
        )
        print(
            f"slowapi by round (live keys at the end of the round, one per address and URL, "
            f"kept a minute): {per_round}"
        )
        print(
            "  (limits' MemoryStorage rescans every live key on a timer thread every 10 ms while "
            "requests arrive: its cost grows with the keys, i.e. with the requests of the last "
            "minute; a longer run measures a busier site)"
        )
    print()
    ratio = sg_added / sa_added if sa_added > 0 else float("inf")
    print(
        f"added cost over bare: scrapeguard {sg_added:+.1f} µs, slowapi {sa_added:+.1f} µs; "
        f"scrapeguard / slowapi added = {ratio:.2f}"
    )
    print(
        f"over bare: scrapeguard x{med['scrapeguard'] / bare:.2f}, "
        f"slowapi x{med['slowapi'] / bare:.2f}; scrapeguard / slowapi "
        f"x{med['scrapeguard'] / med['slowapi']:.2f}"
    )
    print()
    verdicts = {
        "scrapeguard_adds_less_than_slowapi": sg_added < sa_added,
        "engine_p50": e["p50"] <= TARGET_P50_US,
        "engine_p99": e["p99"] <= TARGET_P99_US,
    }
    print(f"targets ({kind}):")
    print(
        f"  scrapeguard with every detector adds less than slowapi's single limit: "
        f"{sg_added:+.1f} vs {sa_added:+.1f} µs   "
        f"{_met(verdicts['scrapeguard_adds_less_than_slowapi'])}"
    )
    print(
        f"  engine decision p50 <= {TARGET_P50_US:.0f} µs: {e['p50']:.1f} µs   "
        f"{_met(verdicts['engine_p50'])}"
    )
    print(
        f"  engine decision p99 <= {TARGET_P99_US:.0f} µs: {e['p99']:.1f} µs   "
        f"{_met(verdicts['engine_p99'])}"
    )
    print(
        f"\n(measured in {fig['measured_s']:.0f} s, requests generated in {t['generated_s']:.1f} s)"
    )
    return verdicts


# --- the compiled build -----------------------------------------------------------------------


def compiled_src() -> Path | None:
    """The mypyc build of the engine (built as analyze_bench.py builds it, with setup.py in a
    copy of the source), cached in the temp directory under a hash of the source."""
    sys.path.insert(0, str(BENCH_DIR))
    from analyze_bench import build_compiled

    digest = hashlib.sha256()
    for path in sorted((REPO / "src").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    for name in ("setup.py", "pyproject.toml"):
        digest.update(name.encode() + b"\0" + (REPO / name).read_bytes())
    cache = Path(tempfile.gettempdir()) / "scrapeguard-bench" / f"mypyc-{digest.hexdigest()[:12]}"
    src = cache / "compiled" / "src"
    if list((src / "scrapeguard").glob("engine.*.so")):
        print(f"using the cached mypyc build in {src}", flush=True)
        return src
    for old in cache.parent.glob("mypyc-*"):  # builds of an older source
        shutil.rmtree(old, ignore_errors=True)
    cache.mkdir(parents=True)
    print(f"building the engine with mypyc into {cache} (about a minute) ...", flush=True)
    began = time.perf_counter()
    built = build_compiled(cache)
    if built is not None:
        print(f"built in {time.perf_counter() - began:.0f} s", flush=True)
    return built


def rerun_compiled(script: str, argv: list[str] | None) -> int:
    """Run `script` again, without --compiled, against the mypyc build; its exit code."""
    src = compiled_src()
    if src is None:
        return 2
    child = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--compiled"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(src), env.get("PYTHONPATH", "")) if x)
    return subprocess.run([sys.executable, script, *child], env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns 1 with --check when a target is missed."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--requests", type=int, default=20_000, help="requests per round (20,000)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (5)")
    p.add_argument("--warmup", type=int, help="warm-up requests per variant (requests / 4)")
    p.add_argument("--visitors", type=int, default=10_000, help="visitors at a time (10,000)")
    p.add_argument("--ipv6-share", type=float, default=0.15, help="visitors on IPv6 (0.15)")
    p.add_argument("--scraper-share", type=float, default=0.02, help="scrapers' requests (0.02)")
    p.add_argument("--seed", type=int, default=1, help="traffic seed")
    p.add_argument(
        "--compiled",
        action="store_true",
        help="run against the mypyc build (built with setup.py in a cached temporary copy)",
    )
    p.add_argument("--json", metavar="FILE", help="write every figure to FILE")
    p.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = p.parse_args(argv)
    if args.warmup is None:
        args.warmup = max(1000, args.requests // 4)

    if args.compiled:
        return rerun_compiled(__file__, argv)

    build = build_info()
    print(
        f"scrapeguard from {build['scrapeguard']} "
        f"({'compiled (mypyc)' if build['compiled'] else 'pure Python'})",
        flush=True,
    )
    fig = run(args)
    verdicts = report(fig, build)
    if args.json:
        out = fig | {
            "build": build,
            "targets": verdicts,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 1 if args.check and not all(verdicts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
