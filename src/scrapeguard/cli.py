"""The `scrapeguard` command.

Exit codes (docs/analyze.md): 0 success; 1 the input or configuration is unusable (unreadable
log, invalid site or policy file); 2 wrong usage; 3 `analyze --fail-on-flagged` found flagged
actors; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import sys
import time
from collections.abc import Sequence
from importlib import resources
from typing import Any, TextIO

from . import __version__
from .analyze import ActorSummary, clock, iso, replay, result_document, write_result
from .config import collect, load_file, parse_duration
from .demo.commands import add_parsers as add_demo_parsers
from .enforce.lists import AccessList
from .engine import Decision, Guard
from .errors import ConfigError, ScrapeguardError
from .events import RequestEvent, ledger_actors
from .ingest import (
    IngestStats,
    can_read_in_parallel,
    custom_format,
    get_format,
    read_events,
    read_events_parallel,
)
from .integrations.loading import open_state_of, read_config, unique
from .learned.commands import add_parsers as add_model_parsers
from .outfiles import check_writable, write_file
from .policy import Policy, policy_from_document
from .site import Access, SiteModel, site_from_document
from .state import open_state
from .store.commands import add_parsers as add_store_parsers
from .terminal import printable

#: Under `run`, objects kept until the process exits: a replay's millions of actor states take
#: a second to free one by one, for nothing when the process is about to end.
_RETAINED: list[object] = []
_RETAIN = False

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_FLAGGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


#: The extra that installs each optional package a command may need.
EXTRAS = {
    "sqlalchemy": "store",
    "alembic": "store",
    "pyroaring": "store",
    "psycopg": "store",
    "redis": "redis",
    "faker": "demo",
    "starlette": "demo",
    "uvicorn": "demo",
    "httpx": "demo",
    "sklearn": "model",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except ScrapeguardError as exc:
        print(f"scrapeguard: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").partition(".")[0])
        if extra is None:
            raise
        print(
            f"scrapeguard: error: this needs {exc.name}: pip install 'scrapeguard[{extra}]'",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("scrapeguard: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scrapeguard",
        description="Protect the public personal data on your site from unlawful mass scraping.",
    )
    parser.add_argument("--version", action="version", version=f"scrapeguard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    a = sub.add_parser(
        "analyze",
        help="replay access logs and report who harvested profiles",
        description="Replay access logs through the detection engine on their "
        "own timestamps and report who received whose personal data.",
    )
    a.add_argument("logs", nargs="*", help="log files (plain or gzip, any order); - for stdin")
    a.add_argument("--sample", action="store_true", help="analyze the bundled sample log")
    a.add_argument("--site", help="site model file (YAML; may also hold the policy)")
    a.add_argument("--policy", help="policy file (YAML), if not in the site file")
    a.add_argument(
        "--format", default="auto", help="log format: auto (default), combined, common, json"
    )
    a.add_argument(
        "--log-format",
        metavar="SPEC",
        help="custom format in nginx log_format or Apache LogFormat syntax",
    )
    a.add_argument("--json", metavar="FILE", help="write the full result as JSON")
    a.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    a.add_argument("--top", type=_how_many, default=15, help="actors to list in the terminal (15)")
    a.add_argument("--state", default="memory://", help="state backend URL (memory://)")
    a.add_argument(
        "--store",
        metavar="URL",
        help="also keep decisions and the disclosure ledger in this store "
        "(sqlite:///scrapeguard.db, postgresql://…; docs/store.md)",
    )
    a.add_argument("--no-progress", action="store_true", help="no progress bar")
    a.add_argument(
        "--jobs",
        type=int,
        choices=(1, 2),
        help="2: read and parse in a second process (default where there are two cores)",
    )
    a.add_argument(
        "--fail-on-flagged", action="store_true", help="exit with 3 when any actor is flagged"
    )
    a.set_defaults(run=_analyze)

    add_demo_parsers(sub)
    add_model_parsers(sub)
    add_store_parsers(sub)

    for name, text in (
        ("block", "block an address, a range or an account on every node, now"),
        ("unblock", "take an address, a range or an account off the blocklist on every node"),
    ):
        b = sub.add_parser(
            name,
            help=text,
            description=f"{text[0].upper()}{text[1:]}, through the shared state "
            "(redis://) that the running processes use (docs/multi-node.md).",
        )
        b.add_argument("value", help="an IP address, a CIDR range, or with --account an account id")
        b.add_argument("--account", action="store_true", help="VALUE is an account id")
        if name == "block":
            b.add_argument(
                "--for", dest="duration", help="how long: 30m, 24h, 7d (default: until unblocked)"
            )
            b.add_argument("--reason", default="", help="why (kept with the entry, never shown)")
        b.add_argument("--state", help="shared state URL (default: `state:` of --config)")
        b.add_argument(
            "--config",
            default=os.environ.get("SCRAPEGUARD_CONFIG"),
            help="the configuration file the processes use (default: $SCRAPEGUARD_CONFIG)",
        )
        b.set_defaults(run=_block)

    c = sub.add_parser(
        "check",
        help="validate site model and policy files",
        description="Validate site model and policy files; report every error.",
    )
    c.add_argument("files", nargs="+")
    c.set_defaults(run=_check)

    r = sub.add_parser(
        "ranges",
        help="list or refresh the address ranges used to verify "
        "crawlers and recognise shared networks",
    )
    rs = r.add_subparsers(dest="ranges_command", required=True)
    rl = rs.add_parser("list", help="show every range list, its date and where it comes from")
    rl.set_defaults(run=_ranges_list)
    ru = rs.add_parser("update", help="replace a range list with a file you supply (no network)")
    ru.add_argument("name", help="list name, as shown by `scrapeguard ranges list`")
    ru.add_argument("file", help="the new list, in the same format as the published one")
    ru.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        type=_iso_date,
        help="the day the list was the operator's current one (default: the later of the date "
        "in the file and the day it was downloaded, its modification date)",
    )
    ru.set_defaults(run=_ranges_update)
    return parser


def load_config(site_path: str | None, policy_path: str | None) -> tuple[SiteModel, Policy]:
    """Read the site model and policy; with no files, the defaults. Errors are collected
    across both files and reported together."""
    errors: list[str] = []
    site, policy = SiteModel.default(), Policy()
    if site_path:
        doc = collect(errors, load_file, site_path)
        if doc is not None:
            site = collect(errors, site_from_document, doc) or site
            if policy_path is None:
                policy = collect(errors, policy_from_document, doc) or policy
    if policy_path:
        doc = collect(errors, load_file, policy_path)
        if doc is not None:
            policy = collect(errors, policy_from_document, doc) or policy
    if errors:
        raise ConfigError(unique(errors))
    return site, policy


def _how_many(text: str) -> int:
    """An argument that counts something: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is below 0")
    return value


