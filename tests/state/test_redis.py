"""Redis as shared state: several nodes, outages and slowness, two processes, metrics."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DEPLOYMENTS, unique_prefix
from redis_server import RedisServer
from support import event, profiles, run

from scrapeguard.config import load_document
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.integrations.observe import InlineMetrics
from scrapeguard.policy import policy_from_document
from scrapeguard.state import RedisState, open_state

QUOTA = "policy: {mode: enforce, limits: {people_per_hour: {limit: 30, then: block}}}"
WORKER = Path(__file__).with_name("quota_worker.py")


def _guard(state: RedisState | object, policy: str = QUOTA) -> Guard:
    return Guard(
        policy=policy_from_document(load_document(policy, "test.yaml")),
        state=state,  # type: ignore[arg-type]
        network=NoNetworkInfo(),
    )


@pytest.fixture(params=list(DEPLOYMENTS))
def url(request: pytest.FixtureRequest) -> str:
    """Each kind of Redis deployment: one server, over TLS, a Sentinel's primary, a cluster."""
    return unique_prefix(request.getfixturevalue(DEPLOYMENTS[request.param]).url)


@pytest.fixture
def states(url: str) -> Iterator[list[RedisState]]:
    """Two nodes on the same Redis."""
    opened = [open_state(url), open_state(url)]
    assert all(isinstance(s, RedisState) for s in opened)
    yield opened  # type: ignore[misc]
    for s in opened:
        s.close()


def test_nodes_share_quotas(states: list[RedisState]) -> None:
    """An account spread over two nodes meets one quota, not one per node."""
    a, b = _guard(states[0]), _guard(states[1])
    views = list(profiles(0, 40, every=60, account="acct-1"))
    actions = [(a if i % 2 else b).decide(e).action for i, e in enumerate(views)]
    assert actions[:30] == ["allow"] * 30
    assert actions[30] == "block"
    s = a.state.get("account:acct-1")
    assert s is not None and s.distinct_people >= 31


def test_a_decision_reaches_every_node_within_a_second(states: list[RedisState], url: str) -> None:
    a, b = _guard(states[0]), _guard(states[1])
    run(a, profiles(0, 400, ip="203.0.113.9", every=1.0))
    blocked_at = time.monotonic()
    later = event(500, "203.0.113.9", "/about")
    assert a.held(later).enforced == "block"
    while b.held(later).enforced != "block":
        assert time.monotonic() - blocked_at < 1.0, "node b did not hear of the block in 1 s"
        time.sleep(0.01)
    # A node started afterwards loads the decisions in force.
    fresh = _guard(open_state(url))
    try:
        assert fresh.held(later).enforced == "block"
    finally:
        fresh.state.close()


def test_two_processes_stay_within_one_quota(url: str) -> None:
    """Two worker processes, one account, 100 profiles each, a quota of 30 people an hour:
    every person is counted once, in one order, so never more than 30 are served (one fewer
    when the block taken by one process reaches the other between counting a request and
    deciding on it); with per-process memory state each process serves its own 30."""
    served = _workers(url, limit=30)
    assert 29 <= served <= 30
    assert _workers("memory://", limit=30) == 60


