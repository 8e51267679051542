"""Hostile requests through the framework-neutral core: a user relies on scrapeguard judging
every request, whatever its headers hold (huge, Unicode, control characters, missing host,
odd methods and peers), without an internal error that would let it through unjudged, and on
the page that answers it being safe to send: headers a server accepts, client text escaped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from inline_apps import PROXY, make_inline

from scrapeguard.engine import Decision
from scrapeguard.integrations.inline import Inline

ACTIONS = (
    "allow",
    "block",
    "challenge",
    "require_login",
    "throttle",
    "tarpit",
    "cap",
    "degrade",
    "decoy",
)
NAMES = (
    "host",
    "user-agent",
    "accept",
    "accept-language",
    "accept-encoding",
    "referer",
    "cookie",
    "scrapeguard-pass",
    "x-forwarded-for",
    "forwarded",
    "x-real-ip",
    "content-type",
    "content-length",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "sec-ch-ua",
    "connection",
    "via",
)
MARKER = "\"'><script>sg</script>"
HOSTILE = (
    st.text(max_size=80)
    | st.text(alphabet=st.characters(max_codepoint=0x20), max_size=20)
    | st.sampled_from(
        [
            MARKER,
            "sessionid=" + MARKER,
            "sg_pass=" + "A" * 5000,
            "198.51.100.1\r\nX-Evil: 1",
            "text/html\x00",
            "\u2028\u202e\ufeff",
            "\udcff",
            "x" * 20_000,
        ]
    )
)
HEADERS = st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=12), HOSTILE, max_size=10)
PATHS = st.sampled_from(["/", "/u/alice", "/search", "/api/users/bob", "/login", "/.scrapeguard/x"])


def hold(inline: Inline, action: str, ip: str) -> None:
    """A decision in force for `ip`, as the engine records one."""
    now = inline.guard.now()
    d = Decision(
        action, "ip", f"ip:{ip}", 600.0, f"threshold/{action}", ("why",), 90, False, action, now
    )
    inline.guard.state.record_decision(d)


def assert_sendable(status: int, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
    """What a server can send as it is, with nothing the client wrote able to run in it."""
    assert 200 <= status < 600 and status != 500
    for name, value in headers:
        for text in (name, value):
            text.encode("latin-1")
            assert not any(c in text for c in "\r\n\0"), (name, value)
    assert b"<script>sg" not in body


INLINES = {mode: make_inline(mode=mode) for mode in ("enforce", "shadow")}
CLOSED = make_inline(on_error="closed")


@settings(max_examples=300, deadline=None)
@given(
    inline=st.sampled_from([*INLINES.values(), CLOSED]),
    action=st.sampled_from(ACTIONS),
    method=st.sampled_from(["GET", "HEAD", "POST", "get", ""]) | st.text(max_size=10),
    path=PATHS | st.text(max_size=60).map(lambda t: "/" + t),
    suffix=st.sampled_from(["", MARKER, "/%0d%0a", "\r\nSet-Cookie: x=1"]),
    query=st.sampled_from(["", "q=a&page=9", "next=" + MARKER]) | st.text(max_size=40),
    headers=HEADERS,
    peer=st.sampled_from([None, "", PROXY, "203.0.113.5", "::1", "garbage", "10.0.0.1:80"]),
    status=st.sampled_from([200, 204, 301, 404, 500]),
)
def test_any_request_is_judged_without_an_internal_error_and_answered_safely(
    inline: Inline,
    action: str,
    method: str,
    path: str,
    suffix: str,
    query: str,
    headers: dict[str, str],
    peer: str | None,
    status: int,
) -> None:
    """Whatever the client sends, with any decision in force for it."""
    errors = {stage: inline.metrics.errors.value(stage) for stage in ("begin", "finish")}
    hold(inline, action, inline.clients.resolve(peer, headers))
    p = inline.begin(method, path + suffix, query, headers, peer)
    first = p.response
    if p.internal:
        answer = inline.internal(p)
        assert_sendable(answer.status, answer.headers, answer.body)
    answer_ = inline.finish(p, status, 10)
    assert {stage: inline.metrics.errors.value(stage) for stage in errors} == errors
    for response in (first, answer_):
        if response is not None:
            assert_sendable(response.status, response.headers, response.body)
    assert all(isinstance(v, str) for _, v in p.headers)
