#!/usr/bin/env python3
"""Benchmark the engine's decisions per second on `memory://` and on `redis://`, in one run.

The requests are the traffic simulator's (`scrapeguard.demo.traffic`: `--hours` of the demo
social network at `--scale`, read back as `analyze` reads a JSON log; never timed), decided by
the demo site's model and policy. A redis-server (Debian package) is started on a free loopback
port, unless `--redis URL` names one. Each round measures, on a fresh state each time:

- memory:   `Guard.evaluate` per request on `memory://`;
- inline:   `Guard.evaluate` per request on `redis://` (what the middleware does: one round trip
            per decision; static assets ride along with the next one);
- batched:  `Guard.evaluate_all` on `redis://` (log replay: one round trip per `--batch`
            requests, the next batch travelling while one is decided).

It prints the medians over `--rounds`, the ratio to memory, round trips per decision, and the
target: at least 20,000 decisions/s per process with Redis. Not a test: run it by hand,
``python bench/state_bench.py`` (``--compiled`` for the mypyc build).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
TARGET = 20_000


def simulated_events(hours: float, scale: float, size: int, seed: int) -> list[Any]:
    """The simulator's requests, as `analyze` reads them from a JSON log (cached on disk)."""
    from scrapeguard.demo.people import Directory
    from scrapeguard.demo.traffic import simulate, write_log
    from scrapeguard.ingest import IngestStats, read_events

    cache = Path(tempfile.gettempdir()) / "scrapeguard-bench"
    cache.mkdir(exist_ok=True)
    log = cache / f"state-{hours}h-x{scale}-{size}-{seed}.jsonl"
    if not log.exists():
        print(f"simulating {hours} h at scale {scale} into {log} ...", flush=True)
        write_log(
            simulate(Directory(size=size, seed=seed), seed, hours=hours, scale=scale), str(log)
        )
    return list(read_events([str(log)], "json", IngestStats()))


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A redis-server on a free loopback port, without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server not found: apt-get install redis-server (or pass --redis URL)")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not start")


def measure(kind: str, events: list[Any], url: str, batch: int, size: int) -> dict[str, Any]:
    """Decide on every event with a fresh guard; decisions/s and round trips per decision."""
    from scrapeguard.demo.commands import demo_config
    from scrapeguard.engine import Guard
    from scrapeguard.state import open_state

    site, policy, _, _ = demo_config(size, "enforce")
    state = open_state("memory://" if kind == "memory" else f"{url}?prefix=b{uuid.uuid4().hex[:8]}")
    guard = Guard(site, policy, state)
    actions: dict[str, int] = {}
    started = time.perf_counter()
    if kind == "batched":
        for _, _, d in guard.evaluate_all(events, batch):
            actions[d.action] = actions.get(d.action, 0) + 1
    else:
        for e in events:
            d = guard.evaluate(e)[1]
            actions[d.action] = actions.get(d.action, 0) + 1
    seconds = time.perf_counter() - started
    trips = getattr(state, "round_trips", 0)
    state.close()
    return {
        "per_s": len(events) / seconds,
        "trips_per_decision": trips / len(events),
        "actions": actions,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--hours", type=float, default=6.0, help="simulated hours (6)")
    p.add_argument("--scale", type=float, default=1.0, help="simulator scale (1)")
    p.add_argument("--size", type=int, default=5000, help="people in the directory (5,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3, help="rounds; medians are shown (3)")
    p.add_argument("--batch", type=int, default=256, help="requests per batch (256)")
    p.add_argument("--redis", metavar="URL", help="use this Redis instead of starting one")
    p.add_argument("--compiled", action="store_true", help="run against the mypyc build")
    p.add_argument("--json", metavar="FILE", help="write every figure to FILE")
    args = p.parse_args(argv)

    if args.compiled:
        sys.path.insert(0, str(BENCH_DIR))
        from middleware_bench import rerun_compiled

        return rerun_compiled(__file__, argv)

    import scrapeguard.engine

    compiled = scrapeguard.engine.__file__.endswith(".so")
    kind = "compiled" if compiled else "pure Python"
    print(f"scrapeguard from {scrapeguard.engine.__file__} ({kind})")
    events = simulated_events(args.hours, args.scale, args.size, args.seed)
    print(f"{len(events):,} requests from the simulator", flush=True)
    proc = None
    url = args.redis
    if url is None:
        proc, url = start_redis()
    rounds: dict[str, list[dict[str, Any]]] = {"memory": [], "inline": [], "batched": []}
    try:
        for r in range(args.rounds):
            for kind in rounds:
                fig = measure(kind, events, url, args.batch, args.size)
                rounds[kind].append(fig)
                print(f"round {r + 1} {kind:8} {fig['per_s']:>10,.0f} decisions/s", flush=True)
    finally:
        if proc is not None:
            proc.kill()
    memory = statistics.median(f["per_s"] for f in rounds["memory"])
    same = all(f["actions"] == rounds["memory"][0]["actions"] for fs in rounds.values() for f in fs)
    print()
    print(f"{'state':10} {'decisions/s':>12} {'vs memory':>10} {'round trips/decision':>21}")
    summary: dict[str, Any] = {}
    for kind, figs in rounds.items():
        per_s = statistics.median(f["per_s"] for f in figs)
        trips = statistics.median(f["trips_per_decision"] for f in figs)
        summary[kind] = {"per_s": per_s, "trips_per_decision": trips}
        print(f"{kind:10} {per_s:>12,.0f} {per_s / memory:>10.2f} {trips:>21.3f}")
    best = max(summary["inline"]["per_s"], summary["batched"]["per_s"])
    print(f"\nsame actions on every state and round: {'yes' if same else 'NO'}")
    print(
        f"target >= {TARGET:,} decisions/s per process with Redis: "
        f"inline {summary['inline']['per_s']:,.0f}, batched {summary['batched']['per_s']:,.0f} "
        f"-> {'met' if best >= TARGET else 'missed'}"
    )
    if args.json:
        out = {"requests": len(events), "compiled": compiled, "summary": summary, "rounds": rounds}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
