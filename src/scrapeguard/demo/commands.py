"""`scrapeguard demo`, `scrapeguard simulate` and `scrapeguard eval`.

They need the `demo` extra (Faker, Starlette, uvicorn, httpx); the rest of scrapeguard does not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..config import load_file
from ..engine import Guard
from ..errors import ScrapeguardError
from ..ingest import IngestStats, read_events
from ..integrations.loading import read_config
from ..outfiles import check_writable, write_file
from ..policy import Policy
from ..site import SiteModel
from ..state import open_state
from ..terminal import printable

if TYPE_CHECKING:
    from ..events import RequestEvent
    from .evaluate import Truth

DEFAULT_SEEDS = "101,102,103"


def add_parsers(sub: Any) -> None:
    """Register the three commands on the `scrapeguard` parser's subcommands."""
    d = sub.add_parser(
        "demo",
        help="run the demo social site with scrapeguard inline and live simulated traffic",
        description="Start the demo social network protected by scrapeguard, with simulated "
        "people, crawlers and scrapers visiting it live. Runs until interrupted.",
    )
    d.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    d.add_argument("--port", type=int, default=8000, help="port (8000)")
    d.add_argument(
        "--mode",
        choices=("shadow", "enforce"),
        default="enforce",
        help="enforce decisions (enforce), or only log them (shadow)",
    )
    d.add_argument("--no-traffic", action="store_true", help="no simulated traffic")
    d.add_argument("--size", type=int, default=5000, help="people in the directory (5000)")
    d.add_argument("--seed", type=int, default=1, help="seed of the people and traffic (1)")
    d.add_argument(
        "--speed", type=_positive, default=60.0, help="simulated seconds per second (60)"
    )
    d.add_argument("--duration", type=_positive, help="stop after this many seconds")
    d.add_argument(
        "--bind-sources",
        action="store_true",
        help="send traffic from 127.x.y.z source addresses instead of a forwarded header",
    )
    d.set_defaults(run=_demo)

    s = sub.add_parser(
        "simulate",
        help="write labelled simulated traffic, or send it live to a site",
        description="Simulate a day of the demo site's traffic from a seed: people (with the "
        "hard groups), crawlers and ten kinds of scraper. Writes an access log (JSON lines) and "
        "its ground truth, or sends the traffic live to a running site.",
    )
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--hours", type=_positive, default=24.0, help="simulated hours (24)")
    s.add_argument("--scale", type=_positive, default=1.0, help="multiplies the number of actors")
    s.add_argument("--size", type=int, default=5000, help="people in the directory (5000)")
    s.add_argument(
        "--out", metavar="DIR", help="write the log (DIR/access.log.jsonl) and DIR/truth.json"
    )
    s.add_argument(
        "--format",
        choices=("json", "combined"),
        default="json",
        help="log format: json (sessions, accounts and their age; default) or combined "
        "(DIR/access.log, which cannot carry them)",
    )
    s.add_argument("--live", metavar="URL", help="send the traffic to the site at URL instead")
    s.add_argument(
        "--speed", type=_positive, default=60.0, help="live: simulated seconds per second"
    )
    s.add_argument("--max-requests", type=int, default=10_000, help="live: at most (10000)")
    s.add_argument("--duration", type=_positive, default=120.0, help="live: at most seconds (120)")
    s.add_argument("--bind-sources", action="store_true", help="live: 127.x.y.z sources")
    s.set_defaults(run=_simulate)

    e = sub.add_parser(
        "eval",
        help="score detection on labelled simulated traffic",
        description="Run the engine (enforce mode) over labelled simulator output and print "
        "recall, precision, requests and people until the first stop per class, and the share "
        "of people blocked or challenged, overall and per hard group.",
    )
    add_run_arguments(e, DEFAULT_SEEDS)
    e.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    e.set_defaults(run=_eval)


def _positive(text: str) -> float:
    """An argument that must be a number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text} must be a number above 0")
    return value


def _seeds(text: str) -> str:
    """Seeds separated by commas (101,102,103)."""
    try:
        for seed in text.split(","):
            int(seed)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: seeds are whole numbers separated by commas, such as 101,102,103"
        ) from None
    return text


def _directory(size: int, seed: int) -> Any:
    """The demo's directory of `size` people, or an error that names `--size`."""
    from .people import Directory

    try:
        return Directory(size, seed)
    except ValueError as e:
        raise ScrapeguardError(f"--size {size}: {e}") from None


def _need_demo_extra() -> None:
    try:
        import faker  # noqa: F401
        import starlette  # noqa: F401
    except ImportError:
        raise ScrapeguardError(
            "this command needs the demo extra: python3 -m pip install 'scrapeguard[demo]'"
        ) from None


def demo_config(size: int, mode: str | None = None) -> tuple[SiteModel, Policy, Any, str]:
    """The demo site's site model, policy, enforce settings and state URL."""
    from .site import SITE_CONFIG

    site, policy, settings, state_url = read_config(load_file(str(SITE_CONFIG)))
    site.directory_size = size
    if mode is not None:
        policy.mode = mode
    return site, policy, settings, state_url


