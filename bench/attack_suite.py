"""Real scraping tools, live, against the demo site with scrapeguard enforcing (issue 6).

    python3 bench/attack_suite.py --public-addresses    # 30 minutes, every tool, the humans
    python3 bench/attack_suite.py --minutes 2 --json figures.json
    python3 bench/attack_suite.py --minutes 1 --tools curl,requests --no-humans

Starts `scrapeguard demo --no-traffic --mode enforce` as a real process on a free loopback
port, then runs every tool at once, each from its own 127.x.y.z source address in its own /24
(the demo believes a forwarded header only from 127.0.0.1, so every other loopback address is
the real client address). scrapeguard treats loopback and private addresses as shared by many
people (no per-address limits); with `--public-addresses` a forwarding proxy on 127.0.0.1
passes each source address 127.A.B.C on to the site as the public 11.A.B.C, as nginx in front
of a real site would (`FrontProxy`). The tools:

- `wget --mirror` (--bind-address), re-run a minute after it gives up, like a cron job;
- a `curl` loop (--interface), directory pages and every profile, as fast as curl goes;
- `requests` (a source-address adapter), the directory and the JSON API;
- `httpx` with a browser user agent picked at random for every request;
- Scrapy with its default settings, and Scrapy with AutoThrottle, a browser user agent and
  the session cookie of an account it signed up for (`bindaddress` request meta; each crawl
  in its own process, re-run a minute after it ends);
- `curl_cffi` impersonating Chrome (`interface`), with pauses, solving every challenge;
- a distributed crawler: a new random 127.x.y.z address for every request, rotating browser
  user agents, solving every challenge;
- Playwright driving Debian's headless `chromium` with human-like pauses. A browser cannot bind
  its connections to a source address, so it talks to a small TCP relay on loopback that opens
  each of its connections to the site from the browser's own address: the site sees that
  address as the peer, no header involved. The browser solves challenges by itself.

Script tools keep going after being stopped: they wait (Retry-After, at most 30 s) and try the
same page again, for the whole run. Every tool is bounded by `--max-requests` and the run's
deadline.

People disclosed are counted from the tools' own responses, because `scrapeguard demo` keeps
no store (so no disclosure ledger): every 200 profile page or API record is one person, every
200 directory, search or followers page the people it lists. A response with status 401, 403
or 429 is a stop (challenge, block, throttle, login wall, cap). The server's decisions (the
demo's decision lines) are kept to say which rule fired against each tool, and when.

Human control: the M4D human sessions (Iliou et al. 2021; read at run time from the shared
datasets folder, never copied) replayed with their own page sequences and pauses, each M4D page
mapped to a demo profile or directory page by a hash of its path, each session from its own
address with its own user agent and cookies, loading the page's stylesheet, script, icon and
avatars once like a browser with a cache. A challenged session solves the proof of work as its
browser would and goes on; it still counts as challenged.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

STOPS = frozenset({401, 403, 429})
WARM_UP = "127.9.0.1"
BACKOFF_CAP = 30.0
MAX_POW_COUNTER = 1 << 24
ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
_BESIDE = ROOT.parent / "shared" / "datasets"  # as in CI: the shared folder beside the checkout
DATASETS = Path(
    os.environ.get("SCRAPEGUARD_DATASETS")
    or (_BESIDE if _BESIDE.is_dir() else "/work/shared/datasets")
)
M4D = DATASETS / "m4d-web-bot-detection"

BROWSER_UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
)
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
    "image/webp,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
}

#: The distributed crawler's own language, so that the site cannot link it with the httpx
#: tool through a shared user agent and language (each tool is measured on its own).
DISTRIBUTED_HEADERS = {**BROWSER_HEADERS, "Accept-Language": "de-DE,de;q=0.9,en;q=0.6"}

#: Targets of the issue: scripts and frameworks stopped within 20 people; the evasive tools
#: held to 100 people per identity in the run; people replayed: at most 1 % stopped.
STOP_WITHIN = 20
HOLD_TO = 100
HUMAN_SHARE = 0.01
#: Replayed people open directory pages among the first ten only.
HUMAN_PAGES = 10

Fetch = Callable[[str], tuple[int, str, dict[str, str]]]


# -- what a response disclosed -------------------------------------------------------------

_PROFILE = re.compile(r"/u/([^/?#]+)")
_API = re.compile(r"/api/v1/users/([^/?#]+)")
_CARDS = re.compile(r'<ol class="people">(.*?)</ol>', re.S)
_CARD_LINK = re.compile(r'href="/u/([^"/?#]+)"')
_NEXT = re.compile(r'href="([^"]+)" rel="next"')
_ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+|/favicon\.ico)"')


def people_in(url: str, status: int, body: str) -> frozenset[str]:
    """The people whose data a response showed, as the site's model counts them: one for a
    profile page or API record, everyone listed on a directory, search or followers page."""
    if status != 200:
        return frozenset()
    path = urlsplit(url).path
    if m := _PROFILE.fullmatch(path):
        found = {unquote(m[1])} if '<article class="profile">' in body else set()
    elif m := _API.fullmatch(path):
        found = {unquote(m[1])} if '"name"' in body else set()
    else:
        block = _CARDS.search(body)
        found = {unquote(n) for n in _CARD_LINK.findall(block[1])} if block else set()
    return frozenset(n for n in found if not n.startswith("~canary"))


def links(body: str) -> list[str]:
    """Profile links of a list page, then its next page: the order a crawler follows them."""
    block = _CARDS.search(body)
    found = ["/u/" + n for n in _CARD_LINK.findall(block[1])] if block else []
    found += [n.replace("&amp;", "&") for n in _NEXT.findall(body)]
    return found


def is_challenge(status: int, body: str) -> bool:
    """Whether a response is scrapeguard's proof-of-work page (HTML or JSON)."""
    return status == 403 and ('id="sg-work"' in body or '"error": "challenge"' in body)


