"""The pages a visitor sees for each action, and the verify endpoint."""

from __future__ import annotations

import hashlib
import json
import re
from itertools import count
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapeguard.enforce import pages
from scrapeguard.enforce.challenge import Challenges
from scrapeguard.enforce.pages import MAX_VERIFY_BODY, PASS_COOKIE, Response, handle_verify

SECRET = b"a-test-secret-of-at-least-32-bytes"
T0 = 1_767_225_600.0
IP = "198.51.100.7"
SESSION = "s1"
FORM = "application/x-www-form-urlencoded"


def header(response: Response, name: str) -> str | None:
    values = [v for k, v in response.headers if k.lower() == name.lower()]
    assert len(values) <= 1, f"{name} sent {len(values)} times"
    return values[0] if values else None


def text(response: Response) -> str:
    return response.body.decode()


def has_work(token: str, counter: int, difficulty: int) -> bool:
    digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - difficulty) == 0


def solve(token: str, difficulty: int) -> int:
    return next(c for c in count() if has_work(token, c, difficulty))


class Claims:
    def __init__(self) -> None:
        self.claimed: set[str] = set()

    def __call__(self, nonce: str, until: float) -> bool:
        fresh = nonce not in self.claimed
        self.claimed.add(nonce)
        return fresh


@pytest.fixture
def challenges() -> Challenges:
    return Challenges(SECRET, difficulty=8, wait=5)


def verify(
    challenges: Challenges,
    body: bytes | dict[str, object],
    *,
    method: str = "POST",
    content_type: str = FORM,
    now: float = T0 + 10,
    claim: Claims | None = None,
    json_reply: bool = False,
    secure: bool = False,
) -> tuple[Response, str | None]:
    if isinstance(body, dict):
        body = (
            json.dumps(body).encode()
            if content_type.startswith("application/json")
            else urlencode(body).encode()
        )
    return handle_verify(
        challenges,
        method,
        content_type,
        body,
        now,
        IP,
        SESSION,
        claim or Claims(),
        json_reply,
        secure,
    )


def assert_never_cached_or_indexed(response: Response) -> None:
    assert header(response, "Cache-Control") == "no-store"
    assert header(response, "X-Robots-Tag") == "noindex"
    assert header(response, "X-Content-Type-Options") == "nosniff"


def assert_html(response: Response) -> str:
    assert header(response, "Content-Type") == "text/html; charset=utf-8"
    page = text(response)
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "<title>" in page and "<h1>" in page
    # Self-contained: nothing loaded from anywhere.
    assert not re.search(r"\bsrc=|<link|@import|url\(", page)
    return page


def csp(response: Response) -> dict[str, str]:
    policy = header(response, "Content-Security-Policy")
    assert policy is not None
    parts = (p.strip().split(" ", 1) for p in policy.split(";"))
    return {name: rest for name, rest in parts}


# Blocked


def test_blocked_shows_the_reference_and_the_appeal_never_the_reason() -> None:
    response = pages.blocked("a1b2c3d4e5f6", "mailto:appeals@example.org", json=False)
    assert response.status == 403
    page = assert_html(response)
    assert_never_cached_or_indexed(response)
    assert "a1b2c3d4e5f6" in page and 'href="mailto:appeals@example.org"' in page
    shown = re.search(r"<main>(.*)</main>", page, re.S)
    assert shown is not None
    for private in ("score", "reason", "detector", "threshold", "scrap", "bot", "origin"):
        assert private not in shown[1].lower()


def test_blocked_without_an_appeal_address_says_whom_to_ask() -> None:
    page = text(pages.blocked("ref", None, json=False))
    assert "contact this site's support" in page and "ref" in page


def test_an_appeal_that_is_not_an_address_is_shown_not_linked() -> None:
    page = text(pages.blocked("ref", 'javascript:alert("x")', json=False))
    assert "href" not in page and "javascript:alert(&quot;x&quot;)" in page