def _analyze(args: argparse.Namespace) -> int:
    logs = list(args.logs)
    site_path = args.site
    if args.sample:
        sample = resources.files("scrapeguard") / "data" / "sample"
        logs.append(str(sample / "access.log.gz"))
        site_path = site_path or str(sample / "site.yaml")
    if not logs:
        print("scrapeguard analyze: give log files, - for stdin, or --sample", file=sys.stderr)
        return EXIT_USAGE
    for target in (args.json, args.html):
        if target:
            check_writable(target)  # before a long replay, not after
    site, policy = load_config(site_path, args.policy)
    fmt = custom_format(args.log_format) if args.log_format else args.format
    if fmt != "auto" and isinstance(fmt, str):
        get_format(fmt)
    guard = Guard(site, policy, state=open_state(args.state))
    store, each = _recording(args.store)
    if _RETAIN:
        _RETAINED.append(guard)  # freed by the exit in `run`, not one object at a time
    stats = IngestStats()
    total = _total_size(logs)
    bar = _Progress(sys.stderr, total, stats) if _show_progress(args, total) else None
    started = clock()
    try:
        parallel = args.jobs == 2 or (args.jobs is None and can_read_in_parallel(logs))
        reader = read_events_parallel if parallel else read_events
        r = replay(guard, reader(logs, fmt, stats), bar.update if bar else None, each=each)
    finally:
        guard.state.close()  # a shared state gets what is still waiting to be sent
        if store is not None:
            for state in guard.state:
                if state.peak or state.bot or state.verdict != "allow":
                    store.record_actor(state)
            store.sync_partners(policy.partners)
            store.close()
        if bar is not None:
            bar.close()
    seconds = clock() - started
    doc, actors = result_document(guard, r, stats, logs, seconds)
    if args.json:
        write_file(args.json, lambda fh: write_result(fh, doc, actors))
    if args.html:
        from .report.html import MAX_CHART_ACTORS, MAX_TABLE_ROWS, render_html

        shown = list(actors.rows(max(MAX_TABLE_ROWS, MAX_CHART_ACTORS)))
        page = render_html({**doc, "actors": shown})
        write_file(args.html, lambda fh: fh.write(page))
    _print_summary(doc, actors, args.top, sys.stdout)
    if args.fail_on_flagged and doc["summary"]["flagged"]:
        return EXIT_FLAGGED
    return EXIT_OK