def solve(body: str) -> tuple[str, int] | None:
    """The token of a challenge page and a counter that proves the work it asks for."""
    token = re.search(r'name="token" value="([^"]+)"', body)
    bits = re.search(r'data-difficulty="(\d+)"', body)
    if not token or not bits:
        return None
    value, need = token[1].replace("&amp;", "&"), int(bits[1])
    for counter in range(MAX_POW_COUNTER):
        digest = hashlib.sha256(f"{value}:{counter}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - need) == 0:
            return value, counter
    return None


# -- the record of a tool ------------------------------------------------------------------


@dataclass
class Hit:
    """One response a tool received."""

    t: float
    status: int
    people: frozenset[str]


@dataclass
class Tool:
    """A tool under test: its source address, its target, and what it received."""

    name: str
    label: str
    target: str  # "stop" (stopped within STOP_WITHIN people) or "hold" (<= HOLD_TO people)
    source: str
    hits: list[Hit] = field(default_factory=list)
    skipped: str = ""
    error: str = ""
    transport_errors: int = 0
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, url: str, status: int, body: str, t: float | None = None) -> None:
        hit = Hit(time.time() if t is None else t, status, people_in(url, status, body))
        with self.lock:
            self.hits.append(hit)

    def figures(self, started: float) -> dict[str, Any]:
        """Requests, people before the first stop, people in the run, and the target."""
        with self.lock:
            hits = sorted(self.hits, key=lambda h: h.t)
        first = next((i for i, h in enumerate(hits) if h.status in STOPS), None)
        before: set[str] = set()
        for h in hits[: len(hits) if first is None else first]:
            before |= h.people
        total: set[str] = set().union(*(h.people for h in hits)) if hits else set()
        stops = sum(1 for h in hits if h.status in STOPS)
        statuses = Counter(h.status for h in hits)
        met: bool | None
        if self.skipped or not hits:
            met = None
        elif self.target == "stop":
            met = first is not None and len(before) <= STOP_WITHIN
        else:
            met = len(total) <= HOLD_TO
        return {
            "tool": self.name,
            "label": self.label,
            "source": self.source,
            "requests": len(hits),
            "ok": sum(1 for h in hits if h.status == 200),
            "stopped_responses": stops,
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "first_stop_after_s": None
            if first is None
            else round(max(0.0, hits[first].t - started), 1),
            "first_stop_status": None if first is None else hits[first].status,
            "people_before_first_stop": len(before),
            "people_in_run": len(total),
            "target": f"stopped within {STOP_WITHIN} people"
            if self.target == "stop"
            else f"at most {HOLD_TO} people in the run",
            "target_met": met,
            "skipped": self.skipped,
            "error": self.error,
            "transport_errors": self.transport_errors,
            "notes": self.notes,
        }


@dataclass
class Run:
    """The shared clock and bounds of one run."""

    base: str
    deadline: float
    max_requests: int
    directory_pages: int
    stop: threading.Event = field(default_factory=threading.Event)

    def going(self, tool: Tool) -> bool:
        return (
            not self.stop.is_set()
            and time.time() < self.deadline
            and len(tool.hits) < self.max_requests
        )

    def wait(self, seconds: float) -> None:
        self.stop.wait(max(0.0, min(seconds, self.deadline - time.time())))


def backoff(headers: dict[str, str]) -> float:
    """How long a persistent scraper waits after a stop: Retry-After, 2 to 30 seconds."""
    try:
        return min(BACKOFF_CAP, max(2.0, float(headers.get("retry-after", "10"))))
    except ValueError:
        return 10.0


def crawl(
    tool: Tool,
    run: Run,
    fetch: Fetch,
    pace: tuple[float, float] = (0.0, 0.0),
    profile: str = "/u/{}",
    passer: Callable[[str, str], bool] | None = None,
) -> None:
    """Walk the directory and every profile it lists, retrying a stopped page after a wait.

    `profile` is where a username's record is fetched; `passer(url, body)`, if given, solves a
    challenge (True: retry at once with the pass)."""
    queue = deque(["/directory?page=1"])
    seen = set(queue)
    while queue and run.going(tool):
        url = queue[0]
        try:
            status, body, headers = fetch(url)
        except Exception:  # noqa: BLE001 - a dropped connection or a timeout: try again
            tool.transport_errors += 1
            run.wait(2.0)
            continue
        tool.record(url, status, body)
        if status in STOPS:
            if passer is None or not is_challenge(status, body) or not passer(url, body):
                run.wait(backoff(headers))
            continue
        queue.popleft()
        if status == 200 and not url.startswith(("/u/", "/api/")):
            for link in links(body):
                name = link[3:] if link.startswith("/u/") else None
                nxt = profile.format(name) if name else link
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        run.wait(random.uniform(*pace))


# -- the tools -----------------------------------------------------------------------------


