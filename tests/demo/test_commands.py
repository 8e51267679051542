"""`scrapeguard demo`, `simulate` and `eval` as a user runs them: real processes, real sockets
on loopback, bounded in count and time."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scrapeguard.cli import main
from scrapeguard.demo.classes import SCRAPERS

SMALL = ["--size", "400", "--hours", "3", "--scale", "0.3"]


def test_simulate_writes_a_labelled_log_that_eval_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    assert main(["simulate", "--seed", "5", *SMALL, "--out", str(out)]) == 0
    log, truth = out / "access.log.jsonl", out / "truth.json"
    lines = log.read_text().splitlines()
    assert len(lines) == len(json.loads(truth.read_text())["requests"]) > 1000
    figures = tmp_path / "figures.json"
    assert main(["eval", str(log), "--truth", str(truth), "--json", str(figures)]) == 0
    doc = json.loads(figures.read_text())
    assert {"human_fpr", "human_blocked", "human_challenged", "classes"} <= set(doc)
    for cls, row in doc["classes"].items():
        assert cls in (*SCRAPERS, "impostor")
        assert {
            "actors",
            "recall",
            "precision",
            "median_requests_to_stop",
            "profiles_before_block",
        } <= set(row)
    # Bounds that hold today (see the issue for the targets still missed): the obvious
    # scrapers are stopped at once, and most people are left alone.
    assert doc["classes"]["naive"]["recall"] == 1.0
    assert doc["classes"]["naive"]["profiles_before_block"] <= 20
    assert doc["human_blocked"] < 0.3
    printed = capsys.readouterr().out
    assert "recall" in printed and "targets" in printed


def test_simulate_is_deterministic_per_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder, seed in ((a, "9"), (b, "9"), (c, "10")):
        assert main(["simulate", "--seed", seed, *SMALL, "--out", str(folder)]) == 0
    log = "access.log.jsonl"
    assert (a / log).read_bytes() == (b / log).read_bytes()
    assert (a / log).read_bytes() != (c / log).read_bytes()


def test_simulate_needs_one_destination(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--seed", "1"]) == 1
    assert "--out DIR or --live URL" in capsys.readouterr().err


def test_demo_enforces_with_live_traffic_and_stops_by_itself(tmp_path: Path) -> None:
    env = {**os.environ, "SCRAPEGUARD_SECRET": "s" * 32}
    command = [
        sys.executable,
        "-m",
        "scrapeguard",
        "demo",
        "--port",
        "0",  # any free port: the demo says which
        "--size",
        "400",
        "--speed",
        "600",
        "--duration",
        "12",
    ]
    started = time.monotonic()
    log = tmp_path / "demo.out"
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env=env
        )
    try:
        port = _port_said(log, deadline=time.monotonic() + 20)
        home = _get(f"http://127.0.0.1:{port}/", deadline=time.monotonic() + 20)
        assert "Neighbourly" in home
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/", headers={"Connection": "Upgrade", "Upgrade": "h2c"})
        assert connection.getresponse().status == 200  # as curl --http2 asks
        connection.close()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()
    assert process.returncode == 0, output
    assert time.monotonic() - started < 60
    assert f"http://127.0.0.1:{port}/u/{{username}}" in output
    assert "400 people" in output or "400 synthetic people" in output
    assert "protected in enforce mode" in output  # enforcing unless told --mode shadow
    decisions = [line for line in output.splitlines() if line[:2].isdigit() and ":" in line[:8]]
    assert decisions, output  # scrapers were caught and said so
    assert not any(line[9:].startswith("would ") for line in decisions), output
    assert "scrapeguard demo stopped" in output
    assert "upgrade" not in output.lower(), output  # a visitor's header is no console warning
    assert not (tmp_path / ".scrapeguard-secret").exists()


def test_demo_on_a_busy_port_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port), "--no-traffic", "--size", "50"]) != 0
    error = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1 port {port}: Address already in use" in error


def _port_said(log: Path, deadline: float) -> int:
    """The port the demo says it listens on (it was started with --port 0)."""
    while True:
        said = re.search(r"site: +http://127\.0\.0\.1:(\d+)/", log.read_text())
        if said:
            return int(said.group(1))
        if time.monotonic() > deadline:
            raise AssertionError(f"the demo never said its port: {log.read_text()!r}")
        time.sleep(0.1)


def _get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_demo_prints_a_hostile_decision_written_out(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's site is open to outside tools: what they send reaches its terminal only
    with escapes written out."""
    import logging

    from scrapeguard.demo.commands import _DecisionPrinter

    decision = {
        "time": 1_767_225_600.0,
        "actor": "ip:203.0.113.9\x1b[2J",
        "action": "block",
        "enforced": "block",
        "simulated": False,
        "reasons": ["HTTP client library, not a browser (curl \x1b]0;pwned\x07)"],
        "origin": "threshold/block",
    }
    record = logging.LogRecord(
        "scrapeguard.decisions", logging.INFO, "", 0, "%s", (json.dumps(decision),), None
    )
    _DecisionPrinter("enforce").emit(record)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "ip:203.0.113.9\\x1b[2J" in out and "(curl \\x1b]0;pwned\\x07)" in out