# -- demo ---------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    _need_demo_extra()
    import uvicorn

    from ..integrations.inline import Inline
    from .site import DIRECTORY_PAGE, create_app

    listener = _listen(args.host, args.port)
    port = listener.getsockname()[1]  # the one the system chose for --port 0
    directory = _directory(args.size, args.seed)
    site, policy, settings, state_url = demo_config(args.size, args.mode)
    guard = Guard(site, policy, open_state(state_url))
    secret = os.environ.get("SCRAPEGUARD_SECRET", "").encode() or secrets.token_bytes(32)
    inline = Inline(guard, settings, secret=secret, can_wait=True)
    app = create_app(directory, inline, clock=guard.now)
    _show_decisions(args.mode)
    base = f"http://{f'[{args.host}]' if ':' in args.host else args.host}:{port}"
    example = directory.people[0].username
    print(
        f"scrapeguard demo — a social network of {args.size:,} synthetic people, "
        f"protected in {args.mode} mode\n"
        f"  site:      {base}/\n"
        f"  profiles:  {base}/u/{{username}}   e.g. {base}/u/{example}\n"
        f"  API:       {base}/api/v1/users/{{username}}\n"
        f"  directory: {base}/directory?page=1   ({DIRECTORY_PAGE} a page, {args.size:,} people)\n"
        f"  metrics:   {base}/.scrapeguard/metrics   (from this machine only)\n"
        f"  traffic:   {'none' if args.no_traffic else f'simulated, {args.speed:g}x real time'}"
        "\nDecisions are printed below as they are taken. Ctrl-C stops.",
        flush=True,
    )
    config = uvicorn.Config(app, host=args.host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_quiet_upgrades)
    stop = threading.Event()
    threads = []
    if not args.no_traffic:
        threads.append(threading.Thread(target=_traffic, args=(args, directory, base, stop)))
    if args.duration:
        threads.append(threading.Thread(target=_stop_after, args=(args.duration, server, stop)))
    for t in threads:
        t.daemon = True
        t.start()
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()
        stop.set()
        for t in threads:
            t.join(timeout=15)
    print(
        f"scrapeguard demo stopped: {_actions(guard):,} decisions other than allow, "
        f"{len(guard.state):,} actors in state",
        flush=True,
    )
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on `host`:`port` (0: any free port), or a clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except OSError as e:
        listener.close()
        raise ScrapeguardError(f"cannot listen on {host} port {port}: {e.strerror or e}") from e
    return listener


def _actions(guard: Guard) -> int:
    return sum(n for key, n in guard.counters.items() if key.startswith("action/"))


def _stop_after(seconds: float, server: Any, stop: threading.Event) -> None:
    stop.wait(seconds)
    server.should_exit = True
    stop.set()


def _traffic(args: argparse.Namespace, directory: Any, base: str, stop: threading.Event) -> None:
    """Live traffic, a simulated day at a time with a new seed each day, until stopped."""
    import httpx

    from .live import LiveSender
    from .traffic import simulate

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not stop.is_set():  # wait for the server
        try:
            httpx.get(base + "/robots.txt", timeout=1)
            break  # any answer means the server is up
        except httpx.TransportError:
            time.sleep(0.2)
    day = 0
    while not stop.is_set():
        sim = simulate(directory, seed=args.seed * 1000 + day, hours=24.0)
        sender = LiveSender(base, directory, speed=args.speed, bind=args.bind_sources)
        asyncio.run(sender.run(sim.requests, max_requests=10**9, duration=10**9, stop=stop.is_set))
        day += 1


def _quiet_upgrades(record: logging.LogRecord) -> bool:
    """Drop uvicorn's two warnings per request that asks to upgrade the connection (curl
    --http2 and some scrapers do): any visitor could flood the decisions printed with them."""
    message = record.getMessage()
    return not message.startswith(("Unsupported upgrade request", "No supported WebSocket"))


