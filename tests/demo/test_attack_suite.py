"""bench/attack_suite.py as a user runs it: the demo site enforcing in a real process, real
`curl` and `requests` scraping it over loopback, each from its own source address, seen by the
site as that address or (behind the suite's forwarding proxy) as a public one; bounded."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scrapeguard.demo.people import Directory
from scrapeguard.demo.site import create_app

SUITE = Path(__file__).resolve().parents[2] / "bench" / "attack_suite.py"


def _suite() -> ModuleType:
    spec = importlib.util.spec_from_file_location("attack_suite", SUITE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["attack_suite"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_people_are_counted_as_the_site_model_counts_them() -> None:
    from starlette.testclient import TestClient

    suite = _suite()
    directory = Directory(120, 1)
    client = TestClient(create_app(directory))
    page = client.get("/directory?page=1")
    listed = suite.people_in("/directory?page=1", page.status_code, page.text)
    assert len(listed) == 50
    assert listed <= {p.username for p in directory.people}
    name = sorted(listed)[0]
    profile = client.get(f"/u/{name}")
    assert suite.people_in(f"/u/{name}", profile.status_code, profile.text) == {name}
    api = client.get(f"/api/v1/users/{name}")
    assert suite.people_in(f"/api/v1/users/{name}", api.status_code, api.text) == {name}
    assert suite.people_in("/directory?page=1", 403, page.text) == frozenset()
    assert f"/u/{name}" in suite.links(page.text)
    assert "/directory?page=2" in suite.links(page.text)


@pytest.mark.parametrize("public", [False, True], ids=["loopback-peers", "front-proxy"])
def test_curl_and_requests_are_stopped_within_20_people(tmp_path: Path, public: bool) -> None:
    if shutil.which("curl") is None:
        pytest.skip("ATTACK SUITE TEST NOT RUN: needs curl (apt-get install curl)")
    pytest.importorskip("requests", reason="ATTACK SUITE TEST NOT RUN: needs requests")
    figures = tmp_path / "figures.json"
    keep = tmp_path / "run"
    cmd = [sys.executable, str(SUITE), "--minutes", "0.5", "--tools", "curl,requests"]
    cmd += ["--no-humans", "--no-install", "--size", "1000", "--max-requests", "500"]
    cmd += ["--json", str(figures), "--keep", str(keep)]
    cmd += ["--public-addresses"] if public else []
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    doc = json.loads(figures.read_text())
    rows = {row["tool"]: row for row in doc["tools"]}
    assert set(rows) == {"curl", "requests"}
    for row in rows.values():
        assert not row["skipped"] and not row["error"], row
        assert row["requests"] > 0
        assert row["first_stop_status"] in (401, 403, 429), row
        assert row["people_before_first_stop"] <= 20, row
        assert row["target_met"] is True
        assert row["server_decisions"], "the site said nothing about this tool's address"
    # Each tool came from its own address (passed on as 11.A.B.C by the front proxy): the
    # site decided on each one separately.
    seen = "11" if public else "127"
    assert any(f"ip:{seen}.10.2.1 " in line for line in rows["curl"]["server_decisions"])
    assert any(f"ip:{seen}.10.3.1 " in line for line in rows["requests"]["server_decisions"])
    # The demo site was stopped and waited for, not left running.
    assert isinstance(doc["site_exit_status"], int)
    assert "curl loop" in done.stdout and "requests" in done.stdout
