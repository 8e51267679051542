"""The proof-of-work challenge and pass token: solving, single use, forgery, expiry, purpose,
binding, the no-JavaScript wait, redirect targets and the secret."""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import os
import stat
import threading
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.enforce import challenge as challenge_module
from scrapeguard.enforce.challenge import (
    Challenges,
    Result,
    SecretError,
    load_secret,
    safe_next,
)
from scrapeguard.errors import ScrapeguardError

SECRET = b"a-test-secret-of-at-least-32-bytes"
T0 = 1_767_225_600.0
IP = "198.51.100.7"
SESSION = "session-1"
DIFFICULTY = 8


class Claims:
    """The engine state's side of single use: a nonce can be claimed once."""

    def __init__(self) -> None:
        self.claimed: dict[str, float] = {}

    def __call__(self, nonce: str, until: float) -> bool:
        if nonce in self.claimed:
            return False
        self.claimed[nonce] = until
        return True


def solve(token: str, difficulty: int = DIFFICULTY) -> int:
    """The first counter whose SHA-256 of "<token>:<counter>" starts with `difficulty` zero
    bits (written from the specification, not with the module's own check)."""
    for counter in count():
        digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) == 0:
            return counter
    raise AssertionError("unreachable")


def wrong_counter(token: str, difficulty: int = DIFFICULTY) -> int:
    for counter in count():
        digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) != 0:
            return counter
    raise AssertionError("unreachable")


@pytest.fixture
def challenges() -> Challenges:
    return Challenges(SECRET, difficulty=DIFFICULTY, ttl=300, pass_ttl=3600, wait=8)


def solved(
    c: Challenges,
    claim: Claims | None = None,
    ip: str = IP,
    session: str | None = SESSION,
    at: float = T0 + 5,
) -> Result:
    ch = c.issue(T0, IP, SESSION, "/u/alice")
    return c.verify_work(ch.token, solve(ch.token), at, ip, session, claim or Claims())