def run_wget(tool: Tool, run: Run, work: Path) -> None:
    """`wget --mirror` from the site's home page, re-run a minute after it gives up."""
    rounds = 0
    while run.going(tool):
        rounds += 1
        folder = work / f"wget-{rounds}"
        log = folder / "wget.log"
        folder.mkdir()
        cmd = ["wget", "--mirror", "--bind-address", tool.source, "--tries", "1"]
        cmd += ["--timeout", "20", "-nv", "-o", str(log), "-P", str(folder), run.base + "/"]
        done = 0
        with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as p:
            while p.poll() is None and run.going(tool):
                run.wait(1.0)
                done = _read_wget(tool, log, done)
            if p.poll() is None:
                p.terminate()
                p.wait(10)
        with log.open("a") as fh:
            fh.write("\n")  # so that the last line is read too
        _read_wget(tool, log, done)
        run.wait(60.0)
    tool.notes.append(f"{rounds} wget run(s)")


_WGET_OK = re.compile(r"^(\S+ \S+) URL:(\S+) \[[^\]]*\] -> \"([^\"]+)\"")
_WGET_ERR = re.compile(r"^(\S+ \S+) ERROR (\d{3})")
_WGET_ERR_URL = re.compile(r"^(http\S+):$")


def _read_wget(tool: Tool, log: Path, done: int) -> int:
    """Record the responses wget logged after its first `done` lines (the log gives each URL,
    status and saved file; 4xx responses are logged but not saved); return the lines read."""
    if not log.exists():
        return done
    lines = log.read_text(errors="replace").splitlines()[:-1]  # the last may be half written
    url = ""
    for line in lines[done:]:
        if m := _WGET_ERR_URL.match(line):
            url = m[1]
        elif m := _WGET_ERR.match(line):
            tool.record(url, int(m[2]), "", _wget_time(m[1]))
        elif m := _WGET_OK.match(line):
            saved = Path(m[3])
            body = saved.read_text(errors="replace") if saved.is_file() else ""
            tool.record(m[2], 200, body, _wget_time(m[1]))
    return max(done, len(lines))


def _wget_time(stamp: str) -> float:
    return time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S"))


def run_curl(tool: Tool, run: Run) -> None:
    """A shell-style loop of `curl` processes: directory pages and every profile."""

    def fetch(path: str) -> tuple[int, str, dict[str, str]]:
        cmd = ["curl", "-s", "-i", "--max-time", "20", "--interface", tool.source, run.base + path]
        out = subprocess.run(cmd, capture_output=True, timeout=30).stdout.decode(errors="replace")
        return _split_http(out)

    crawl(tool, run, fetch)


def _split_http(raw: str) -> tuple[int, str, dict[str, str]]:
    """Status, body and headers of `curl -i` output."""
    head, _, body = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, "", {}
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, body, headers


def run_requests(tool: Tool, run: Run) -> None:
    """`requests` with its default user agent: the directory, then the JSON API per person."""
    import requests
    from requests.adapters import HTTPAdapter

    class SourceAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kw: Any) -> None:
            kw["source_address"] = (tool.source, 0)
            super().init_poolmanager(*args, **kw)

    with requests.Session() as s:
        s.mount("http://", SourceAdapter())

        def fetch(path: str) -> tuple[int, str, dict[str, str]]:
            r = s.get(run.base + path, timeout=20)
            return r.status_code, r.text, {k.lower(): v for k, v in r.headers.items()}

        crawl(tool, run, fetch, profile="/api/v1/users/{}")


def run_httpx(tool: Tool, run: Run) -> None:
    """`httpx`, a different browser user agent for every request, no cookies kept."""
    import httpx

    transport = httpx.HTTPTransport(local_address=tool.source)
    with httpx.Client(transport=transport, timeout=20) as client:

        def fetch(path: str) -> tuple[int, str, dict[str, str]]:
            client.cookies.clear()
            headers = {**BROWSER_HEADERS, "User-Agent": random.choice(BROWSER_UAS)}
            r = client.get(run.base + path, headers=headers)
            return r.status_code, r.text, dict(r.headers)

        crawl(tool, run, fetch, pace=(0.1, 0.6))


def run_scrapy(tool: Tool, run: Run, work: Path, variant: str) -> None:
    """A Scrapy crawl in its own process (bench/attack_scrapy.py), re-run a minute after it
    ends, as an operator would."""
    out = work / f"scrapy-{variant}.jsonl"
    rounds = 0
    while run.going(tool):
        rounds += 1
        seconds = max(1.0, run.deadline - time.time())
        cmd = [sys.executable, str(Path(__file__).with_name("attack_scrapy.py"))]
        cmd += ["--base", run.base, "--bind", tool.source, "--variant", variant]
        cmd += ["--seconds", f"{seconds:.0f}", "--out", str(out)]
        cmd += ["--max-requests", str(max(1, run.max_requests - len(tool.hits)))]
        with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as p:
            while p.poll() is None and not run.stop.is_set() and time.time() < run.deadline + 5:
                run.stop.wait(1.0)
            if p.poll() is None:
                p.terminate()
                p.wait(15)
            err = p.stderr.read().decode(errors="replace") if p.stderr else ""
        if p.returncode not in (0, -signal.SIGTERM):
            tool.error = err.strip().splitlines()[-1] if err.strip() else f"exit {p.returncode}"
            break
        _read_scrapy(tool, out)
        run.wait(60.0)
    _read_scrapy(tool, out)
    tool.notes.append(f"{rounds} crawl(s)")


def _read_scrapy(tool: Tool, out: Path) -> None:
    if not out.exists():
        return
    with tool.lock:
        tool.hits.clear()
    for line in out.read_text().splitlines():
        row = json.loads(line)
        tool.record(row["url"], row["status"], row["body"], row["t"])


