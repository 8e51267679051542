"""A person challenged or sent to sign in comes back to the page it asked for: frameworks hand
scrapeguard the path decoded ("/u/jos%C3%A9" as "/u/josé", "/u/a%3Fb" as "/u/a?b"), so the
address carried through the challenge and the login wall must be that path encoded again, not
the decoded text (which is returned home, or to another page)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inline_apps import BROWSER, CLIENTS, PROXY, make_inline

from scrapeguard.enforce.challenge import has_work
from scrapeguard.enforce.pages import handle_verify
from scrapeguard.engine import Decision
from scrapeguard.integrations.inline import Inline

VISITOR = "203.0.113.9"
FORM = "application/x-www-form-urlencoded"


def hold(inline: Inline, action: str, ip: str = VISITOR) -> None:
    now = inline.guard.now()
    d = Decision(
        action, "ip", f"ip:{ip}", 600.0, f"threshold/{action}", ("why",), 90, False, action, now
    )
    inline.guard.state.record_decision(d)


def solve(token: str, difficulty: int) -> int:
    return next(c for c in range(1_000_000) if has_work(token, c, difficulty))


def returned_to(path: str, query: str) -> tuple[str, str]:
    """Where a solved challenge and the login wall send the visitor back to."""
    headers = {"x-forwarded-for": VISITOR, **BROWSER, "accept": "application/json"}
    inline = CHALLENGED
    p = inline.begin("GET", path, query, headers, PROXY)
    assert p.response is not None and p.response.status == 403, p.response
    ch = json.loads(p.response.body)["challenge"]
    form = f"token={ch['token']}&counter={solve(ch['token'], ch['difficulty'])}"
    verified, _ = handle_verify(
        inline.challenges,
        "POST",
        FORM,
        form.encode(),
        p.event.time,
        p.event.ip,
        None,
        lambda n, u: True,
        False,
        False,
    )
    assert verified.status == 303
    inline = WALLED
    q = inline.begin("GET", path, query, headers, PROXY)
    wall = inline.finish(q, 200)
    assert wall is not None and wall.status == 401
    login = json.loads(wall.body)["login"]
    return dict(verified.headers)["Location"], parse_qs(urlsplit(login).query)["next"][0]


#: Decoded paths as frameworks give them: anything a client can percent-encode.
PATHS = st.text(
    alphabet=st.sampled_from(list('/?#%&=+;: ab\\"<>\t\x00\x7féü\u2028文')) | st.characters(),
    max_size=30,
).map(lambda t: "/u/" + t)
#: Raw queries as browsers send them (percent-encoded, no fragment).
QUERIES = st.text(alphabet=st.sampled_from(list("ab=&%20C3A9+-._~!$'()*,;:@/?")), max_size=20)

CHALLENGED, WALLED = make_inline(), make_inline()
hold(CHALLENGED, "challenge")
hold(WALLED, "require_login")


@settings(max_examples=150, deadline=None)
@given(path=PATHS, query=QUERIES)
def test_the_visitor_returns_to_the_path_it_asked_for(path: str, query: str) -> None:
    """Decoded as the framework will decode it, the address given back is the path asked for,
    with its query, on this site."""
    for back in returned_to(path, query):
        parts = urlsplit(back)
        assert back.startswith("/") and not back.startswith("//")
        assert unquote(parts.path, errors="surrogatepass") == path
        assert parts.query == query and not parts.fragment


@pytest.mark.parametrize("framework", sorted(CLIENTS))
@pytest.mark.parametrize("path", ["/u/jos%C3%A9", "/u/a%3Fb", "/u/a%20b", "/u/%E6%96%87?q=1"])
def test_through_each_framework(framework: str, path: str) -> None:
    """End to end: the redirect after the check leads to the page asked for."""
    inline = make_inline()
    client = CLIENTS[framework](inline)
    hold(inline, "challenge")
    page = client.get(path, VISITOR, {"accept": "application/json"})
    assert page.status == 403
    ch = page.json()["challenge"]
    form = {"token": ch["token"], "counter": str(solve(ch["token"], ch["difficulty"]))}
    done = client.post(ch["verify"], VISITOR, form)
    assert done.status == 303 and done.headers["location"] == path
