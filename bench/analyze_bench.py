#!/usr/bin/env python3
"""Benchmark `scrapeguard analyze` against a bare regex loop and fail2ban-regex, in one run.

On one combined-format log of the demo social network's simulated traffic (the traffic
simulator, `scrapeguard.demo.traffic`: a day at scale 4 by default, about 1,000,000 lines; it
needs the demo extra, Faker; cached in the temp directory, and never timed) it measures:

a. ``python -m scrapeguard analyze LOG --json OUT --site SITE`` (the demo site's model and
   policy) end to end as a child process: wall time, lines/s and peak memory (the child's RSS
   high-water mark, from ``os.wait4``);
b. a bare Python ``re`` loop: one compiled combined-log regex matched against every line with
   its groups taken, the ceiling for a log parser written in Python;
c. ``fail2ban-regex LOG /etc/fail2ban/filter.d/apache-badbots.conf`` (skipped, loudly, when
   fail2ban is not installed);
d. analyze (the faster build) on the same lines with every client address made unique
   (`spread_addresses`): about 1,000,000 distinct addresses, the foundation issue's condition,
   where actor state, not parsing, sets the peak memory.

Each runs ``--repeat`` times; the table shows medians, the ratios analyze / bare re and
analyze / fail2ban, and the targets, each judged on both logs: analyze >= 100,000 lines/s,
>= 1/6 of bare re, peak memory < 1 GB. ``--json FILE`` also writes every figure to FILE.
Not a test: run it by hand, ``python bench/analyze_bench.py`` (or ``--scale 1`` for a quick
version).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import ipaddress
import json
import multiprocessing
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "COMBINED_RE",
    "FAIL2BAN_FILTER",
    "TARGET_LINES_PER_S",
    "TARGET_PEAK_BYTES",
    "TARGET_RE_FRACTION",
    "Measurement",
    "bare_re",
    "ensure_log",
    "main",
    "run_child",
    "write_simulated_log",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SRC = REPO / "src"
SITE_YAML = SRC / "scrapeguard" / "demo" / "site.yaml"
"""The demo site's model and policy: the simulated traffic is that site's."""
SIMULATOR = [
    *sorted((SRC / "scrapeguard" / "demo").glob("*.py")),
    SRC / "scrapeguard" / "netranges.py",
    *sorted((SRC / "scrapeguard" / "data" / "ranges").iterdir()),
]
"""What the simulated log depends on, besides Faker (hashed into the cached log's name)."""
FAIL2BAN_FILTER = "/etc/fail2ban/filter.d/apache-badbots.conf"

TARGET_LINES_PER_S = 100_000
"""analyze must read at least this many lines a second."""
TARGET_RE_FRACTION = 1 / 6
"""analyze must reach at least this fraction of the bare regex loop's speed."""
MIB = 1 << 20
TARGET_PEAK_BYTES = 1 << 30
"""analyze's peak resident memory must stay below this (1 GiB)."""

COMBINED_RE = re.compile(
    r'(\S+) \S+ (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"'
)
"""The combined log format: ip, user, time, request, status, size, referer, user agent."""


@dataclass
class Measurement:
    """The runs of one contender and their medians."""

    name: str
    command: str
    lines: int
    walls: list[float] = field(default_factory=list)
    peak_rss: list[int] = field(default_factory=list)  # bytes, one per run (children only)
    error: str | None = None
    skipped: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def median_s(self) -> float | None:
        """Median wall time in seconds, or None if no run succeeded."""
        return statistics.median(self.walls) if self.walls else None

    @property
    def lines_per_s(self) -> float | None:
        """Lines divided by the median wall time."""
        median = self.median_s
        return self.lines / median if median else None

    @property
    def peak_bytes(self) -> int | None:
        """The highest RSS high-water mark over the runs."""
        return max(self.peak_rss) if self.peak_rss else None

    def as_dict(self) -> dict[str, Any]:
        """Everything measured, with the derived figures, for the JSON report."""
        return asdict(self) | {
            "median_s": self.median_s,
            "lines_per_s": self.lines_per_s,
            "peak_bytes": self.peak_bytes,
        }


def _simulator_fingerprint() -> str:
    try:
        faker = importlib.metadata.version("faker")
    except importlib.metadata.PackageNotFoundError:
        sys.exit("the simulator needs the demo extra: python3 -m pip install -e '.[demo]'")
    digest = hashlib.sha256(faker.encode())
    for path in SIMULATOR:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def write_simulated_log(
    path: str, seed: int, hours: float, scale: float, size: int
) -> dict[str, Any]:
    """Simulate the demo site's traffic (a directory of `size` people) and write it to `path`
    in the combined format; return its stats. Run in a child process: the simulation's objects
    stay out of the benchmark's."""
    sys.path.insert(0, str(SRC))  # the simulator of this tree, as analyze runs this tree's
    from scrapeguard.demo.people import Directory
    from scrapeguard.demo.traffic import simulate, write_log

    began = time.perf_counter()
    sim = simulate(Directory(size, seed), seed, hours=hours, scale=scale)
    lines = write_log(sim, path, fmt="combined")
    classes = Counter(sim.actors[r.actor].cls for r in sim.requests)
    return {
        "lines": lines,
        "distinct_ips": len({r.ip for r in sim.requests}),
        "actors": len(sim.actors),
        "classes": dict(classes.most_common()),
        "simulation": {"seed": seed, "hours": hours, "scale": scale, "size": size},
        "generated_in_s": round(time.perf_counter() - began, 1),
    }


def ensure_log(
    seed: int, hours: float, scale: float, size: int, path: str | None
) -> tuple[Path, dict[str, Any]]:
    """Return the benchmark log (simulating it if missing) and its stats.

    Without `path` the log is cached in the temp directory under a name that includes the
    simulation's parameters and a hash of the simulator (its sources, range lists and Faker's
    version), so a changed simulator writes a new one. An existing `path` is used as it is
    (its lines and distinct addresses are counted).
    """
    if path:
        log = Path(path)
        stats_path = log.with_name(log.name + ".stats.json")
        if log.exists():
            if stats_path.exists():
                stats: dict[str, Any] = json.loads(stats_path.read_text())
                if stats.get("bytes") == log.stat().st_size:
                    return log, stats
            return log, _count(log)
    else:
        cache = Path(tempfile.gettempdir()) / "scrapeguard-bench"
        cache.mkdir(exist_ok=True)
        name = f"sim-s{seed}-h{hours:g}-x{scale:g}-n{size}-{_simulator_fingerprint()}.log"
        log = cache / name
        stats_path = log.with_name(log.name + ".stats.json")
        if log.exists() and stats_path.exists():
            stats = json.loads(stats_path.read_text())
            if stats.get("bytes") == log.stat().st_size:
                print(f"using cached log {log}")
                return log, stats
    print(
        f"simulating {hours:g} h at scale {scale:g} (seed {seed}, {size:,} people) into {log} ...",
        flush=True,
    )
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as child:
        stats = child.submit(write_simulated_log, str(log), seed, hours, scale, size).result()
    stats["bytes"] = log.stat().st_size
    stats_path.write_text(json.dumps(stats))
    print(f"  {stats['lines']:,} lines in {stats['generated_in_s']} s")
    return log, stats


def spread_addresses(log: Path) -> tuple[Path, dict[str, Any]]:
    """The log with every line's client address replaced by one no other line has, in the
    same /16 (IPv4) or /64 (IPv6): numbered in order of appearance, so 1,000,000 lines come
    from 1,000,000 addresses, as the foundation issue's benchmark log does (an audience
    behind carrier pools that hand out a fresh address per request; a scraper rotating
    through residential proxies). Written next to `log` (never timed) and reused."""
    out = log.with_name(log.stem + ".one-address-per-line" + log.suffix)
    stats_path = out.with_name(out.name + ".stats.json")
    if out.exists() and stats_path.exists():
        stats: dict[str, Any] = json.loads(stats_path.read_text())
        if stats.get("bytes") == out.stat().st_size and stats.get("source_bytes") == (
            log.stat().st_size
        ):
            return out, stats
    print(f"writing {out} (one client address per line) ...", flush=True)
    used: Counter[tuple[int, int]] = Counter()  # addresses given out, per network
    with open(log, "rb") as src, open(out, "wb") as dst:
        for line in src:
            address, sep, rest = line.partition(b" ")
            try:
                ip = ipaddress.ip_address(address.decode("ascii"))
            except ValueError:  # not an address: the line stays as it is
                dst.write(line)
                continue
            if ip.version == 6:  # a fresh interface id in the same /64
                block = (6, int(ip) >> 64)
                fresh = str(ipaddress.IPv6Address((block[1] << 64) | (used[block] + 1)))
            else:  # a fresh address in the same /16
                block = (4, int(ip) >> 16)
                fresh = str(ipaddress.IPv4Address((block[1] << 16) | (used[block] & 0xFFFF)))
            used[block] += 1
            dst.write(fresh.encode() + sep + rest)
    stats = _count(out) | {"source_bytes": log.stat().st_size}
    stats_path.write_text(json.dumps(stats))
    print(f"  {stats['lines']:,} lines from {stats['distinct_ips']:,} addresses")
    return out, stats


def _count(log: Path) -> dict[str, Any]:
    ips: set[bytes] = set()
    lines = 0
    with open(log, "rb") as f:
        for line in f:
            lines += 1
            ips.add(line.split(b" ", 1)[0])
    return {"lines": lines, "distinct_ips": len(ips), "bytes": log.stat().st_size}


def run_child(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[int, float, int, str, str]:
    """Run `argv` to completion; return (exit code, wall s, peak RSS bytes, stdout, stderr).

    Peak RSS is the child's own high-water mark (and that of any children it waited for), as
    `wait4` reports it, so it is exact per run whatever ran before.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return code, wall, usage.ru_maxrss * 1024, stdout, stderr


def bare_re(log: Path) -> tuple[float, int, int]:
    """Match every line of `log` with `COMBINED_RE` and take its groups.

    Returns (seconds, matched, unmatched). Lines are decoded as UTF-8 (errors replaced), as a
    parser must.
    """
    match = COMBINED_RE.match
    matched = unmatched = 0
    began = time.perf_counter()
    with open(log, encoding="utf-8", errors="replace", newline="\n") as f:
        for line in f:
            m = match(line)
            if m is None:
                unmatched += 1
                continue
            m.groups()
            matched += 1
    return time.perf_counter() - began, matched, unmatched


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def build_compiled(work: Path) -> Path | None:
    """Build the mypyc-compiled engine (setup.py, SCRAPEGUARD_COMPILE=1) in a copy of the
    source under `work`; return its `src` folder, or None (said loudly) if it cannot be built."""
    tree = work / "compiled"
    shutil.copytree(SRC, tree / "src", ignore=shutil.ignore_patterns("*.so", "*.egg-info"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, tree / name)
    env = dict(os.environ, SCRAPEGUARD_COMPILE="1")
    done = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(
            f"\n{'!' * 72}\n!! SKIPPED compiled analyze: the build failed (needs mypy and a C "
            f"compiler)\n{_tail(done.stderr, 10)}\n{'!' * 72}\n"
        )
        return None
    return tree / "src"


def measure_analyze(
    log: Path,
    lines: int,
    repeat: int,
    command: list[str],
    site: Path,
    work: Path,
    src: Path = SRC,
    name: str = "scrapeguard analyze",
) -> Measurement:
    """Run the analyze command `repeat` times with `src` first on the path; stop at the
    first failure."""
    out_json = work / "analyze.json"
    argv = [*command, "analyze", str(log), "--json", str(out_json), "--site", str(site)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    m = Measurement(name, shlex.join(argv), lines)
    for i in range(repeat):
        out_json.unlink(missing_ok=True)
        code, wall, rss, stdout, stderr = run_child(argv, env)
        print(
            f"  analyze run {i + 1}/{repeat}: {wall:.2f} s, peak {rss / MIB:,.0f} MiB, exit {code}",
            flush=True,
        )
        if code != 0:
            m.error = f"exit {code}"
            print(
                f"!! analyze failed (exit {code}); its stderr:\n{_tail(stderr, 40)}",
                file=sys.stderr,
            )
            break
        m.walls.append(wall)
        m.peak_rss.append(rss)
        if i == 0 and out_json.exists():
            try:
                summary = json.loads(out_json.read_text()).get("summary", {})
                m.detail = {
                    k: summary.get(k)
                    for k in (
                        "lines",
                        "parsed",
                        "malformed",
                        "actors",
                        "flagged",
                        "seconds",
                        "people_disclosed",
                    )
                }
            except (ValueError, AttributeError) as exc:
                m.detail = {"json_error": str(exc)}
    return m


def measure_bare_re(log: Path, lines: int, repeat: int) -> Measurement:
    """Time the bare regex loop `repeat` times in this process."""
    m = Measurement("bare re loop", f"COMBINED_RE.match over {log.name}", lines)
    for i in range(repeat):
        seconds, matched, unmatched = bare_re(log)
        print(f"  bare re run {i + 1}/{repeat}: {seconds:.2f} s", flush=True)
        m.walls.append(seconds)
        m.detail = {"matched": matched, "unmatched": unmatched, "regex": COMBINED_RE.pattern}
    return m


def measure_fail2ban(log: Path, lines: int, repeat: int, filter_path: str) -> Measurement:
    """Run fail2ban-regex with the apache-badbots filter `repeat` times."""
    exe = shutil.which("fail2ban-regex")
    argv = [exe or "fail2ban-regex", str(log), filter_path]
    m = Measurement("fail2ban-regex", shlex.join(argv), lines)
    if exe is None:
        m.skipped = "fail2ban-regex not found (apt-get install fail2ban)"
    elif not Path(filter_path).exists():
        m.skipped = f"filter {filter_path} not found"
    if m.skipped:
        print(
            f"\n{'!' * 72}\n!! SKIPPED fail2ban-regex: {m.skipped}\n{'!' * 72}\n", file=sys.stderr
        )
        return m
    for i in range(repeat):
        code, wall, rss, stdout, stderr = run_child(argv)
        print(f"  fail2ban-regex run {i + 1}/{repeat}: {wall:.2f} s, exit {code}", flush=True)
        if code != 0:
            m.error = f"exit {code}"
            print(
                f"!! fail2ban-regex failed; its output:\n{_tail(stdout + stderr)}", file=sys.stderr
            )
            break
        m.walls.append(wall)
        m.peak_rss.append(rss)
        counted = re.search(
            r"Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed", stdout
        )
        internal = re.search(r"\[processed in ([\d.]+) sec\]", stdout)
        m.detail = {
            "lines": int(counted.group(1)) if counted else None,
            "matched": int(counted.group(3)) if counted else None,
            "processed_in_s": float(internal.group(1)) if internal else None,
        }
    return m


def _fmt(value: float | None, spec: str = ",.0f", suffix: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{suffix}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "FAIL"


def report(
    log: Path,
    stats: dict[str, Any],
    results: list[Measurement],
    spread: Measurement,
    spread_stats: dict[str, Any],
) -> dict[str, Any]:
    """Print the table, ratios and targets; return them as a JSON-ready dict. Targets are
    judged on the fastest analyze build that ran (compiled if it built, else pure Python),
    on the simulator's log and on `spread` (the same log from one address a line) too."""
    *builds, bare, f2b = results
    ran = [m for m in builds if m.lines_per_s]
    analyze = max(ran, key=lambda m: m.lines_per_s or 0) if ran else builds[0]
    a_rate, re_rate, f_rate = analyze.lines_per_s, bare.lines_per_s, f2b.lines_per_s
    ratio_re = a_rate / re_rate if a_rate and re_rate else None
    ratio_f2b = a_rate / f_rate if a_rate and f_rate else None
    peak = max((m.peak_bytes for m in (analyze, spread) if m.peak_bytes), default=None)
    s_rate = spread.lines_per_s
    s_ratio_re = s_rate / re_rate if s_rate and re_rate else None
    targets: dict[str, dict[str, Any]] = {
        "analyze_lines_per_s": {
            "target": f">= {TARGET_LINES_PER_S:,}",
            "value": a_rate,
            "ok": None if a_rate is None else a_rate >= TARGET_LINES_PER_S,
        },
        "analyze_lines_per_s_one_address_a_line": {
            "target": f">= {TARGET_LINES_PER_S:,}",
            "value": s_rate,
            "ok": None if s_rate is None else s_rate >= TARGET_LINES_PER_S,
        },
        "analyze_vs_bare_re": {
            "target": f">= {TARGET_RE_FRACTION:.3f} (1/6)",
            "value": ratio_re,
            "ok": None if ratio_re is None else ratio_re >= TARGET_RE_FRACTION,
        },
        "analyze_vs_bare_re_one_address_a_line": {
            "target": f">= {TARGET_RE_FRACTION:.3f} (1/6)",
            "value": s_ratio_re,
            "ok": None if s_ratio_re is None else s_ratio_re >= TARGET_RE_FRACTION,
        },
        "analyze_peak_memory": {
            "target": f"< {TARGET_PEAK_BYTES:,} bytes (1 GiB)",
            "value": peak,
            "ok": None if peak is None else peak < TARGET_PEAK_BYTES,
        },
    }
    print()
    print(f"log: {log}")
    print(
        f"     {stats.get('lines', 0):,} lines, {stats.get('distinct_ips', 0):,} distinct "
        f"client IPs, {stats.get('bytes', 0) / 1e6:,.1f} MB"
    )
    if "simulation" in stats:
        human = stats["classes"].get("human", 0) / stats["lines"]
        print(f"     simulated: {stats['simulation']}, {human:.0%} of the lines from people")
    print(
        f"     and the same lines from one address each: {spread_stats.get('distinct_ips', 0):,}"
        " distinct client IPs"
    )
    print()
    head = f"{'contender':<22}{'runs':>5}{'median s':>11}{'lines/s':>13}{'peak RSS':>12}  notes"
    print(head)
    print("-" * len(head) + "-" * 30)
    for m in [*builds, spread, bare, f2b]:
        if m.skipped:
            note = f"SKIPPED: {m.skipped}"
        elif m.error and not m.walls:
            note = f"FAILED: {m.error}"
        else:
            note = ", ".join(f"{k}={v}" for k, v in m.detail.items() if k != "regex")
        peak_text = _fmt(m.peak_bytes / MIB if m.peak_bytes else None, ",.0f", " MiB")
        if m is bare:
            peak_text = "(in-proc)"
        print(
            f"{m.name:<22}{len(m.walls):>5}{_fmt(m.median_s, '.2f'):>11}"
            f"{_fmt(m.lines_per_s):>13}{peak_text:>12}  {note}"
        )
    print()
    for m in builds:
        rate = m.lines_per_s
        print(
            f"{m.name}: / bare re {_fmt(rate / re_rate if rate and re_rate else None, '.3f')}"
            f", / fail2ban {_fmt(rate / f_rate if rate and f_rate else None, '.2f', 'x')}"
        )
    print("(bare re is the ceiling of a Python parser)")
    print()
    print(f"targets, judged on {analyze.name}")
    rows = [
        (f"analyze >= {TARGET_LINES_PER_S:,} lines/s", _fmt(a_rate), "analyze_lines_per_s"),
        (
            "  the same, 1 address/line",
            _fmt(s_rate),
            "analyze_lines_per_s_one_address_a_line",
        ),
        ("analyze >= 1/6 of bare re", _fmt(ratio_re, ".3f"), "analyze_vs_bare_re"),
        (
            "  the same, 1 address/line",
            _fmt(s_ratio_re, ".3f"),
            "analyze_vs_bare_re_one_address_a_line",
        ),
        (
            "analyze peak memory < 1 GiB (both)",
            _fmt(peak / MIB if peak else None, ",.0f", " MiB"),
            "analyze_peak_memory",
        ),
    ]
    for label, value, key in rows:
        print(f"  {label:<32}{value:>12}   {_verdict(targets[key]['ok'])}")
    return {
        "log": {"path": str(log)} | stats,
        "one_address_a_line_log": spread_stats,
        "results": {m.name: m.as_dict() for m in [*results, spread]},
        "ratios": {"analyze_over_bare_re": ratio_re, "analyze_over_fail2ban": ratio_f2b},
        "targets": targets,
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns 1 with --check when a target is missed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hours", type=float, default=24.0, help="simulated hours (24)")
    p.add_argument(
        "--scale", type=float, default=4.0, help="simulated actors, x scale 1 (4: ~1M lines)"
    )
    p.add_argument("--size", type=int, default=5000, help="people on the simulated site (5000)")
    p.add_argument("--seed", type=int, default=1, help="simulation seed (1)")
    p.add_argument("--log", help="use (or generate) this log instead of the cached one")
    p.add_argument("--repeat", type=int, default=3, help="runs of each measurement (3)")
    p.add_argument("--fail2ban-repeat", type=int, help="runs of fail2ban-regex (--repeat)")
    p.add_argument("--no-fail2ban", action="store_true", help="skip fail2ban-regex")
    p.add_argument("--fail2ban-filter", default=FAIL2BAN_FILTER, help="fail2ban filter file")
    p.add_argument("--site", help="site model for analyze (default: the demo site's)")
    p.add_argument(
        "--analyze-cmd",
        default=f"{shlex.quote(sys.executable)} -m scrapeguard",
        help="command before 'analyze LOG --json OUT' (default: this python -m scrapeguard)",
    )
    p.add_argument("--no-compiled", action="store_true", help="skip the mypyc-compiled build")
    p.add_argument("--json", metavar="FILE", help="write every figure to FILE")
    p.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = p.parse_args(argv)

    log, stats = ensure_log(args.seed, args.hours, args.scale, args.size, args.log)
    lines = int(stats["lines"])
    site = Path(args.site) if args.site else SITE_YAML
    with open(log, "rb") as f:  # read once so that every contender starts with a warm cache
        while f.read(1 << 24):
            pass
    with tempfile.TemporaryDirectory(prefix="scrapeguard-bench-") as work:
        print("(b) bare re loop", flush=True)
        bare = measure_bare_re(log, lines, args.repeat)
        command = shlex.split(args.analyze_cmd)
        print("(a) scrapeguard analyze, pure Python", flush=True)
        builds = [
            measure_analyze(
                log, lines, args.repeat, command, site, Path(work), name="analyze (pure Python)"
            )
        ]
        compiled: Path | None = None
        if not args.no_compiled:
            print("(a') scrapeguard analyze, compiled with mypyc (setup.py)", flush=True)
            compiled = build_compiled(Path(work))
            if compiled is None:
                builds.append(Measurement("analyze (compiled)", "", lines, skipped="build failed"))
            else:
                builds.append(
                    measure_analyze(
                        log,
                        lines,
                        args.repeat,
                        command,
                        site,
                        Path(work),
                        compiled,
                        "analyze (compiled)",
                    )
                )
        print("(a'') scrapeguard analyze, one client address per line", flush=True)
        spread_log, spread_stats = spread_addresses(log)
        fastest = compiled if compiled is not None and builds[-1].walls else None
        spread = measure_analyze(
            spread_log,
            int(spread_stats["lines"]),
            args.repeat,
            command,
            site,
            Path(work),
            fastest or SRC,
            "pure, 1 address/line" if fastest is None else "compiled, 1 address/line",
        )
        print("(c) fail2ban-regex", flush=True)
        if args.no_fail2ban:
            f2b = Measurement("fail2ban-regex", "", lines, skipped="--no-fail2ban")
            print(f"\n{'!' * 72}\n!! SKIPPED fail2ban-regex: --no-fail2ban\n{'!' * 72}\n")
        else:
            f2b = measure_fail2ban(
                log, lines, args.fail2ban_repeat or args.repeat, args.fail2ban_filter
            )
    figures = report(log, stats, [*builds, bare, f2b], spread, spread_stats)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    missed = any(t["ok"] is not True for t in figures["targets"].values())
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