def run_curl_cffi(tool: Tool, run: Run) -> None:
    """`curl_cffi` impersonating Chrome's TLS and HTTP fingerprint, browsing with pauses, with
    a cookie jar, solving every challenge in Python."""
    from curl_cffi import requests as cr

    with cr.Session(impersonate="chrome") as s:
        referer = run.base + "/"

        def fetch(path: str) -> tuple[int, str, dict[str, str]]:
            nonlocal referer
            r = s.get(
                run.base + path,
                interface=tool.source,
                headers={"Referer": referer},
                timeout=20,
                allow_redirects=False,
            )
            referer = run.base + path
            return r.status_code, r.text, {k.lower(): v for k, v in r.headers.items()}

        def passer(url: str, body: str) -> bool:
            proof = solve(body)
            if proof is None:
                return False
            data = {"token": proof[0], "mode": "work", "counter": str(proof[1])}
            r = s.post(
                run.base + "/.scrapeguard/verify",
                data=data,
                interface=tool.source,
                allow_redirects=False,
                timeout=20,
            )
            tool.notes.append(f"challenge solved: {r.status_code in (200, 303)}")
            return r.status_code in (200, 303)

        fetch("/")
        crawl(tool, run, fetch, pace=(0.5, 2.5), passer=passer)


def run_distributed(tool: Tool, run: Run, workers: int = 4) -> None:
    """A new random 127.x.y.z address for every request (x in 64..127, so /24s and /16s
    rarely repeat), a random browser user agent, no cookies; a challenge is solved from the
    address that got it, and the page fetched again with the pass."""
    import httpx

    addresses: set[str] = set()

    def fetch_from(address: str, path: str, cookies: dict[str, str]) -> httpx.Response:
        transport = httpx.HTTPTransport(local_address=address)
        headers = {**DISTRIBUTED_HEADERS, "User-Agent": random.choice(BROWSER_UAS)}
        with httpx.Client(transport=transport, timeout=20, cookies=cookies) as client:
            return client.get(run.base + path, headers=headers)

    def fetch(path: str) -> tuple[int, str, dict[str, str]]:
        address = f"127.{random.randint(64, 127)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        addresses.add(address)
        r = fetch_from(address, path, {})
        if is_challenge(r.status_code, r.text) and (proof := solve(r.text)):
            tool.record(path, r.status_code, r.text)  # the challenge itself is a response
            transport = httpx.HTTPTransport(local_address=address)
            with httpx.Client(transport=transport, timeout=20) as client:
                v = client.post(
                    run.base + "/.scrapeguard/verify",
                    data={"token": proof[0], "mode": "work", "counter": str(proof[1])},
                )
                cookies = dict(v.cookies)
            r = fetch_from(address, path, cookies)
        return r.status_code, r.text, dict(r.headers)

    # The workers share one frontier: each takes the next page and its own address.
    frontier = deque(["/directory?page=1"])
    seen = set(frontier)
    lock = threading.Lock()

    def worker() -> None:
        while run.going(tool):
            with lock:
                path = frontier.popleft() if frontier else None
            if path is None:
                run.wait(1.0)
                continue
            try:
                status, body, headers = fetch(path)
            except Exception:  # noqa: BLE001 - a dropped connection or a timeout
                tool.transport_errors += 1
                with lock:
                    frontier.append(path)
                continue
            tool.record(path, status, body)
            if status in STOPS:
                with lock:
                    frontier.append(path)  # another address will try it later
                run.wait(random.uniform(0.5, 2.0))
                continue
            with lock:
                for link in links(body) if status == 200 and not path.startswith("/u/") else []:
                    if link not in seen:
                        seen.add(link)
                        frontier.append(link)
            run.wait(random.uniform(0.2, 1.0))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tool.notes.append(f"{len(addresses)} distinct source addresses")


class _Forwarder:
    """A listener on loopback address `source`: each connection it accepts is carried to
    `target` over a new connection from `source`, by `_serve`."""

    def __init__(self, target: tuple[str, int], source: str) -> None:
        self.target = target
        self.source = source
        self.server = socket.create_server((source, 0))
        self.port = self.server.getsockname()[1]
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, (peer, _) = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, source_address=(self.source, 0))
            except OSError:
                client.close()
                continue
            self._serve(client, peer, upstream)

    def _serve(self, client: socket.socket, peer: str, upstream: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.closed.set()
        self.server.close()


class Relay(_Forwarder):
    """A TCP relay on loopback: each connection it accepts is carried to the site over a new
    connection bound to `source`, so that the site sees `source` as the client."""

    def _serve(self, client: socket.socket, peer: str, upstream: socket.socket) -> None:
        threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while not self.closed.is_set():
                for key, _ in sel.select(timeout=1.0):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            a.close()
            b.close()


class FrontProxy(_Forwarder):
    """A forwarding proxy on 127.0.0.1 in front of the site, as nginx is in front of a real one:
    each connection from 127.A.B.C is carried to the site from 127.0.0.1 (which the demo
    trusts) with `X-Forwarded-For: 11.A.B.C` on every request, any such header of the client's
    replaced. 11.0.0.0/8 is a block no range list shipped with scrapeguard tags, so the site
    judges each address as one ordinary public client; loopback and private addresses it
    treats as shared by many people, which turns its per-address limits off."""

    def __init__(self, target: tuple[str, int]) -> None:
        super().__init__(target, "127.0.0.1")

    def _serve(self, client: socket.socket, peer: str, upstream: socket.socket) -> None:
        seen_as = public_address(peer).encode()
        threading.Thread(target=self._requests, args=(client, upstream, seen_as)).start()
        threading.Thread(target=self._responses, args=(upstream, client)).start()

    def _requests(self, client: socket.socket, upstream: socket.socket, seen_as: bytes) -> None:
        """Copy requests, rewriting each head; bodies are passed on by Content-Length."""
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = client.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = [
                    line
                    for line in head.split(b"\r\n")
                    if not line.lower().startswith(_FORWARDING_HEADERS)
                ]
                length = next(
                    (
                        int(x.split(b":", 1)[1])
                        for x in lines
                        if x.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                lines.insert(1, b"X-Forwarded-For: " + seen_as)
                while len(buffer) < length:
                    data = client.recv(65536)
                    if not data:
                        return
                    buffer += data
                upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + buffer[:length])
                buffer = buffer[length:]
        except (OSError, ValueError):
            return
        finally:
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_WR)

    def _responses(self, upstream: socket.socket, client: socket.socket) -> None:
        try:
            while data := upstream.recv(65536):
                client.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)  # wakes the request thread; the client sees
            client.close()  # the site's close, as it would without the proxy
            upstream.close()


