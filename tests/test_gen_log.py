"""The benchmark's log generator (bench/gen_log.py) writes valid, time-ordered combined logs."""

from __future__ import annotations

import importlib.util
import ipaddress
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

GEN_PATH = Path(__file__).resolve().parent.parent / "bench" / "gen_log.py"

COMBINED = re.compile(
    r'^(?P<ip>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<size>\d+|-) "(?P<referer>[^"]*)" "(?P<ua>[^"]*)"$'
)


@pytest.fixture(scope="module")
def gen_log() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_log", GEN_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_log"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def log_lines(gen_log: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("gen") / "access.log"
    assert gen_log.main(["--lines", "2000", "--seed", "7", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text.split("\n")[:-1]


def test_valid_combined_format_and_time_order(log_lines: list[str]) -> None:
    assert len(log_lines) == 2000
    times = []
    for line in log_lines:
        m = COMBINED.match(line)
        assert m, line
        ipaddress.ip_address(m["ip"])
        times.append(datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z"))
        if not m["request"].startswith("\\x"):  # the one TLS probe class
            method, target, version = m["request"].split(" ")
            assert method in ("GET", "POST") and target.startswith("/")
            assert version in ("HTTP/1.1", "HTTP/2.0")
    assert times == sorted(times)
    assert 1 * 86400 <= (times[-1] - times[0]).total_seconds() <= 3 * 86400


def test_every_traffic_class_is_present(gen_log: ModuleType, log_lines: list[str]) -> None:
    events = gen_log.generate(2000, seed=7)
    assert [gen_log.format_line(e) for e in events] == log_lines
    classes = Counter(e.cls for e in events)
    assert set(classes) == set(gen_log.CLASSES) and min(classes.values()) >= 3
    by_class: dict[str, list[re.Match[str]]] = {}
    for e, line in zip(events, log_lines, strict=True):
        m = COMBINED.match(line)
        assert m
        by_class.setdefault(e.cls, []).append(m)

    google = ipaddress.ip_network("66.249.64.0/19")

    def in_google(m: re.Match[str]) -> bool:
        return ipaddress.ip_address(m["ip"]) in google

    humans = by_class["desktop"] + by_class["mobile"]
    assert any(m["request"].startswith("GET /static/") and "/u/" in m["referer"] for m in humans)
    assert all("Mozilla/5.0" in m["ua"] for m in humans)
    assert len({m["ip"] for m in by_class["desktop"]}) < len(by_class["desktop"]) / 3
    assert len({m["ip"] for m in by_class["mobile"]}) == len(by_class["mobile"])
    assert all(m["request"].startswith("GET /u/") for m in by_class["distributed"])
    assert len({m["ip"] for m in by_class["distributed"]}) == len(by_class["distributed"])
    assert any(m["request"].startswith("GET /u/") for m in by_class["viewer"])
    assert all(m["referer"] != "-" for m in by_class["viewer"])
    googlebots = [m for m in by_class["crawler"] if "Googlebot" in m["ua"]]
    assert googlebots and all(in_google(m) for m in googlebots)
    assert any("bingbot" in m["ua"] for m in by_class["crawler"])
    assert all("Googlebot" in m["ua"] and not in_google(m) for m in by_class["impostor"])
    api = [m["request"] for m in by_class["api_scraper"]]
    assert all(m["ua"] == "python-requests/2.31.0" for m in by_class["api_scraper"])
    ids = [int(re.findall(r"/api/v1/users/(\d+) ", r)[0]) for r in api]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    harvest = [m["request"] for m in by_class["harvester"]]
    assert harvest[0].startswith("GET /directory?page=") and harvest[1].startswith("GET /u/")
    assert not any("/static/" in r for r in harvest)
    searches = [m["request"] for m in by_class["search_enum"]]
    assert all(re.match(r"GET /search\?q=[a-z]{2}&page=\d+ HTTP/1\.1$", r) for r in searches)
    assert any(":" in m["ip"] for m in by_class["mobile"])  # IPv6 carriers


def test_counts_and_determinism(
    gen_log: ModuleType, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "a.log"
    gen_log.main(["--lines", "2000", "--seed", "7", "--out", str(out)])
    printed = capsys.readouterr().out
    lines = out.read_text(encoding="utf-8").splitlines()
    distinct = len({line.split(" ", 1)[0] for line in lines})
    assert f"wrote 2,000 lines, {distinct:,} distinct client IPs" in printed
    assert distinct > 0.8 * len(lines)  # most addresses are fresh
    other = gen_log.generate(2000, seed=8)
    assert [gen_log.format_line(e) for e in other] != lines
    with pytest.raises(ValueError):
        gen_log.generate(20)
