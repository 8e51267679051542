#!/usr/bin/env python3
"""Write a synthetic access log of a small social site, for benchmarking `scrapeguard analyze`.

The log is in nginx/Apache *combined* format, in time order, over `--days` days (2 by default)
from 2026-09-01 00:00:00 UTC, and is the same for the same `--lines` and `--seed`. Its traffic:

* ``desktop`` people browsing in sessions of a few page views, each page followed by its static
  assets (`/static/...`) with the page as referer, a browser user agent and think times;
* ``mobile`` people doing the same from phones whose every request comes from a fresh address
  (carrier NAT pools, IPv4 and IPv6), so nearly every line is a new client address;
* ``viewer`` logged-out visitors arriving from a search engine at one profile or two;
* ``crawler`` Googlebot from its published prefixes and Bingbot, fetching robots.txt;
* ``impostor`` clients claiming to be Googlebot from data-centre addresses;
* ``api_scraper`` walking `/api/v1/users/<id>` in id order with `python-requests/2.31.0`;
* ``harvester`` a browser user agent reading `/directory?page=N` then its 50 profiles fast;
* ``search_enum`` enumerating `/search?q=aa&page=N`, `ab`, ... with headless Chrome;
* ``distributed`` a scraper spread over residential proxies, one fresh address per request;
* ``scanner`` a few vulnerability probes and a TLS handshake sent to the HTTP port.

Personal data routes of the site: `/u/{handle}` (one person), `/api/v1/users/{id}` (one person),
`/search?q=..&page=N` (20 people a page), `/directory?page=N` (50 people a page).

Usage: ``python bench/gen_log.py --lines 1000000 --seed 1 --out access.log``
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import random
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = [
    "CLASSES",
    "Event",
    "LogStats",
    "START",
    "USERS",
    "generate",
    "format_line",
    "handle",
    "write_log",
    "main",
]

START = 1_788_220_800.0
"""2026-09-01 00:00:00 UTC, where the log begins."""

USERS = 250_000
"""Number of people on the site: ids 1..USERS, each with a distinct handle."""

SITE = "https://www.friendly.example"

CLASSES: dict[str, float] = {
    "desktop": 0.06,
    "mobile": 0.26,
    "viewer": 0.03,
    "crawler": 0.015,
    "impostor": 0.005,
    "api_scraper": 0.012,
    "harvester": 0.01,
    "search_enum": 0.008,
    "scanner": 0.0005,
    "distributed": 0.0,  # takes every line the others leave
}
"""Traffic classes and their share of the lines (`distributed` gets the remainder)."""

_MIN_LINES = {name: 8 for name in CLASSES} | {"scanner": 3}


class Event(NamedTuple):
    """One request of the log; `cls` names its traffic class (it is not written)."""

    time: float
    cls: str
    ip: str
    request: str
    status: int
    size: str
    referer: str
    user_agent: str


@dataclass
class LogStats:
    """What `write_log` wrote."""

    lines: int
    distinct_ips: int
    classes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --------------------------------------------------------------------------------------------
# Vocabulary

_SYLLABLES = [c + v for c in "bcdfghjklmnprstv" for v in "aeio"]  # 64 distinct

_FIRST_NAMES = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "yusuf",
    "zoe",
    "amir",
    "bea",
    "chen",
    "dmitri",
    "eva",
    "fatima",
    "goran",
    "hana",
    "ines",
    "jamal",
    "kenji",
    "lena",
    "marta",
    "noor",
    "oskar",
    "priya",
    "quinn",
    "rosa",
    "sven",
    "tariq",
    "uma",
    "vera",
    "wen",
    "xavier",
    "yara",
)

_DESKTOP_UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
)
_MOBILE_UAS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.113 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
)
_GOOGLEBOT_UAS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
)
_ANY_UAS = _DESKTOP_UAS + _MOBILE_UAS
_BINGBOT_UA = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
_REQUESTS_UA = "python-requests/2.31.0"
_HEADLESS_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.6367.60 Safari/537.36"
)
_SEARCH_REFERERS = (
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.google.de/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
)
_ENTRY_REFERERS = (
    "-",
    "-",
    "-",
    "https://www.google.com/",
    "https://t.co/",
    "https://l.facebook.com/",
)

_ASSETS = (  # path, size
    ("/static/css/app.8c1f2e.css", 48_213),
    ("/static/js/app.4be91a.js", 231_877),
    ("/static/img/logo.svg", 3_412),
    ("/static/fonts/inter-var.woff2", 98_640),
)
_HUMAN_PAGES = (  # (weight, kind)
    (25, "feed"),
    (30, "profile"),
    (8, "search"),
    (4, "directory"),
    (10, "messages"),
    (6, "notifications"),
    (3, "settings"),
    (7, "home"),
    (4, "like"),
    (3, "about"),
)
_PAGE_KINDS = [kind for weight, kind in _HUMAN_PAGES for _ in range(weight)]

_PROBES = (
    "/wp-login.php",
    "/.env",
    "/.git/config",
    "/phpmyadmin/index.php",
    "/admin/config.php",
    "/cgi-bin/luci",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
)
_TLS_JUNK = r"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03\xA7\x1B"


def handle(user_id: int) -> str:
    """Return the handle of the person with id `user_id` (distinct for ids below 262,144)."""
    s = _SYLLABLES
    base = s[user_id & 63] + s[(user_id >> 6) & 63] + s[(user_id >> 12) & 63]
    return base if user_id % 3 else f"{base}{user_id % 97}"


# --------------------------------------------------------------------------------------------
# Addresses


def _v4(value: int) -> str:
    return socket.inet_ntoa(value.to_bytes(4, "big"))


def _parse_cidr(cidr: str) -> tuple[int, int]:
    addr, bits = cidr.split("/")
    return int.from_bytes(socket.inet_aton(addr), "big"), 32 - int(bits)


class _Pool:
    """Hands out distinct IPv4 addresses from CIDR blocks, spread over all their /24s.

    The i-th address of a block is base + (i * A + B) mod 2**k with A odd: a bijection, so no
    address repeats; a random odd multiplier scatters consecutive addresses over the /24s.
    Addresses ending in .0 or .255 are skipped.
    """

    def __init__(self, rng: random.Random, cidrs: Iterable[str]) -> None:
        self.blocks: list[list[int]] = []
        for cidr in cidrs:
            base, host_bits = _parse_cidr(cidr)
            mask = (1 << host_bits) - 1
            mult = (rng.getrandbits(host_bits) | 1) & mask or 1
            self.blocks.append([base, mask, mult, rng.getrandbits(host_bits), 0])
        self.rng = rng

    def fresh(self, n: int = -1) -> str:
        """Return an address this pool has not handed out before (from block `n` if given)."""
        block = self.blocks[n if n >= 0 else int(self.rng.random() * len(self.blocks))]
        base, mask, mult, offset, i = block
        while True:
            if i > mask:
                raise RuntimeError("address pool exhausted: add blocks")
            host = (i * mult + offset) & mask
            i += 1
            if 0 < (host & 255) < 255:
                block[4] = i
                return _v4(base + host)

    def carrier(self) -> Callable[[], str]:
        """Return a source of fresh addresses all from one (randomly chosen) block."""
        return functools.partial(self.fresh, int(self.rng.random() * len(self.blocks)))


class _Pool6:
    """Hands out IPv6 addresses, each in a /64 of a /32 that no earlier address used."""

    def __init__(self, rng: random.Random, prefixes: Iterable[str]) -> None:
        self.rng = rng
        self.prefixes = list(prefixes)
        self.blocks = [[rng.getrandbits(32) | 1, rng.getrandbits(32), 0] for _ in self.prefixes]

    def fresh(self, n: int = -1) -> str:
        """Return a new address (privacy-extension style interface id), from /32 `n` if given."""
        n = n if n >= 0 else int(self.rng.random() * len(self.blocks))
        prefix, block = self.prefixes[n], self.blocks[n]
        mult, offset, i = block
        block[2] = i + 1
        net = (i * mult + offset) & 0xFFFFFFFF
        iid = self.rng.getrandbits(64)
        return (
            f"{prefix}:{net >> 16:x}:{net & 0xFFFF:x}:{iid >> 48:x}:{(iid >> 32) & 0xFFFF:x}:"
            f"{(iid >> 16) & 0xFFFF:x}:{iid & 0xFFFF:x}"
        )

    def carrier(self) -> Callable[[], str]:
        """Return a source of fresh addresses all from one (randomly chosen) /32."""
        return functools.partial(self.fresh, int(self.rng.random() * len(self.blocks)))


def _fixed(rng: random.Random, cidr: str, count: int) -> list[str]:
    """`count` distinct addresses inside one block (for bots and data-centre scrapers)."""
    base, host_bits = _parse_cidr(cidr)
    hosts: set[int] = set()
    while len(hosts) < count:
        host = rng.randrange(1, (1 << host_bits) - 1)
        if 0 < host & 255 < 255:
            hosts.add(host)
    return [_v4(base + h) for h in sorted(hosts)]


# Disjoint blocks per class, so the distinct-address count is exact and classes stay apart.
_DISTRIBUTED_BLOCKS = [f"{a}.{b}.0.0/12" for a in (24, 67, 68, 71, 73, 76) for b in (0, 128)]
_MOBILE_BLOCKS = ["172.32.0.0/12", "172.48.0.0/12", "166.128.0.0/12", "107.64.0.0/12"]
_MOBILE6_PREFIXES = ["2607:fb90", "2a01:598"]
_DESKTOP_BLOCKS = ["81.0.0.0/12", "86.128.0.0/12", "90.0.0.0/12"]
_VIEWER_BLOCKS = ["92.0.0.0/12", "109.0.0.0/12"]


# --------------------------------------------------------------------------------------------
# Traffic


class _Gen:
    """Shared state of one generation run: the random source, pools, clock and output list."""

    def __init__(self, rng: random.Random, start: float, span: float) -> None:
        self.rng = rng
        self.start = start
        self.span = span
        self.events: list[Event] = []
        self.distributed = _Pool(rng, _DISTRIBUTED_BLOCKS)
        self.mobile = _Pool(rng, _MOBILE_BLOCKS)
        self.mobile6 = _Pool6(rng, _MOBILE6_PREFIXES)
        self.desktop = _Pool(rng, _DESKTOP_BLOCKS)
        self.viewers = _Pool(rng, _VIEWER_BLOCKS)

    def diurnal(self) -> float:
        """A session start (not in the last 30 min), likelier in the evening (UTC) than morning."""
        rng = self.rng
        while True:
            t = self.start + rng.random() * (self.span - 1800)
            hour = (t % 86400) / 3600
            if rng.random() < 0.55 + 0.45 * math.cos((hour - 20) * math.pi / 12):
                return t

    def popular_user(self) -> int:
        """A user id, skewed to the popular (low) ids."""
        return 1 + int(USERS * self.rng.random() ** 3)


def _human_page(rng: random.Random, gen: _Gen) -> tuple[str, str, int, str]:
    """(method, target, status, size) of one page view of a person browsing the site."""
    kind = _PAGE_KINDS[int(rng.random() * len(_PAGE_KINDS))]
    if kind == "profile":
        return "GET", f"/u/{handle(gen.popular_user())}", 200, str(rng.randint(6_000, 15_000))
    if kind == "search":
        page = "" if rng.random() < 0.85 else f"&page={rng.randint(2, 4)}"
        name = _FIRST_NAMES[int(rng.random() * len(_FIRST_NAMES))]
        return "GET", f"/search?q={name}{page}", 200, str(rng.randint(18_000, 26_000))
    if kind == "directory":
        return "GET", f"/directory?page={rng.randint(1, 3)}", 200, str(rng.randint(30_000, 40_000))
    if kind == "like":
        return "POST", f"/api/v1/posts/{rng.randint(1, 9_000_000)}/like", 204, "0"
    if kind == "home":
        return "GET", "/", 200, str(rng.randint(9_000, 12_000))
    return "GET", f"/{kind}", 200, str(rng.randint(4_000, 30_000))


def _browse(
    gen: _Gen,
    budget: int,
    cls: str,
    uas: tuple[str, ...],
    session: Callable[[], Callable[[], str]],
    per_request: bool,
) -> None:
    """Sessions of people: pages, their assets and avatars, think times between pages.

    `session()` gives each session its source of addresses (one carrier's pool). With
    `per_request` every request takes a new address from it (mobile carriers); otherwise the
    session keeps its first.
    """
    rng, out = gen.rng, gen.events
    end = gen.start + gen.span
    while budget > 0:
        t = gen.diurnal()
        ua = uas[int(rng.random() * len(uas))]
        fresh = session()
        ip = fresh()
        referer = _ENTRY_REFERERS[int(rng.random() * len(_ENTRY_REFERERS))]
        cached = False
        for _ in range(rng.randint(2, 9)):
            if budget <= 0 or t >= end:
                break
            method, target, status, size = _human_page(rng, gen)
            out.append(Event(t, cls, ip, f"{method} {target} HTTP/2.0", status, size, referer, ua))
            budget -= 1
            page_url = SITE + target
            if method == "GET":
                loads = [] if cached else [a for a in _ASSETS if rng.random() < 0.97]
                cached = True
                avatars = rng.randint(1, 4) if target.startswith(("/u/", "/feed", "/search")) else 0
                at = t
                for path, asset_size in loads:
                    at += 0.02 + rng.random() * 0.3
                    ip = fresh() if per_request else ip
                    out.append(
                        Event(
                            at, cls, ip, f"GET {path} HTTP/2.0", 200, str(asset_size), page_url, ua
                        )
                    )
                    budget -= 1
                for _ in range(avatars):
                    at += 0.02 + rng.random() * 0.4
                    ip = fresh() if per_request else ip
                    if rng.random() < 0.3:
                        status, size = 304, "-"
                    else:
                        status, size = 200, str(rng.randint(4_000, 20_000))
                    avatar = f"/static/avatars/{gen.popular_user()}.jpg"
                    out.append(
                        Event(at, cls, ip, f"GET {avatar} HTTP/2.0", status, size, page_url, ua)
                    )
                    budget -= 1
                referer = page_url
            t += 2 + rng.expovariate(1 / 25)
            if per_request:
                ip = fresh()
    if budget < 0:  # the last page's assets overshot: drop them
        del out[len(out) + budget :]


def _viewers(gen: _Gen, budget: int) -> None:
    """Logged-out visitors from a search engine: one or two profiles, sometimes with assets."""
    rng, out = gen.rng, gen.events
    css, js = _ASSETS[0], _ASSETS[1]
    while budget > 0:
        t = gen.diurnal()
        ip = gen.viewers.fresh()
        ua = _ANY_UAS[int(rng.random() * len(_ANY_UAS))]
        referer = _SEARCH_REFERERS[int(rng.random() * len(_SEARCH_REFERERS))]
        for _ in range(1 if rng.random() < 0.8 else 2):
            target = f"/u/{handle(gen.popular_user())}"
            out.append(
                Event(
                    t,
                    "viewer",
                    ip,
                    f"GET {target} HTTP/2.0",
                    200,
                    str(rng.randint(6_000, 15_000)),
                    referer,
                    ua,
                )
            )
            budget -= 1
            if rng.random() < 0.6:
                for path, size in (css, js):
                    t += 0.05 + rng.random() * 0.2
                    out.append(
                        Event(
                            t,
                            "viewer",
                            ip,
                            f"GET {path} HTTP/2.0",
                            200,
                            str(size),
                            SITE + target,
                            ua,
                        )
                    )
                    budget -= 1
            referer = SITE + target
            t += 5 + rng.expovariate(1 / 30)
    if budget < 0:
        del out[len(out) + budget :]


_GOOGLEBOT_BLOCKS = ("66.249.64.0/27", "66.249.64.32/27", "66.249.66.0/27", "66.249.68.0/27")


def _crawlers(gen: _Gen, budget: int) -> None:
    """Googlebot (published prefixes) and Bingbot at a steady pace over the whole span."""
    rng, out = gen.rng, gen.events
    # Addresses inside Google's published crawler prefixes (googlebot.json), so they verify.
    google = [ip for block in _GOOGLEBOT_BLOCKS for ip in _fixed(rng, block, 5)]
    bing = _fixed(rng, "157.55.39.0/24", 6) + _fixed(rng, "207.46.13.0/24", 4)
    for _ in range(budget):
        t = gen.start + rng.random() * gen.span
        if rng.random() < 0.7:
            ip, ua = (
                google[int(rng.random() * len(google))],
                _GOOGLEBOT_UAS[0 if rng.random() < 0.6 else 1],
            )
        else:
            ip, ua = bing[int(rng.random() * len(bing))], _BINGBOT_UA
        r = rng.random()
        if r < 0.02:
            target, size = "/robots.txt", "312"
        elif r < 0.17:
            target, size = f"/directory?page={rng.randint(1, USERS // 50)}", "35120"
        elif r < 0.19:
            target, size = "/", "10422"
        else:
            target, size = f"/u/{handle(rng.randint(1, USERS))}", str(rng.randint(6_000, 15_000))
        status = 200 if rng.random() < 0.98 else 404
        out.append(Event(t, "crawler", ip, f"GET {target} HTTP/1.1", status, size, "-", ua))


def _impostors(gen: _Gen, budget: int) -> None:
    """Data-centre clients with a Googlebot user agent, reading profiles in fast bursts."""
    rng, out = gen.rng, gen.events
    ips = _fixed(rng, "45.134.26.0/24", 2) + _fixed(rng, "193.42.33.0/24", 1)
    share = [budget // len(ips)] * len(ips)
    share[0] += budget - sum(share)
    for ip, n in zip(ips, share, strict=True):
        t = gen.start + rng.random() * gen.span * 0.8
        ua = _GOOGLEBOT_UAS[0]
        for k in range(n):
            if k and k % 500 == 0:
                t += rng.uniform(600, 3600)  # pause between bursts
            out.append(
                Event(
                    t,
                    "impostor",
                    ip,
                    f"GET /u/{handle(rng.randint(1, USERS))} HTTP/1.1",
                    200,
                    str(rng.randint(6_000, 15_000)),
                    "-",
                    ua,
                )
            )
            t += 0.3 + rng.random() * 1.2


def _api_scraper(gen: _Gen, budget: int) -> None:
    """Walks `/api/v1/users/<id>` in id order with python-requests, switching address twice."""
    rng, out = gen.rng, gen.events
    ips = _fixed(rng, "138.68.0.0/16", 2) + _fixed(rng, "159.89.0.0/16", 1)
    t = gen.start + gen.span * (0.1 + 0.3 * rng.random())
    user_id = rng.randint(1_000, 20_000)
    for k in range(budget):
        ip = ips[k * len(ips) // budget]
        if user_id > USERS or user_id % 41 == 0:
            status, size = 404, "54"
        else:
            status, size = 200, str(rng.randint(800, 1_600))
        out.append(
            Event(
                t,
                "api_scraper",
                ip,
                f"GET /api/v1/users/{user_id} HTTP/1.1",
                status,
                size,
                "-",
                _REQUESTS_UA,
            )
        )
        user_id += 1
        t += 0.2 + rng.expovariate(1 / 0.25)


def _harvester(gen: _Gen, budget: int) -> None:
    """A browser user agent reading a directory page, then its 50 profiles, without assets."""
    rng, out = gen.rng, gen.events
    ips = _fixed(rng, "51.15.0.0/16", 2)
    ua = _DESKTOP_UAS[0]
    t = gen.start + gen.span * (0.3 + 0.4 * rng.random())
    page = rng.randint(1, 500)
    written = 0
    while written < budget:
        ip = ips[page & 1]
        listing = f"/directory?page={page}"
        out.append(
            Event(
                t,
                "harvester",
                ip,
                f"GET {listing} HTTP/1.1",
                200,
                str(rng.randint(30_000, 40_000)),
                "-",
                ua,
            )
        )
        written += 1
        for user_id in range((page - 1) * 50 + 1, page * 50 + 1):
            if written >= budget:
                break
            t += 0.3 + rng.random() * 0.9
            out.append(
                Event(
                    t,
                    "harvester",
                    ip,
                    f"GET /u/{handle(user_id)} HTTP/1.1",
                    200,
                    str(rng.randint(6_000, 15_000)),
                    SITE + listing,
                    ua,
                )
            )
            written += 1
        t += 1 + rng.random() * 3
        page += 1


def _search_enum(gen: _Gen, budget: int) -> None:
    """Headless Chrome enumerating two-letter searches and their result pages."""
    rng, out = gen.rng, gen.events
    ips = _fixed(rng, "34.90.0.0/16", 2)
    t = gen.start + gen.span * (0.45 + 0.3 * rng.random())
    letters = "abcdefghijklmnopqrstuvwxyz"
    queries = [a + b for a in letters for b in letters]
    written, q = 0, 0
    while written < budget:
        query = queries[q % len(queries)]
        ip = ips[(q // 100) % len(ips)]
        for page in range(1, rng.randint(2, 9)):
            if written >= budget:
                break
            out.append(
                Event(
                    t,
                    "search_enum",
                    ip,
                    f"GET /search?q={query}&page={page} HTTP/1.1",
                    200,
                    str(rng.randint(18_000, 26_000)),
                    "-",
                    _HEADLESS_UA,
                )
            )
            written += 1
            t += 0.5 + rng.random() * 1.5
        q += 1


def _scanner(gen: _Gen, budget: int) -> None:
    """Vulnerability probes (one with a known bad-bot agent) and TLS bytes on the HTTP port."""
    rng, out = gen.rng, gen.events
    ips = _fixed(rng, "194.165.16.0/24", 2)
    for k in range(budget):
        t = gen.start + rng.random() * gen.span
        ip = ips[k & 1]
        if k % 5 == 4:
            out.append(Event(t, "scanner", ip, _TLS_JUNK, 400, "157", "-", "-"))
        else:
            ua = "Mozilla/5.0 Jorgee" if k & 1 else "-"
            target = _PROBES[int(rng.random() * len(_PROBES))]
            out.append(Event(t, "scanner", ip, f"GET {target} HTTP/1.1", 404, "153", "-", ua))


def _distributed(gen: _Gen, budget: int) -> None:
    """Every profile once, in a scrambled order, each request from a fresh residential address."""
    rng, out = gen.rng, gen.events
    fresh = gen.distributed.fresh
    begin = gen.start + gen.span * 0.1
    window = gen.span * 0.85
    step = 104_729  # a prime not dividing USERS: k * step mod USERS visits every id once
    offset = rng.randrange(USERS)
    uas = _DESKTOP_UAS + _MOBILE_UAS[:3]
    referers = ("-", "-", "-", "https://www.google.com/")
    for k in range(budget):
        user_id = (k * step + offset) % USERS + 1
        out.append(
            Event(
                begin + rng.random() * window,
                "distributed",
                fresh(),
                f"GET /u/{handle(user_id)} HTTP/1.1",
                200,
                str(rng.randint(6_000, 15_000)),
                referers[k & 3],
                uas[int(rng.random() * len(uas))],
            )
        )


def _budgets(lines: int) -> dict[str, int]:
    minimum = sum(_MIN_LINES.values())
    if lines < minimum:
        raise ValueError(f"need at least {minimum} lines to hold every traffic class")
    budgets = {name: max(_MIN_LINES[name], round(lines * share)) for name, share in CLASSES.items()}
    budgets["distributed"] = 0
    budgets["distributed"] = lines - sum(budgets.values())
    if budgets["distributed"] < _MIN_LINES["distributed"]:
        raise ValueError(f"need more lines than {lines} to hold every traffic class")
    return budgets


def generate(lines: int, seed: int = 1, start: float = START, days: float = 2.0) -> list[Event]:
    """Return exactly `lines` events of all traffic classes, sorted by time.

    The same arguments give the same events. Raises ValueError if `lines` is too small to
    hold every class (under 100 or so).
    """
    rng = random.Random(seed)
    gen = _Gen(rng, start, days * 86400)
    budgets = _budgets(lines)

    def mobile_carrier() -> Callable[[], str]:
        return gen.mobile6.carrier() if rng.random() < 0.3 else gen.mobile.carrier()

    _browse(gen, budgets["desktop"], "desktop", _DESKTOP_UAS, gen.desktop.carrier, False)
    _browse(gen, budgets["mobile"], "mobile", _MOBILE_UAS, mobile_carrier, True)
    _viewers(gen, budgets["viewer"])
    _crawlers(gen, budgets["crawler"])
    _impostors(gen, budgets["impostor"])
    _api_scraper(gen, budgets["api_scraper"])
    _harvester(gen, budgets["harvester"])
    _search_enum(gen, budgets["search_enum"])
    _scanner(gen, budgets["scanner"])
    _distributed(gen, budgets["distributed"])
    events = gen.events
    assert len(events) == lines, (len(events), lines)
    end = start + days * 86400
    # Sessions that ran past the end are folded back into the span, then all is time-ordered.
    events = [
        e if e.time < end else e._replace(time=end - 1 - (e.time - end) % 3600) for e in events
    ]
    events.sort(key=lambda e: e.time)
    return events


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _clf_time(second: int) -> str:
    tm = time.gmtime(second)
    return (
        f"{tm.tm_mday:02d}/{_MONTHS[tm.tm_mon - 1]}/{tm.tm_year}:"
        f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} +0000"
    )


def format_line(event: Event) -> str:
    """Return the combined-format line of `event`, without the newline."""
    return (
        f'{event.ip} - - [{_clf_time(int(event.time))}] "{event.request}" {event.status} '
        f'{event.size} "{event.referer}" "{event.user_agent}"'
    )


def write_log(path: str, lines: int, seed: int = 1, days: float = 2.0) -> LogStats:
    """Generate the log and write it to `path` ("-" for stdout); return what was written."""
    began = time.perf_counter()
    events = generate(lines, seed, days=days)
    ips: set[str] = set()
    cache_second, cache_text = -1, ""
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
    try:
        chunk: list[str] = []
        for e in events:
            second = int(e.time)
            if second != cache_second:
                cache_second, cache_text = second, _clf_time(second)
            ips.add(e.ip)
            chunk.append(
                f'{e.ip} - - [{cache_text}] "{e.request}" {e.status} {e.size} "{e.referer}" '
                f'"{e.user_agent}"\n'
            )
            if len(chunk) >= 20_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    finally:
        if out is not sys.stdout:
            out.close()
    classes = Counter(e.cls for e in events)
    return LogStats(len(events), len(ips), dict(classes), time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: write the log and print its line and distinct-address counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="exact number of lines")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same log)")
    parser.add_argument("--days", type=float, default=2.0, help="time span of the log")
    parser.add_argument("--out", default="access.log", help="output path, - for stdout")
    parser.add_argument("--stats", metavar="FILE", help="also write the counts to FILE as JSON")
    args = parser.parse_args(argv)
    stats = write_log(args.out, args.lines, args.seed, args.days)
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as f:
            json.dump(dataclasses.asdict(stats) | {"seed": args.seed, "days": args.days}, f)
    report = sys.stderr if args.out == "-" else sys.stdout
    print(
        f"wrote {stats.lines:,} lines, {stats.distinct_ips:,} distinct client IPs "
        f"({stats.distinct_ips / stats.lines:.1%}) to {args.out} in {stats.seconds:.1f} s",
        file=report,
    )
    print(
        "classes: " + ", ".join(f"{k}={v:,}" for k, v in sorted(stats.classes.items())), file=report
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