_FORWARDING_HEADERS = (b"x-forwarded-for:", b"forwarded:", b"x-real-ip:")


def public_address(loopback: str) -> str:
    """The public address 11.A.B.C the front proxy passes on for 127.A.B.C."""
    return "11." + loopback.split(".", 1)[1]


def run_chromium(tool: Tool, run: Run) -> None:
    """Playwright driving Debian's `chromium` headless: opens the directory, reads profiles
    with human-like pauses and scrolling, solves challenges in the page (its JavaScript)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    relay = Relay(_host_port(run.base), tool.source)
    base = f"http://{tool.source}:{relay.port}"
    documents: list[Any] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
            page.on(
                "response",
                lambda r: documents.append(r) if r.request.resource_type == "document" else None,
            )

            def visit(path: str) -> str:
                """Open a page, wait out any challenge, record every document response."""
                try:
                    page.goto(base + path, timeout=30_000)
                    with contextlib.suppress(PlaywrightError):
                        page.wait_for_function(
                            "!document.title.startsWith('Checking')", timeout=30_000
                        )
                    page.wait_for_load_state("load", timeout=30_000)
                except PlaywrightError as exc:
                    tool.notes.append(f"navigation failed: {str(exc).splitlines()[0]}")
                    return ""
                for r in documents:
                    try:
                        body = r.text()
                    except PlaywrightError:
                        body = ""
                    tool.record(r.url, r.status, body)
                documents.clear()
                return page.content()

            def pause(low: float, high: float) -> None:
                end = time.time() + random.uniform(low, high)
                while time.time() < end and run.going(tool):
                    page.mouse.wheel(0, random.randint(80, 400))
                    run.wait(random.uniform(0.4, 1.5))

            listing = "/directory?page=1"
            visit("/")
            pause(1, 3)
            while run.going(tool):
                body = visit(listing)
                pause(2, 5)
                for link in links(body):
                    if not run.going(tool):
                        break
                    if link.startswith("/u/"):
                        visit(link)
                        pause(2, 8)
                    else:
                        listing = link
                if not body:
                    run.wait(10)
            browser.close()
    finally:
        relay.close()


# -- the human control ---------------------------------------------------------------------


@dataclass
class Session:
    """One M4D human session: its user agent and pages, as seconds from its start."""

    sid: str
    user_agent: str
    pages: list[tuple[float, str]]


_M4D_LINE = re.compile(
    r'^\S+ \S+ \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) \S+ "[^"]*" (\S+) "([^"]*)"'
)


def m4d_sessions(root: Path = M4D) -> list[Session]:
    """The annotated human sessions of M4D phase 1 with their page requests (a GET of `/`, or
    of a `.php` page other than the mouse-tracking beacons), read from the shared folder."""
    humans: set[str] = set()
    for f in (root / "phase1" / "annotations").rglob("*"):
        if f.is_file():
            for line in f.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == "human":
                    humans.add(parts[0])
    pages: dict[str, list[tuple[float, str]]] = {}
    agents: dict[str, str] = {}
    for log in sorted((root / "phase1" / "web_logs" / "humans").glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            m = _M4D_LINE.match(line)
            if not m or m[5] not in humans or m[2] != "GET":
                continue
            path = m[3].split("?")[0]
            if path != "/" and not (path.endswith(".php") and not path.startswith("/storage")):
                continue
            t = time.mktime(time.strptime(m[1].split()[0], "%d/%b/%Y:%H:%M:%S"))
            pages.setdefault(m[5], []).append((t, path))
            agents.setdefault(m[5], m[6])
    sessions = []
    for sid in sorted(pages):
        seq = sorted(pages[sid])
        start = seq[0][0]
        sessions.append(Session(sid, agents[sid], [(t - start, p) for t, p in seq]))
    return sessions


def demo_page(m4d_path: str, usernames: list[str], directory_pages: int) -> str:
    """The demo page an M4D page is mapped to: the home page for the home page, else by a hash
    of its path one of the directory's first `HUMAN_PAGES` pages (one time in four) or a
    profile. People open the directory and page on a little; nobody jumps to page 66 of it
    (and the site caps paging at 25)."""
    if m4d_path in ("/", "/index.php"):
        return "/"
    n = int.from_bytes(hashlib.sha256(m4d_path.encode()).digest()[:8], "big")
    if n % 4 == 0:
        return f"/directory?page={n // 4 % min(HUMAN_PAGES, directory_pages) + 1}"
    return "/u/" + usernames[n % len(usernames)]


@dataclass
class Replay:
    """The outcome of one replayed human session."""

    sid: str
    source: str
    pages: int = 0
    assets: int = 0
    challenged: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    error: str = ""


def replay(session: Session, source: str, run: Run, usernames: list[str], delay: float) -> Replay:
    """Replay `session` from `source` after `delay` seconds: its pages, at its pace, each with
    the assets a browser would load (once: they are cacheable), with the fetch metadata
    (Sec-Fetch-*) the person's browser sends."""
    import httpx

    from scrapeguard.demo.traffic_agents import Agent, fetch_metadata

    out = Replay(session.sid, source)
    run.wait(delay)
    start = time.time()
    transport = httpx.HTTPTransport(local_address=source)
    # The person's own browser writes Accept-Language its own way (Firefox weighs it apart).
    firefox = "Firefox/" in session.user_agent
    language = "en-GB,en;q=0.5" if firefox else "en-GB,en;q=0.9"
    browser = Agent(session.user_agent, "firefox" if firefox else "chrome")  # its assets' Accept
    headers = {**BROWSER_HEADERS, "Accept-Language": language, "User-Agent": session.user_agent}
    cached: set[str] = set()
    with httpx.Client(transport=transport, headers=headers, timeout=30) as client:
        referer = ""
        for offset, m4d_path in session.pages:
            run.wait(start + offset - time.time())
            if run.stop.is_set() or time.time() >= run.deadline:
                break
            path = demo_page(m4d_path, usernames, run.directory_pages)
            page = fetch_metadata(BROWSER_HEADERS["Accept"], referer)
            try:
                r = client.get(
                    run.base + path, headers={"Referer": referer, **page} if referer else page
                )
                out.pages += 1
                challenge = is_challenge(r.status_code, r.text)
                if challenge or r.status_code == 401:  # a proof of work or a login wall
                    out.challenged.append(path)
                elif r.status_code in STOPS:  # block, throttle, cap
                    out.blocked.append(path)
                if challenge and (proof := solve(r.text)):  # as the browser's script would
                    client.post(
                        run.base + "/.scrapeguard/verify",
                        data={"token": proof[0], "mode": "work", "counter": str(proof[1])},
                        headers=fetch_metadata("application/json", run.base + path),
                    )
                    r = client.get(run.base + path, headers=page)
                for asset in _ASSETS.findall(r.text):
                    if asset not in cached:
                        cached.add(asset)
                        accept = browser.asset_accept(asset)
                        a = client.get(
                            urljoin(run.base, asset),
                            headers={
                                "Referer": run.base + path,
                                "Accept": accept,
                                **fetch_metadata(accept, run.base + path),
                            },
                        )
                        out.assets += 1
                        if a.status_code in STOPS:
                            out.blocked.append(asset)
                referer = run.base + path
            except httpx.HTTPError as exc:
                out.error = f"{type(exc).__name__}: {exc}"
    return out