def _block(args: argparse.Namespace) -> int:
    url, doc = args.state, None
    if url is None and args.config:
        doc = load_file(args.config)
        url = read_config(doc)[3]
    if url is None or url.startswith("memory:"):
        raise ScrapeguardError(
            "a block reaches running processes only through shared state: give --state "
            "redis://… or a --config whose state: is one; with memory:// state, add the entry "
            "to policy.blocklist in the configuration file instead"
        )
    kind = "account" if args.account else "ip"
    lists = AccessList("blocklist")
    try:
        value = lists.normalise(args.value, kind=kind)
    except ValueError as e:
        raise ScrapeguardError(str(e)) from None
    expires = None
    if getattr(args, "duration", None):
        seconds = parse_duration(args.duration)
        if seconds is None or seconds <= 0:
            raise ScrapeguardError(
                f"--for must be a duration such as 30m, 24h or 7d; got {args.duration!r}"
            )
        expires = time.time() + seconds
    state = open_state(url) if doc is None else open_state_of(doc, url)
    try:
        if args.command == "block":
            entry = lists.add(
                value, kind=kind, expires=expires, reason=args.reason, now=time.time()
            )
            state.share_list(lists.name, kind, value, entry)
            until = "until unblocked" if expires is None else f"until {iso(expires)}"
            print(f"blocked {value} {until}, on every node sharing {state.url}")
        else:
            state.share_list(lists.name, kind, value, None)
            print(f"unblocked {value} on every node sharing {state.url}")
    finally:
        state.close()
    return EXIT_OK


def _recording(url: str | None) -> tuple[Any, Any]:
    """The store named by `--store` and what keeps each replayed request in it."""
    if url is None:
        return None, None
    from .store import Store

    store = Store(url)

    def each(event: RequestEvent, access: Access, decision: Decision) -> None:
        if decision.action != "allow":
            store.record_decision(decision)
        if access.disclosures:  # the site served them: the log is what happened
            store.record_disclosure(ledger_actors(event), event.time, access.disclosures)

    return store, each


def _total_size(logs: list[str]) -> int:
    total = 0
    for path in logs:
        with contextlib.suppress(OSError):
            total += os.path.getsize(path) if path != "-" else 0
    return total


def _show_progress(args: argparse.Namespace, total: int) -> bool:
    return not args.no_progress and sys.stderr.isatty() and total > 20_000_000


class _Progress:
    """A one-line progress bar on a terminal, driven by bytes read."""

    def __init__(self, out: TextIO, total: int, stats: IngestStats) -> None:
        self.out, self.total, self.stats = out, total, stats
        self.started = clock()

    def update(self, events: int) -> None:
        done = min(self.stats.bytes_read / self.total, 1.0) if self.total else 0.0
        rate = events / max(clock() - self.started, 1e-9)
        bar = "#" * int(done * 30)
        self.out.write(f"\r[{bar:<30}] {done:4.0%}  {events:,} lines  {rate:,.0f} lines/s ")
        self.out.flush()

    def close(self) -> None:
        self.out.write("\r" + " " * 78 + "\r")
        self.out.flush()