def test_a_solved_challenge_earns_a_pass(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/u/alice?tab=posts")
    assert ch.difficulty == DIFFICULTY and ch.expires == T0 + 300
    assert ch.next_url == "/u/alice?tab=posts" and ch.wait == 8
    result = challenges.verify_work(ch.token, solve(ch.token), T0 + 2, IP, SESSION, Claims())
    assert result.ok and result.reason == "ok" and result.next_url == "/u/alice?tab=posts"
    assert result.pass_token is not None and result.expires == T0 + 2 + 3600
    assert challenges.check_pass(result.pass_token, T0 + 100, IP, SESSION)


def test_tokens_are_compact_url_safe_and_carry_no_raw_address(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/u/alice")
    body, dot, mac = ch.token.partition(".")
    assert dot and len(mac) == 43 and len(ch.token) < 300
    assert set(ch.token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert b"198.51" not in payload and SESSION.encode() not in payload
    assert b'"v":1' in payload and b'"p":"challenge"' in payload


def test_each_challenge_is_unique(challenges: Challenges) -> None:
    tokens = {challenges.issue(T0, IP, SESSION, "/").token for _ in range(50)}
    assert len(tokens) == 50


def test_a_challenge_is_good_for_one_pass_only(challenges: Challenges) -> None:
    claims = Claims()
    ch = challenges.issue(T0, IP, SESSION, "/")
    counter = solve(ch.token)
    assert challenges.verify_work(ch.token, counter, T0 + 2, IP, SESSION, claims).ok
    again = challenges.verify_work(ch.token, counter, T0 + 3, IP, SESSION, claims)
    assert not again.ok and again.reason == "replayed" and again.pass_token is None
    # The nonce need only be remembered until the challenge expires.
    assert list(claims.claimed.values()) == [T0 + 300]


def test_a_wrong_proof_is_refused_without_using_up_the_challenge(
    challenges: Challenges,
) -> None:
    claims = Claims()
    ch = challenges.issue(T0, IP, SESSION, "/")
    bad = challenges.verify_work(ch.token, wrong_counter(ch.token), T0 + 2, IP, SESSION, claims)
    assert bad.reason == "bad-proof" and claims.claimed == {}
    negative = challenges.verify_work(ch.token, -1, T0 + 2, IP, SESSION, claims)
    assert negative.reason == "bad-proof"
    assert challenges.verify_work(ch.token, solve(ch.token), T0 + 2, IP, SESSION, claims).ok


def flip(token: str, at: int) -> str:
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


@pytest.mark.parametrize("where", ["payload", "mac"])
def test_a_tampered_token_is_forged(challenges: Challenges, where: str) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    at = 10 if where == "payload" else len(ch.token) - 5
    forged = flip(ch.token, at)
    result = challenges.verify_work(forged, solve(forged), T0 + 2, IP, SESSION, Claims())
    assert not result.ok and result.reason == "forged" and result.next_url == "/"


def test_a_token_signed_with_another_secret_is_forged(challenges: Challenges) -> None:
    stranger = Challenges(b"x" * 32, difficulty=DIFFICULTY)
    ch = stranger.issue(T0, IP, SESSION, "/")
    result = challenges.verify_work(ch.token, solve(ch.token), T0 + 2, IP, SESSION, Claims())
    assert result.reason == "forged"
    granted = stranger.verify_work(ch.token, solve(ch.token), T0 + 2, IP, SESSION, Claims())
    assert granted.pass_token is not None
    assert not challenges.check_pass(granted.pass_token, T0 + 3, IP, SESSION)


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b.c", "a b.c", "é.x", "abcde.fghij", "x" * 5000 + ".y", "."]
)
def test_garbage_is_malformed_and_never_raises(challenges: Challenges, token: str) -> None:
    result = challenges.verify_work(token, 0, T0, IP, SESSION, Claims())
    assert result.reason in ("malformed", "forged")
    assert challenges.verify_wait(token, T0, IP, SESSION, Claims()).reason in (
        "malformed",
        "forged",
    )
    assert not challenges.check_pass(token, T0, IP, SESSION)


def test_an_expired_challenge_is_refused(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/u/bob")
    counter = solve(ch.token)
    late = challenges.verify_work(ch.token, counter, ch.expires, IP, SESSION, Claims())
    assert late.reason == "expired" and late.next_url == "/u/bob"
    assert challenges.verify_wait(ch.token, ch.expires + 1, IP, SESSION, Claims()).reason == (
        "expired"
    )


def test_a_pass_expires(challenges: Challenges) -> None:
    result = solved(challenges)
    assert result.pass_token is not None
    assert challenges.check_pass(result.pass_token, result.expires - 1, IP, SESSION)
    assert not challenges.check_pass(result.pass_token, result.expires, IP, SESSION)


def test_a_pass_is_not_a_challenge_nor_a_challenge_a_pass(challenges: Challenges) -> None:
    result = solved(challenges)
    assert result.pass_token is not None
    as_challenge = challenges.verify_work(
        result.pass_token, solve(result.pass_token), T0 + 6, IP, SESSION, Claims()
    )
    assert as_challenge.reason == "wrong-purpose"
    waited = challenges.verify_wait(result.pass_token, T0 + 60, IP, SESSION, Claims())
    assert waited.reason == "wrong-purpose"
    ch = challenges.issue(T0, IP, SESSION, "/")
    assert not challenges.check_pass(ch.token, T0 + 1, IP, SESSION)


@pytest.mark.parametrize(
    ("issued_to", "verified_from", "ok"),
    [
        ("198.51.100.7", "198.51.100.7", True),
        ("198.51.100.7", "198.51.3.200", True),  # same /16: a phone changing cells
        ("198.51.100.7", "198.52.100.7", False),
        ("198.51.100.7", "::ffff:198.51.9.9", True),  # the same IPv4 address, mapped
        ("2001:db8:1:2::1", "2001:db8:ffff:9::77", True),  # same /32
        ("2001:db8:1:2::1", "2001:db9:1:2::1", False),
        ("2001:db8:1:2::1", "198.51.100.7", False),
    ],
)
def test_tokens_are_bound_to_a_wide_address_prefix(
    challenges: Challenges, issued_to: str, verified_from: str, ok: bool
) -> None:
    ch = challenges.issue(T0, issued_to, SESSION, "/")
    result = challenges.verify_work(
        ch.token, solve(ch.token), T0 + 2, verified_from, SESSION, Claims()
    )
    assert result.ok is ok
    if not ok:
        assert result.reason == "wrong-binding"
    again = challenges.issue(T0, issued_to, SESSION, "/")
    granted = challenges.verify_work(
        again.token, solve(again.token), T0 + 2, issued_to, SESSION, Claims()
    )
    assert granted.pass_token is not None
    assert challenges.check_pass(granted.pass_token, T0 + 3, verified_from, SESSION) is ok


@pytest.mark.parametrize(
    ("issued_with", "verified_with", "ok"),
    [
        (SESSION, SESSION, True),
        (SESSION, "session-2", False),
        (SESSION, None, False),
        # Without a session the token is bound to the address alone: a visitor who could
        # send no session gains nothing by sending one.
        (None, None, True),
        (None, SESSION, True),
    ],
)
def test_tokens_are_bound_to_the_session(
    challenges: Challenges, issued_with: str | None, verified_with: str | None, ok: bool
) -> None:
    ch = challenges.issue(T0, IP, issued_with, "/")
    result = challenges.verify_work(ch.token, solve(ch.token), T0 + 2, IP, verified_with, Claims())
    assert result.ok is ok
    if not ok:
        assert result.reason == "wrong-binding"
    granted = challenges.verify_work(ch.token, solve(ch.token), T0 + 2, IP, issued_with, Claims())
    assert granted.pass_token is not None
    assert challenges.check_pass(granted.pass_token, T0 + 3, IP, verified_with) is ok


def test_the_wait_path_succeeds_only_after_the_wait(challenges: Challenges) -> None:
    claims = Claims()
    ch = challenges.issue(T0 + 0.4, IP, SESSION, "/u/alice")
    assert ch.wait == 9  # the issue time is rounded up: 8 s from T0 + 1
    early = challenges.verify_wait(ch.token, T0 + 3, IP, SESSION, claims)
    assert early.reason == "too-early" and early.retry_after == 6 and early.next_url == "/u/alice"
    assert claims.claimed == {}  # too early does not use the challenge up
    almost = challenges.verify_wait(ch.token, T0 + 8.9, IP, SESSION, claims)
    assert almost.reason == "too-early" and almost.retry_after == 1
    done = challenges.verify_wait(ch.token, T0 + 9, IP, SESSION, claims)
    assert done.ok and done.pass_token is not None and done.next_url == "/u/alice"
    assert challenges.verify_wait(ch.token, T0 + 10, IP, SESSION, claims).reason == "replayed"
    counter = solve(ch.token)
    assert challenges.verify_work(ch.token, counter, T0 + 10, IP, SESSION, claims).reason == (
        "replayed"
    )


def test_the_wait_path_checks_binding_before_time(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    assert challenges.verify_wait(ch.token, T0 + 1, "203.0.113.1", SESSION, Claims()).reason == (
        "wrong-binding"
    )


@pytest.mark.parametrize(
    "url",
    ["/", "/u/alice", "/search?q=smith&page=2", "/a/b/", "/%2F%2Fevil.example", "/a?next=//x"],
)
def test_same_site_paths_are_kept(url: str) -> None:
    assert safe_next(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil",
        "http://evil.example/",
        "/\\evil",
        "/\\/evil",
        "\\\\evil",
        "/a\\b",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/a\x00b",
        "/a\x7fb",
        "/a b",
        "/ünïcode",
        "javascript:alert(1)",
        "evil.example",
        "",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_redirects_home(challenges: Challenges, url: str) -> None:
    assert safe_next(url) == "/"
    ch = challenges.issue(T0, IP, SESSION, url)
    assert ch.next_url == "/"
    result = challenges.verify_work(ch.token, solve(ch.token), T0 + 1, IP, SESSION, Claims())
    assert result.next_url == "/"


@given(st.text(alphabet=st.sampled_from("/\\:.@?#%ab \t\nü") | st.characters(), max_size=40))
def test_a_kept_path_never_leaves_the_site(url: str) -> None:
    """Whatever follows a challenge, a browser resolving it stays on the site's own origin."""
    kept = safe_next(url)
    assert kept in (url, "/")
    resolved = urlsplit(urljoin("https://site.example/a/b", kept))
    assert (resolved.scheme, resolved.netloc) == ("https", "site.example")
    assert kept.isascii() and kept.isprintable() and "\\" not in kept


@pytest.mark.parametrize(
    "settings",
    [
        {"secret": b"short"},
        {"difficulty": 0},
        {"difficulty": 33},
        {"ttl": 0},
        {"pass_ttl": -1},
        {"wait": 300},
        {"wait": -1},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    args: dict[str, Any] = {"secret": SECRET, **settings}
    with pytest.raises(ValueError):
        Challenges(**args)


def test_settings_are_positional_in_the_documented_order() -> None:
    c = Challenges(SECRET, 10, 60.0, 120.0, 2.0)
    assert (c.difficulty, c.ttl, c.pass_ttl, c.wait) == (10, 60.0, 120.0, 2.0)


def test_the_difficulty_travels_in_the_token(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    harder = Challenges(SECRET, difficulty=20)
    result = harder.verify_work(ch.token, solve(ch.token), T0 + 1, IP, SESSION, Claims())
    assert result.ok  # issued at difficulty 8, verified at 8 after the setting changed


# The secret


def test_a_configured_secret_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRAPEGUARD_SECRET", "e" * 40)
    assert load_secret("c" * 32, str(tmp_path / "key")) == b"c" * 32
    assert not (tmp_path / "key").exists()


@pytest.mark.parametrize("configured", ["", "too short", "x" * 31])
def test_a_short_configured_secret_is_an_error(tmp_path: Path, configured: str) -> None:
    with pytest.raises(SecretError, match="at least 32") as raised:
        load_secret(configured, str(tmp_path / "key"))
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, ScrapeguardError)


def test_the_environment_comes_next(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRAPEGUARD_SECRET", "e" * 40)
    assert load_secret(None, str(tmp_path / "key")) == b"e" * 40
    monkeypatch.setenv("SCRAPEGUARD_SECRET", "short")
    with pytest.raises(SecretError, match="SCRAPEGUARD_SECRET"):
        load_secret(None, str(tmp_path / "key"))
    assert not (tmp_path / "key").exists()


def test_else_a_key_file_is_created_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SCRAPEGUARD_SECRET", raising=False)
    path = tmp_path / "key"
    key = load_secret(None, str(path))
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(None, str(path)) == key
    assert Challenges(key).issue(T0, IP, None, "/").token


def test_a_worker_that_loses_the_race_waits_for_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SCRAPEGUARD_SECRET", raising=False)
    path = tmp_path / "key"
    path.touch(mode=0o600)  # the winner has created the file but not yet written it
    writer = threading.Timer(0.1, path.write_bytes, (b"k" * 32,))
    writer.start()
    try:
        assert load_secret(None, str(path)) == b"k" * 32
    finally:
        writer.join(timeout=5)


def test_a_key_file_that_stays_short_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SCRAPEGUARD_SECRET", raising=False)
    monkeypatch.setattr(challenge_module, "_KEY_FILE_PAUSE", 0.001)
    path = tmp_path / "key"
    path.write_bytes(b"short")
    with pytest.raises(SecretError, match="delete it"):
        load_secret(None, str(path))


def race_for_key(path: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=60)
    results.put(load_secret(None, path).hex())


def test_workers_starting_together_share_one_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SCRAPEGUARD_SECRET", raising=False)
    path = str(tmp_path / "key")
    workers = 6
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(target=race_for_key, args=(path, barrier, results)) for _ in range(workers)
    ]
    for p in processes:
        p.start()
    try:
        keys = {results.get(timeout=60) for _ in range(workers)}
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert all(p.exitcode == 0 for p in processes)
    assert keys == {Path(path).read_bytes().hex()}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