# -- the site ------------------------------------------------------------------------------


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def demo_site(size: int, log: Path, exits: list[int]) -> Iterator[str]:
    """`scrapeguard demo` enforcing, no simulated traffic, on a free loopback port, as a real
    process; its output (the decision lines) goes to `log`. Yields the base URL; the process's
    exit status is appended to `exits` once it has been stopped."""
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "scrapeguard", "demo", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--no-traffic", "--mode", "enforce", "--size", str(size)]
    cmd += ["--seed", "1"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (str(SRC), os.environ.get("PYTHONPATH")))),
    }
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"the demo site exited ({proc.returncode}); see {log}")
                try:
                    httpx.get(base + "/robots.txt", timeout=2)
                    break
                except httpx.TransportError:
                    if time.time() > deadline:
                        raise SystemExit(
                            f"the demo site did not start in 120 s; see {log}"
                        ) from None
                    time.sleep(0.3)
            warm_up(base)
            yield base
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            exits.append(proc.returncode)


def warm_up(base: str) -> None:
    """One visitor from an address of its own reads the home page, the directory and a
    profile, so that no tool meets a cold process: a decision slower than the site's time
    budget (5 ms) is not enforced on its request, and first requests are the slowest."""
    import httpx

    from scrapeguard.demo.traffic_agents import fetch_metadata

    transport = httpx.HTTPTransport(local_address=WARM_UP)
    headers = {**BROWSER_HEADERS, "User-Agent": BROWSER_UAS[0]}
    headers |= fetch_metadata(BROWSER_HEADERS["Accept"], "")  # a person's browser
    with httpx.Client(transport=transport, headers=headers, timeout=30) as client:
        client.get(base + "/")
        listing = client.get(base + "/directory?page=1").text
        for link in links(listing)[:1]:
            client.get(base + link)


def decisions(log: Path) -> list[str]:
    """The decision lines the demo printed (the first decision of each kind per actor)."""
    stamp = re.compile(r"^\d\d:\d\d:\d\d ")
    return [line for line in log.read_text(errors="replace").splitlines() if stamp.match(line)]