def _print_summary(doc: dict[str, Any], actors: ActorSummary, top: int, out: TextIO) -> None:
    s = doc["summary"]
    rate = s["parsed"] / s["seconds"] if s["seconds"] else 0.0
    print(
        f"scrapeguard analyze — {s['lines']:,} lines, {s['parsed']:,} parsed, "
        f"{s['malformed']:,} malformed, in {s['seconds']:.1f} s ({rate:,.0f} lines/s)",
        file=out,
    )
    if s["first_event"]:
        print(
            f"traffic from {s['first_event']} to {s['last_event']}; "
            f"{s['distinct_people']:,} distinct people's data disclosed; "
            f"{s['actors']:,} actors, {s['flagged']:,} flagged (policy mode: {s['mode']})",
            file=out,
        )
    for m in doc["malformed_examples"][:5]:
        print(f"  malformed: {m['source']}:{m['line']}: {printable(m['reason'])}", file=out)
    for w in s["warnings"]:
        print(f"  warning: {printable(w)}", file=out)
    needed = s["crawler_ranges_needed"]
    if needed:
        which = ", ".join(f"{name} ({n:,} requests)" for name, n in needed.items())
        print(
            "note: declared crawlers judged like any client, unverified: their operators' "
            f"published address lists are\n      missing or dated too far from these requests: "
            f"{which}.\n      `scrapeguard ranges list` shows the installed lists; "
            "`scrapeguard ranges update NAME FILE` installs one of the traffic's time.",
            file=out,
        )
    listed = (a for a in actors.rows() if a["verdict"] != "allow" or a["bot"] or a["score"])
    rows = list(itertools.islice(listed, top))
    if not rows:
        if top:  # with --top 0, the summary lines above are all that was asked for
            print("no actor was flagged.", file=out)
        return
    print(
        f"\n{'verdict':<13} {'score':>5} {'kind':<11} {'actor':<34} {'requests':>9} "
        f"{'people':>8}  first seen → last seen",
        file=out,
    )
    for a in rows:
        verdict = a["verdict"] if not a["bot"] else f"{a['verdict']}/{a['bot']}"
        key = printable(a["key"])
        key = key if len(key) <= 34 else key[:33] + "…"
        print(
            f"{verdict:<13} {a['score']:>5} {a['kind']:<11} {key:<34} {a['requests']:>9,} "
            f"{a['subjects']:>8,}  {a['first_seen']} → {a['last_seen'][11:]}",
            file=out,
        )
        for reason in a["reasons"][:3]:
            print(f"{'':<15}· {printable(reason)}", file=out)


def _check(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            doc = load_file(path)
            site, policy, _, state_url = read_config(doc)
            open_state_of(doc, state_url).close()
        except ConfigError as exc:
            print("\n".join(exc.messages), file=sys.stderr)
            failed = True
            continue
        print(
            f"{path}: ok — {len(site.routes)} routes, policy mode {policy.mode}, "
            f"{len(policy.partners)} partners"
        )
    return EXIT_INPUT if failed else EXIT_OK


def _ranges_list(args: argparse.Namespace) -> int:
    from .crawlers import DEFAULT_MAX_AGE_DAYS, stale_crawler_lists
    from .netranges import NetworkData

    network = NetworkData()
    stale = stale_crawler_lists(network, time.time())
    for info in network.list_info():
        note = "  STALE" if info.name in stale else ""
        print(
            f"{info.name:<34} {info.kind:<12} {str(info.data_date or '?'):<12} "
            f"{info.prefixes:>7,} prefixes  ({info.source}){note}"
        )
    if stale:
        print(
            f"\nSTALE: more than {DEFAULT_MAX_AGE_DAYS:g} days old (or undated), so today's "
            "requests from these crawlers are unverifiable, not verified, and are judged like "
            f"any client's: {', '.join(stale)}. Download the operator's current list and "
            "install it with `scrapeguard ranges update NAME FILE` (docs/network-data.md)."
        )
    return EXIT_OK


def _ranges_update(args: argparse.Namespace) -> int:
    from .crawlers import DEFAULT_MAX_AGE_DAYS
    from .netranges import list_range_lists, update_range_list

    count = update_range_list(args.name, args.file, data_date=args.as_of)
    info = next(i for i in list_range_lists() if i.name == args.name)
    date = info.data_date
    print(f"{args.name}: {count:,} prefixes installed from {args.file}, current as of {date}")
    if info.kind == "crawler" and date is not None:
        span = dt.timedelta(days=DEFAULT_MAX_AGE_DAYS)
        print(
            f"  it verifies crawlers in traffic from {date - span} to {date + span} "
            f"(the default {DEFAULT_MAX_AGE_DAYS:g}-day limit)"
        )
    return EXIT_OK


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def run() -> None:
    """Entry point of the `scrapeguard` command: `main`, then exit at once.

    A replay leaves millions of objects behind; tearing them down one by one takes a second
    and achieves nothing at process exit, so the output is flushed and the process ends.
    """
    global _RETAIN
    _RETAIN = True
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a closed pipe (`| head`) is not an error here
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