def test_blocked_as_json() -> None:
    response = pages.blocked("ref", "https://example.org/appeal", json=True)
    assert response.status == 403 and header(response, "Content-Type") == "application/json"
    assert json.loads(response.body) == {
        "error": "blocked",
        "reference": "ref",
        "appeal": "https://example.org/appeal",
    }


# Throttled and limited


@pytest.mark.parametrize("as_json", [False, True])
def test_throttled_says_when_and_never_the_rate_limit(as_json: bool) -> None:
    response = pages.throttled(120, json=as_json)
    assert response.status == 429 and header(response, "Retry-After") == "120"
    assert not [k for k, _ in response.headers if k.lower().startswith("ratelimit")]
    assert_never_cached_or_indexed(response)
    if as_json:
        assert json.loads(response.body) == {"error": "throttled", "retry_after": 120}
    else:
        assert "2 minutes" in assert_html(response)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "a moment"), (1, "1 second"), (45, "45 seconds"), (119, "119 seconds"),
     (121, "3 minutes"), (7200, "2 hours")],
)  # fmt: skip
def test_waits_are_told_in_words(seconds: int, words: str) -> None:
    assert f"try again in {words}." in text(pages.throttled(seconds, json=False))


@pytest.mark.parametrize("as_json", [False, True])
def test_limited_tells_the_public_reason_only(as_json: bool) -> None:
    response = pages.limited(3600, as_json, "You have seen many <profiles> today.")
    assert response.status == 429 and header(response, "Retry-After") == "3600"
    assert not [k for k, _ in response.headers if k.lower().startswith("ratelimit")]
    if as_json:
        assert json.loads(response.body) == {
            "error": "limited",
            "message": "You have seen many <profiles> today.",
            "retry_after": 3600,
        }
    else:
        page = assert_html(response)
        assert "You have seen many &lt;profiles&gt; today." in page and "60 minutes" in page


# Login


def test_login_required_links_to_the_login_page_with_next() -> None:
    response = pages.login_required("/login", "/u/alice?tab=a&b=1", json=False)
    assert response.status == 401
    page = assert_html(response)
    link = re.search(r'href="([^"]+)">Sign in', page)
    assert link is not None
    url = urlsplit(link[1].replace("&amp;", "&"))
    assert url.path == "/login" and parse_qs(url.query) == {"next": ["/u/alice?tab=a&b=1"]}


def test_login_required_never_sends_next_off_site() -> None:
    body = json.loads(pages.login_required("/login?lang=fr", "//evil.example", json=True).body)
    assert body == {"error": "login-required", "login": "/login?lang=fr&next=%2F"}


def test_unavailable() -> None:
    response = pages.unavailable(json=False)
    assert response.status == 503 and header(response, "Retry-After") == "60"
    assert json.loads(pages.unavailable(json=True).body)["error"] == "unavailable"


# The challenge page


def test_the_challenge_page_is_accessible_self_contained_and_locked_down(
    challenges: Challenges,
) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/u/alice")
    response = pages.challenge(ch, "/.scrapeguard/verify", json=False)
    assert response.status == 403
    assert_never_cached_or_indexed(response)
    page = assert_html(response)
    policy = csp(response)
    assert policy["default-src"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["frame-ancestors"] == "'none'"
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{16,})'", policy["script-src"])
    assert nonce is not None
    assert policy["style-src"] == policy["script-src"]
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts == [f' nonce="{nonce[1]}"']
    assert f'<style nonce="{nonce[1]}">' in page
    assert 'role="status" aria-live="polite"' in page
    assert "<progress" in page and 'aria-label="Progress of the check"' in page
    assert 'action="/.scrapeguard/verify"' in page and f'value="{ch.token}"' in page
    assert 'data-difficulty="8"' in page
    noscript = re.search(r"<noscript>(.*)</noscript>", page, re.S)
    assert noscript is not None
    assert 'name="mode" value="wait"' in noscript[1] and f'value="{ch.token}"' in noscript[1]
    assert "wait 5 seconds" in noscript[1] and "<button" in noscript[1]
    # No animation, so nothing for prefers-reduced-motion to stop; no colour-only cues.
    assert "animation" not in page and "color:" not in page