def metrics(base: str) -> dict[str, float]:
    """A few of the site's Prometheus counters (the suite reads them from 127.0.0.1)."""
    import httpx

    wanted = ("scrapeguard_budget_overruns_total", "scrapeguard_challenges_total")
    found: dict[str, float] = {}
    try:
        text = httpx.get(base + "/.scrapeguard/metrics", timeout=10).text
    except httpx.HTTPError:
        return found
    for line in text.splitlines():
        if line.startswith(wanted):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


# -- the run -------------------------------------------------------------------------------

TOOLS: dict[str, tuple[str, str, str]] = {
    # name: (label, target, source address)
    "wget": ("wget --mirror", "stop", "127.10.1.1"),
    "curl": ("curl loop", "stop", "127.10.2.1"),
    "requests": ("requests (JSON API)", "stop", "127.10.3.1"),
    "httpx": ("httpx, rotating browser UAs", "stop", "127.10.4.1"),
    "scrapy": ("Scrapy, default settings", "stop", "127.10.5.1"),
    "scrapy-stealth": ("Scrapy, AutoThrottle + browser UA + cookies", "stop", "127.10.6.1"),
    "curl_cffi": ("curl_cffi impersonating Chrome", "hold", "127.10.7.1"),
    "distributed": ("distributed, new 127.x.y.z per request", "hold", "127.64-127.*.*"),
    "chromium": ("Playwright + Debian chromium, headless", "hold", "127.10.8.1"),
}
#: PyPI packages installed when missing (Playwright's package only: the browser is Debian's).
PIP_NEEDS = {
    "scrapy": "scrapy",
    "scrapy-stealth": "scrapy",
    "curl_cffi": "curl_cffi",
    "chromium": "playwright",
}
MODULES = {"scrapy": "scrapy", "scrapy-stealth": "scrapy", "curl_cffi": "curl_cffi"}
MODULES |= {"chromium": "playwright", "requests": "requests", "httpx": "httpx"}
BINARIES = {"wget": "wget", "curl": "curl", "chromium": "/usr/bin/chromium"}


def available(name: str, install: bool) -> str:
    """Why a tool cannot run here ("" if it can), installing its PyPI package if allowed."""
    binary = BINARIES.get(name)
    if binary and not shutil.which(binary):
        return f"{binary} is not installed (Debian package)"
    module = MODULES.get(name)
    if module is None:
        return ""
    if _importable(module):
        return ""
    if install and name in PIP_NEEDS:
        package = PIP_NEEDS[name]
        cmd = [sys.executable, "-m", "pip", "install", "-q", package]
        subprocess.run(cmd, capture_output=True, timeout=600)
        if _importable(module):
            return ""
    return f"Python package {module} is missing and could not be installed"