def _workers(url: str, limit: int) -> int:
    start_at = time.time() + 1.5  # both import, connect and then start together
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, str(w), "100", str(limit), str(start_at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    return sum(int(o.strip().splitlines()[-1]) for o in outputs)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own (it will be killed), persisting to disk like production."""
    server = RedisServer(tmp_path, "--appendonly", "yes", "--enable-debug-command", "yes")
    server.start()
    yield server
    server.stop()


def test_an_outage_falls_back_to_local_counts_and_resynchronises(
    own_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    state = open_state(own_server.url + "?timeout=0.2&retry=0.2")
    assert isinstance(state, RedisState)
    g = _guard(state, "policy: {mode: enforce}")
    metrics = InlineMetrics(g)
    try:
        run(g, profiles(0, 20, every=30))
        assert state.up and state.get("ip:198.51.100.7").distinct_people == 20  # type: ignore[union-attr]

        own_server.stop()
        caplog.set_level(logging.WARNING, logger="scrapeguard.state")
        decisions = run(g, (event(600 + i * 30, path=f"/u/later{i}") for i in range(20)))
        assert all(d.enforced == "allow" for d in decisions)  # type: ignore[attr-defined]
        assert not state.up and state.outages == 1
        assert state.get("ip:198.51.100.7").distinct_people == 40  # type: ignore[union-attr]
        unavailable = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(unavailable) == 1  # logged once, not per request
        assert "scrapeguard_state_shared_up 0" in metrics.render()

        own_server.start()
        deadline = time.monotonic() + 10
        while not state.up:
            assert time.monotonic() < deadline, "did not resynchronise within 10 s"
            time.sleep(0.05)
        assert state.replayed >= 20 and state.dropped == 0
        assert any("is back" in r.getMessage() for r in caplog.records)
        # Redis now holds what was counted during the outage: the next request sees all 41.
        g.decide(event(1500, path="/u/after"))
        assert state.get("ip:198.51.100.7").distinct_people == 41  # type: ignore[union-attr]
        assert "scrapeguard_state_shared_up 1" in metrics.render()
        assert "scrapeguard_state_outages 1" in metrics.render()
    finally:
        state.close()


def test_a_slow_redis_costs_one_timeout_then_local_decisions(own_server: RedisServer) -> None:
    state = open_state(own_server.url + "?timeout=0.1&retry=0.2")
    assert isinstance(state, RedisState)
    g = _guard(state, "policy: {mode: enforce}")
    try:
        g.decide(event(0, path="/u/first"))
        import redis

        blocker = redis.Redis(port=own_server.port)
        sleeper = threading.Thread(target=blocker.execute_command, args=("DEBUG", "SLEEP", "1.0"))
        sleeper.start()
        time.sleep(0.1)
        started = time.monotonic()
        for i in range(20):
            assert g.decide(event(10 + i, path=f"/u/slow{i}")).enforced == "allow"
        assert time.monotonic() - started < 0.6  # one timeout, then no waiting on Redis
        assert not state.up
        sleeper.join()
        deadline = time.monotonic() + 10
        while not state.up:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        state.close()


def test_redis_unreachable_at_start_still_serves(free_url: str) -> None:
    state = open_state(free_url + "?timeout=0.1&retry=0.2")
    try:
        assert isinstance(state, RedisState) and not state.up
        g = _guard(state, "policy: {mode: enforce}")
        decisions = run(g, profiles(0, 400, ip="203.0.113.9", every=1.0))
        assert decisions[-1].action == "block"  # type: ignore[attr-defined]
    finally:
        state.close()


@pytest.fixture
def free_url() -> str:
    from support import free_port

    return f"redis://127.0.0.1:{free_port()}/0"


def test_the_password_never_appears_in_the_state_url(redis_server: RedisServer) -> None:
    state = open_state(f"redis://:hunter2@127.0.0.1:{redis_server.port}/0?timeout=0.2")
    try:
        assert "hunter2" not in state.url
    finally:
        state.close()


def test_visitors_never_get_a_500_when_redis_dies_mid_traffic(own_server: RedisServer) -> None:
    """A Starlette app behind the middleware, failing closed on internal errors: Redis is
    killed and restarted while a guest reads profiles. Every answer is a page or the login
    wall, and the guest quota of 30 people holds through the outage."""
    from inline_apps import BROWSER, CONFIG, PROXY, SECRET, starlette_app
    from starlette.testclient import TestClient

    from scrapeguard.integrations.inline import Inline
    from scrapeguard.integrations.loading import read_config

    text = CONFIG.replace("MODE", "enforce").replace("ON_ERROR", "closed")
    text += f"state: {own_server.url}?timeout=0.1&retry=0.2\n"
    site, policy, settings, state_url = read_config(load_document(text, "inline.yaml"))
    guard = Guard(site, policy, open_state(state_url), NoNetworkInfo())
    client = TestClient(starlette_app(Inline(guard, settings, secret=SECRET)), client=(PROXY, 5000))
    statuses = []
    try:
        for i in range(60):
            if i == 15:
                own_server.stop()
            if i == 40:
                own_server.start()
            headers = {**BROWSER, "x-forwarded-for": "198.51.100.7"}
            statuses.append(client.get(f"/u/person{i}", headers=headers).status_code)
        assert set(statuses) <= {200, 401}, statuses
        assert statuses.count(200) == 30
        assert guard.state.outages == 1  # type: ignore[attr-defined]
    finally:
        guard.state.close()


def _until(check: object, seconds: float = 1.0) -> float:
    """Wait until `check()` is true; how long it took (fails after `seconds`)."""
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_block_from_one_node_reaches_every_node(states: list[RedisState], url: str) -> None:
    a, b = _guard(states[0]), _guard(states[1])
    visitor = event(0, "203.0.113.9", "/about")
    a.block("203.0.113.0/24", expires=time.time() + 3600, reason="scraping campaign")
    assert a.held(visitor).enforced == "block"
    _until(lambda: b.held(visitor).enforced == "block")
    later = _guard(open_state(url))  # a node started afterwards loads the entry
    try:
        assert later.held(visitor).enforced == "block"
    finally:
        later.state.close()
    assert b.unblock("203.0.113.77/24")  # the same range, written another way
    _until(lambda: a.held(visitor).enforced == "allow")


def test_block_and_unblock_from_the_command_line(
    redis_server: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrapeguard.cli import main

    url = unique_prefix(redis_server.url)
    node = _guard(open_state(url))
    try:
        visitor = event(0, "198.51.100.20", "/about", account="mallory")
        args = ["--state", url]
        assert (
            main(["block", "mallory", "--account", "--for", "2h", "--reason", "t&s #7", *args]) == 0
        )
        assert "blocked mallory until" in capsys.readouterr().out
        _until(lambda: node.held(visitor).enforced == "block")
        assert main(["unblock", "mallory", "--account", *args]) == 0
        _until(lambda: node.held(visitor).enforced == "allow")
    finally:
        node.state.close()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["block", "198.51.100.7"], "only through shared state"),
        (["block", "198.51.100.7", "--state", "memory://"], "only through shared state"),
        (["block", "not-an-address", "--state", "redis://127.0.0.1:1/0"], "not-an-address"),
        (["block", "198.51.100.7", "--for", "soon", "--state", "redis://127.0.0.1:1/0"], "--for"),
        (["block", "198.51.100.7", "--state", "redis://127.0.0.1:1/0?timeout=0.2"], "cannot reach"),
    ],
)
def test_block_says_what_is_wrong(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrapeguard.cli import main

    monkeypatch.delenv("SCRAPEGUARD_CONFIG", raising=False)
    assert main(argv) == 1
    assert words in capsys.readouterr().err


def test_commands_are_packed_alike_with_or_without_hiredis(monkeypatch: pytest.MonkeyPatch) -> None:
    import scrapeguard.state.shared as shared

    command = ("EVALSHA", "ab12", 2, "sg:{ip:203.0.113.9}", "é", 1.5, b"\x00raw")
    fast = shared._pack(command)
    monkeypatch.setattr(shared, "_hiredis_pack", None)
    assert shared._pack(command) == fast