def test_every_page_gets_its_own_nonce(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    first = csp(pages.challenge(ch, "/v", json=False))["script-src"]
    second = csp(pages.challenge(ch, "/v", json=False))["script-src"]
    assert first != second


def test_the_challenge_for_api_clients(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/api/people")
    response = pages.challenge(ch, "/.scrapeguard/verify", json=True)
    assert response.status == 403 and header(response, "Content-Type") == "application/json"
    assert_never_cached_or_indexed(response)
    assert json.loads(response.body) == {
        "error": "challenge",
        "challenge": {
            "token": ch.token,
            "algorithm": "sha256-leading-zero-bits",
            "difficulty": 8,
            "input": "<token>:<counter>",
            "verify": "/.scrapeguard/verify",
            "expires": ch.expires,
        },
    }


# The verify endpoint


def test_a_solved_challenge_redirects_with_a_pass_cookie(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/u/alice?tab=1")
    body = {"token": ch.token, "counter": solve(ch.token, 8), "next": "//evil.example"}
    response, token = verify(challenges, body)
    assert response.status == 303 and token is not None
    assert header(response, "Location") == "/u/alice?tab=1"  # the signed target, not `next`
    assert header(response, "Set-Cookie") == (
        f"{PASS_COOKIE}={token}; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax"
    )
    assert_never_cached_or_indexed(response)
    assert challenges.check_pass(token, T0 + 11, IP, SESSION)


def test_the_cookie_is_secure_when_the_caller_says_so(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    body = {"token": ch.token, "mode": "work", "counter": solve(ch.token, 8)}
    response, _ = verify(challenges, body, secure=True)
    cookie = header(response, "Set-Cookie")
    assert cookie is not None and cookie.endswith("; Secure")


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_api_clients_get_the_pass_as_json(challenges: Challenges, content_type: str) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/api/people")
    body = {"token": ch.token, "counter": solve(ch.token, 8)}
    response, token = verify(challenges, body, content_type=content_type, json_reply=True)
    assert response.status == 200 and header(response, "Set-Cookie") is None
    assert json.loads(response.body) == {"pass": token, "expires": T0 + 10 + 3600}


def test_a_wrong_proof_is_refused_with_a_fresh_start(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/u/alice")
    wrong = next(c for c in count() if not has_work(ch.token, c, 8))
    response, token = verify(challenges, {"token": ch.token, "counter": wrong})
    assert response.status == 403 and token is None
    page = assert_html(response)
    assert "could not be verified" in page and 'href="/u/alice">Try again' in page
    as_json, _ = verify(challenges, {"token": ch.token, "counter": wrong}, json_reply=True)
    assert json.loads(as_json.body) == {"error": "challenge-failed", "reason": "bad-proof"}


def test_a_replayed_proof_is_refused(challenges: Challenges) -> None:
    claims = Claims()
    ch = challenges.issue(T0, IP, SESSION, "/")
    body = {"token": ch.token, "counter": solve(ch.token, 8)}
    assert verify(challenges, body, claim=claims)[0].status == 303
    response, token = verify(challenges, body, claim=claims)
    assert response.status == 403 and token is None and "already been used" in text(response)


def test_an_expired_challenge_is_refused(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    body = {"token": ch.token, "counter": solve(ch.token, 8)}
    response, _ = verify(challenges, body, now=T0 + 10_000)
    assert response.status == 403 and "expired" in text(response)


def test_waiting_too_early_tells_how_long_is_left_and_keeps_the_challenge(
    challenges: Challenges,
) -> None:
    claims = Claims()
    ch = challenges.issue(T0, IP, SESSION, "/u/alice")
    body = {"token": ch.token, "mode": "wait"}
    early, token = verify(challenges, body, now=T0 + 2, claim=claims)
    assert early.status == 429 and token is None and header(early, "Retry-After") == "3"
    page = assert_html(early)
    assert "wait 3 seconds more" in page
    form = re.search(r"<form[^>]*>", page)
    assert form is not None and "action" not in form[0]  # posts back to the verify path
    assert f'value="{ch.token}"' in page and 'name="mode" value="wait"' in page
    as_json, _ = verify(challenges, body, now=T0 + 2, claim=claims, json_reply=True)
    assert json.loads(as_json.body) == {"error": "too-early", "retry_after": 3}
    done, token = verify(challenges, body, now=T0 + 5, claim=claims)
    assert done.status == 303 and token is not None
    assert header(done, "Location") == "/u/alice"


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_only_post_is_allowed(challenges: Challenges, method: str) -> None:
    response, token = verify(challenges, b"", method=method)
    assert response.status == 405 and header(response, "Allow") == "POST" and token is None


def test_an_oversized_body_is_refused(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    body = urlencode({"token": ch.token, "counter": "1", "pad": "x" * MAX_VERIFY_BODY}).encode()
    response, token = verify(challenges, body)
    assert response.status == 413 and token is None
    assert json.loads(verify(challenges, body, json_reply=True)[0].body) == {"error": "too-large"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, b""),
        (FORM, b"counter=1"),  # no token
        (FORM, b"token=abc.def"),  # neither a counter nor mode=wait
        (FORM, b"token=abc.def&counter=x1"),
        (FORM, b"token=abc.def&counter=-1"),
        (FORM, b"token=abc.def&counter=007"),
        (FORM, b"token=abc.def&counter=12345678901234567"),
        (FORM, b"token=abc.def&mode=sleep"),
        (FORM, b"token=a&token=b&counter=1"),
        (FORM, b"token"),
        (FORM, b"token=%ff\xff&counter=1"),
        (FORM, b"a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9"),
        ("application/json", b"[1, 2]"),
        ("application/json", b"{"),
        ("application/json", b'{"token": "abc.def", "counter": true}'),
        ("application/json", b'{"token": "abc.def", "counter": 1.5}'),
        ("application/json", b'{"token": null, "counter": 1}'),
        ("text/plain", b"token=abc.def&counter=1"),
        ("", b"token=abc.def&counter=1"),
    ],
)
def test_malformed_requests_are_bad_requests(
    challenges: Challenges, content_type: str, body: bytes
) -> None:
    response, token = verify(challenges, body, content_type=content_type)
    assert response.status == 400 and token is None
    assert "malformed" in assert_html(response)


def test_fields_the_endpoint_does_not_know_are_ignored(challenges: Challenges) -> None:
    ch = challenges.issue(T0, IP, SESSION, "/")
    body = {"token": ch.token, "counter": solve(ch.token, 8), "next": None, "extra": [1]}
    response, token = verify(challenges, body, content_type="application/json")
    assert response.status == 303 and token is not None


@settings(max_examples=300, deadline=None)
@given(
    body=st.one_of(
        st.binary(max_size=600),
        st.dictionaries(
            st.sampled_from(["token", "counter", "mode", "next"]),
            st.one_of(st.text(max_size=80), st.integers(), st.none(), st.booleans()),
        ).map(lambda d: json.dumps(d).encode()),
    ),
    content_type=st.sampled_from([FORM, "application/json", "text/plain"]),
    as_json=st.booleans(),
)
def test_the_endpoint_never_fails_on_any_input(
    body: bytes, content_type: str, as_json: bool
) -> None:
    challenges = Challenges(SECRET, difficulty=8)
    response, token = handle_verify(
        challenges, "POST", content_type, body, T0, IP, None, Claims(), as_json, True
    )
    assert response.status in (400, 403, 429) and token is None