class _DecisionPrinter(logging.Handler):
    """One readable line per decision of the decision log."""

    def __init__(self, mode: str) -> None:
        super().__init__(logging.INFO)
        self.mode = mode
        self.seen: set[tuple[str, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            d = json.loads(record.getMessage())
        except ValueError:
            return
        key = (d["actor"], d["action"])
        if key in self.seen or d["action"] == "allow":
            return  # the first decision of each kind per actor; the log has them all
        self.seen.add(key)
        verb = f"would {d['action']}" if d["simulated"] else d["enforced"]
        reason = d["reasons"][0] if d["reasons"] else d["origin"]
        stamp = time.strftime("%H:%M:%S", time.gmtime(d["time"]))
        print(f"{stamp} {verb:<18} {printable(d['actor']):<34} {printable(reason)}", flush=True)


def _show_decisions(mode: str) -> None:
    log = logging.getLogger("scrapeguard.decisions")
    log.setLevel(logging.INFO)
    log.addHandler(_DecisionPrinter(mode))
    log.propagate = False


# -- simulate -------------------------------------------------------------------------------


def _simulate(args: argparse.Namespace) -> int:
    _need_demo_extra()
    from .live import LiveSender
    from .traffic import simulate, write_log, write_truth

    if bool(args.out) == bool(args.live):
        raise ScrapeguardError("simulate: give either --out DIR or --live URL")
    if args.out:  # before the simulation, not after
        log = os.path.join(args.out, "access.log.jsonl" if args.format == "json" else "access.log")
        truth = os.path.join(args.out, "truth.json")
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as e:
            raise ScrapeguardError(f"cannot write to {args.out}: {e.strerror or e}") from None
        check_writable(log)
    directory = _directory(args.size, args.seed)
    sim = simulate(directory, seed=args.seed, hours=args.hours, scale=args.scale)
    if args.out:
        lines = write_log(sim, log, fmt=args.format)
        write_truth(sim, truth)
        print(f"wrote {lines:,} requests of {len(sim.actors):,} actors to {log}; truth: {truth}")
        return 0
    sender = LiveSender(args.live, directory, speed=args.speed, bind=args.bind_sources)
    stats = asyncio.run(sender.run(sim.requests, args.max_requests, args.duration))
    codes = ", ".join(f"{code}: {n:,}" for code, n in sorted(stats.statuses.items()))
    print(
        f"sent {stats.sent:,} requests in {stats.seconds:.1f} s to {args.live} "
        f"({stats.failed:,} failed); statuses {codes or 'none'}"
    )
    return 0


# -- eval -----------------------------------------------------------------------------------


def _eval(args: argparse.Namespace) -> int:
    _need_demo_extra()
    from .evaluate import evaluate, format_table, result_document

    if args.json:
        check_writable(args.json)  # before the runs, not after
    runs: list[dict[str, Any]] = []
    for label, events, truth, size in labelled_runs(args):
        site, policy = run_config(args, size)
        policy.mode = "enforce"  # decisions held against actors apply to their later requests
        guard = Guard(site, policy, open_state("memory://"))
        result = evaluate(events, truth.labels, truth.actors, guard, truth.shown)
        print(f"== {label}\n{format_table(result)}\n", flush=True)
        runs.append({"run": label, **result_document(result)})
    if args.json:
        doc = runs[0] if len(runs) == 1 else {"runs": runs}
        write_file(args.json, lambda fh: json.dump(doc, fh, indent=1))
    return 0


def add_run_arguments(parser: Any, seeds: str) -> None:
    """The arguments `labelled_runs` and `run_config` read: a labelled log and its truth, or
    the seeds (default `seeds`) and size of simulated ones; the site model and policy."""
    parser.add_argument("log", nargs="?", help="labelled log (JSON lines); else simulate --seeds")
    parser.add_argument("--truth", metavar="FILE", help="the log's ground truth (truth.json)")
    parser.add_argument("--seeds", type=_seeds, default=seeds, help=f"seeds to simulate ({seeds})")
    parser.add_argument("--hours", type=_positive, default=24.0)
    parser.add_argument("--scale", type=_positive, default=1.0)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--site", help="site model and policy (the demo site's by default)")


def run_config(args: argparse.Namespace, size: int) -> tuple[SiteModel, Policy]:
    """The site model and policy of a labelled run: `--site`, else the demo site's."""
    if args.site:
        site, policy, _, _ = read_config(load_file(args.site))
        return site, policy
    site, policy, _, _ = demo_config(size)
    return site, policy


def labelled_runs(args: argparse.Namespace) -> Iterator[tuple[str, list[RequestEvent], Truth, int]]:
    """(label, events, ground truth, directory size) per run: the given log, or one
    simulated log per seed, written and read back exactly as a user's would be."""
    from .traffic import simulate, write_log, write_truth

    if args.log:
        if not args.truth:
            raise ScrapeguardError("eval: a log needs its --truth file")
        yield _read_run(args.log, args.log, args.truth, args.size)
        return
    for text in args.seeds.split(","):
        seed = int(text)
        sim = simulate(_directory(args.size, seed), seed=seed, hours=args.hours, scale=args.scale)
        with tempfile.TemporaryDirectory(prefix="scrapeguard-eval-") as folder:
            log = os.path.join(folder, "access.log.jsonl")
            truth = os.path.join(folder, "truth.json")
            write_log(sim, log)
            write_truth(sim, truth)
            yield _read_run(f"seed {seed}", log, truth, args.size)


def _read_run(
    label: str, log: str, truth_file: str, size: int
) -> tuple[str, list[RequestEvent], Truth, int]:
    from .evaluate import read_truth

    truth = read_truth(truth_file)
    if truth.directory_size is not None:
        size = truth.directory_size
    stats = IngestStats()
    events = list(read_events([log], "json", stats))
    if stats.malformed:
        raise ScrapeguardError(f"eval: {stats.malformed:,} malformed lines in {log}")
    return label, events, truth, size