def _importable(module: str) -> bool:
    probe = [sys.executable, "-c", f"import {module}"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def start(tool: Tool, run: Run, work: Path) -> threading.Thread:
    """Run `tool` in a thread; an exception is recorded, never raised."""
    bodies: dict[str, Callable[[], None]] = {
        "wget": lambda: run_wget(tool, run, work),
        "curl": lambda: run_curl(tool, run),
        "requests": lambda: run_requests(tool, run),
        "httpx": lambda: run_httpx(tool, run),
        "scrapy": lambda: run_scrapy(tool, run, work, "default"),
        "scrapy-stealth": lambda: run_scrapy(tool, run, work, "stealth"),
        "curl_cffi": lambda: run_curl_cffi(tool, run),
        "distributed": lambda: run_distributed(tool, run),
        "chromium": lambda: run_chromium(tool, run),
    }

    def body() -> None:
        try:
            bodies[tool.name]()
        except Exception as exc:  # noqa: BLE001 - a broken tool is reported, the run goes on
            tool.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"

    thread = threading.Thread(target=body, name=tool.name, daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    """Run the suite and print the figures; the exit status is 0 however the targets went."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0, help="real minutes of attack (30)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated (all)")
    ap.add_argument("--max-requests", type=int, default=20_000, help="per tool (20000)")
    ap.add_argument("--size", type=int, default=5000, help="people in the directory (5000)")
    ap.add_argument("--no-humans", action="store_true", help="no human control traffic")
    ap.add_argument("--no-install", action="store_true", help="never pip-install a tool")
    ap.add_argument(
        "--public-addresses",
        action="store_true",
        help="put a forwarding proxy in front of the site that passes 127.A.B.C on as the "
        "public address 11.A.B.C (the site treats loopback addresses as shared)",
    )
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    ap.add_argument("--keep", metavar="DIR", help="keep the demo's log and tool output here")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.tools.split(",") if n.strip()]
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        ap.error(f"unknown tools: {', '.join(unknown)} (known: {', '.join(TOOLS)})")

    tools = [Tool(n, *TOOLS[n]) for n in names]
    for tool in tools:
        tool.skipped = available(tool.name, not args.no_install)
        if tool.skipped:
            print(f"!!! SKIPPED {tool.label}: {tool.skipped}", file=sys.stderr, flush=True)

    sessions: list[Session] = []
    if not args.no_humans:
        if M4D.is_dir():
            sessions = m4d_sessions()
        else:
            print(f"!!! SKIPPED the human control: {M4D} is missing", file=sys.stderr)

    sys.path.insert(0, str(SRC))  # this tree's demo, as the site runs this tree's code
    from scrapeguard.demo.people import Directory

    usernames = [p.username for p in Directory(args.size, 1).people if not p.canary]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="attack-suite-"))
    work.mkdir(parents=True, exist_ok=True)
    site_log = work / "demo.log"
    exits: list[int] = []
    with demo_site(args.size, site_log, exits) as site:
        front = FrontProxy(_host_port(site)) if args.public_addresses else None
        base = f"http://127.0.0.1:{front.port}" if front else site
        started = time.time()
        run = Run(base, started + args.minutes * 60, args.max_requests, -(-len(usernames) // 50))
        print(f"demo site at {base}, enforcing; attacking for {args.minutes:g} min", flush=True)
        threads = [start(t, run, work) for t in tools if not t.skipped]
        replays: list[Replay] = []
        human_threads = []
        spread = 0.6 * args.minutes * 60
        for i, session in enumerate(sessions):
            source = f"127.20.{i + 1}.1"
            delay = i * spread / max(1, len(sessions))

            def go(s: Session = session, src: str = source, d: float = delay) -> None:
                replays.append(replay(s, src, run, usernames, d))

            th = threading.Thread(target=go, daemon=True)
            th.start()
            human_threads.append(th)
        try:
            while time.time() < run.deadline and any(t.is_alive() for t in threads + human_threads):
                time.sleep(1.0)
        except KeyboardInterrupt:
            print("interrupted: stopping every tool", file=sys.stderr)
        run.stop.set()
        for th in threads + human_threads:
            th.join(timeout=60)
        site_metrics = metrics(site)
        if front is not None:
            front.close()
    lines = decisions(site_log)
    figures = [t.figures(started) for t in tools]
    for row, tool in zip(figures, tools, strict=True):
        row["server_decisions"] = _decisions_for(tool, lines, args.public_addresses)
    humans = _human_figures(replays, len(sessions))
    doc = {
        "minutes": args.minutes,
        "addresses": "11.A.B.C via a front proxy" if args.public_addresses else "loopback peers",
        "directory_size": args.size,
        "people_counted_from": "the tools' own 200 responses (the demo keeps no ledger)",
        "tools": figures,
        "humans": humans,
        "site_metrics": site_metrics,
        "site_exit_status": exits[0],
    }
    print(report(doc))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _decisions_for(tool: Tool, lines: list[str], public: bool) -> list[str]:
    """The demo's decision lines about this tool's address or network (the distributed
    crawler's: its campaign's)."""
    if tool.name == "distributed":
        return [line for line in lines if "campaign" in line][:5]
    prefix = tool.source.rsplit(".", 1)[0] + "."
    if public:
        prefix = public_address(prefix)
    return [line for line in lines if prefix in line][:5]


def _human_figures(replays: list[Replay], sessions: int) -> dict[str, Any]:
    challenged = [r for r in replays if r.challenged and not r.blocked]
    blocked = [r for r in replays if r.blocked]
    stopped = len(challenged) + len(blocked)
    return {
        "sessions": sessions,
        "replayed": sum(1 for r in replays if r.pages),
        "pages": sum(r.pages for r in replays),
        "assets": sum(r.assets for r in replays),
        "median_pages_per_session": statistics.median([r.pages for r in replays]) if replays else 0,
        "challenged": len(challenged),
        "blocked": len(blocked),
        "stopped_share": round(stopped / max(1, len(replays)), 4),
        "target": f"at most {HUMAN_SHARE:.0%} blocked or challenged",
        "target_met": stopped / max(1, len(replays)) <= HUMAN_SHARE if replays else None,
        "errors": [f"{r.sid}: {r.error}" for r in replays if r.error],
        "stopped_sessions": [
            {"session": r.sid, "source": r.source, "challenged": r.challenged, "blocked": r.blocked}
            for r in challenged + blocked
        ],
    }


def report(doc: dict[str, Any]) -> str:
    """The final table."""
    out = [
        f"\nattack suite: {doc['minutes']:g} min against the demo site "
        f"({doc['directory_size']:,} people), enforcing; clients seen as "
        f"{doc['addresses']}; people counted from {doc['people_counted_from']}",
        f"{'tool':<44} {'requests':>8} {'before 1st stop':>15} {'in run':>7} "
        f"{'1st stop at':>11}  target",
    ]
    for row in doc["tools"]:
        if row["skipped"]:
            out.append(f"{row['label']:<44} SKIPPED: {row['skipped']}")
            continue
        met = {True: "met", False: "MISSED", None: "n/a"}[row["target_met"]]
        at = "never" if row["first_stop_after_s"] is None else f"{row['first_stop_after_s']:.0f} s"
        out.append(
            f"{row['label']:<44} {row['requests']:>8,} {row['people_before_first_stop']:>15,} "
            f"{row['people_in_run']:>7,} {at:>11}  {met} ({row['target']})"
        )
        if row["error"]:
            out.append(f"    error: {row['error']}")
        for line in row["server_decisions"][:3]:
            out.append(f"    server: {line}")
    h = doc["humans"]
    if h["sessions"]:
        met = {True: "met", False: "MISSED", None: "n/a"}[h["target_met"]]
        out.append(
            f"humans (M4D sessions replayed): {h['replayed']} of {h['sessions']} sessions, "
            f"{h['pages']} pages, {h['assets']} assets; challenged {h['challenged']}, "
            f"blocked {h['blocked']} ({h['stopped_share']:.1%}): {met} ({h['target']})"
        )
        for s in h["stopped_sessions"]:
            out.append(f"    stopped: {s}")
    if doc["site_metrics"]:
        out.append(
            "site metrics: " + ", ".join(f"{k} {v:g}" for k, v in doc["site_metrics"].items())
        )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
