"""The address a visitor asked for, carried through the login wall and the challenge: a user
relies on it coming back as the visitor wrote it when it is a page of the site, on "/" when it
is not, and on it never breaking the response it is carried in (a header line, the HTML)."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapeguard.enforce import pages
from scrapeguard.enforce.challenge import Challenges, has_work
from scrapeguard.enforce.pages import Response, handle_verify

SECRET = b"a-test-secret-of-at-least-32-bytes"
T0 = 1_767_225_600.0
IP = "198.51.100.7"
FORM = "application/x-www-form-urlencoded"

#: What a client can put in a path and query, decoded (ASGI paths are percent-decoded).
TARGETS = st.text(
    alphabet=st.sampled_from(list("/\\?#&=%:.@ab<>\"' \t\r\n\x00\x7fü\u2028")), max_size=40
) | st.text(max_size=40).map(lambda t: "/" + t)


def on_site(url: str) -> bool:
    """A page of this site, written as a target may be: "/" then not "/", printable ASCII
    only, and no backslash anywhere (browsers read one as "/"; test_challenge.py)."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and all(" " < c <= "~" and c != "\\" for c in url)
        and len(url) <= 2048
    )


def where(url: str) -> str:
    return url if on_site(url) else "/"


def assert_header_safe(response: Response) -> None:
    for name, value in response.headers:
        value.encode("latin-1")
        assert not re.search(r"[\x00-\x1f\x7f]", name + value), (name, value)


@settings(max_examples=300, deadline=None)
@given(target=TARGETS, login=st.sampled_from(["/login", "/login?lang=fr"]))
def test_the_login_wall_returns_the_visitor_to_the_page_it_asked_for(
    target: str, login: str
) -> None:
    """The Sign in link (HTML and JSON) sends the visitor back to its page, on the site."""
    page = pages.login_required(login, target, json=False)
    assert_header_safe(page)
    found = re.search(r'href="([^"<>]*)">Sign in', page.body.decode())
    assert found is not None
    link = unescape(found[1])
    assert json.loads(pages.login_required(login, target, json=True).body)["login"] == link
    parts = urlsplit(link)
    assert parts.path == "/login"
    assert parse_qs(parts.query)["next"] == [where(target)]


@settings(max_examples=200, deadline=None)
@given(target=TARGETS, wait=st.booleans())
def test_a_passed_challenge_returns_the_visitor_to_the_page_it_asked_for(
    target: str, wait: bool
) -> None:
    """Solved or waited out, the check redirects to the page asked for (on the site), and the
    address is the same in the Location header and the page's link."""
    challenges = Challenges(SECRET, difficulty=4, wait=5)
    ch = challenges.issue(T0, IP, None, target)
    if wait:
        body = f"token={ch.token}&mode=wait"
    else:
        counter = next(c for c in range(10_000) if has_work(ch.token, c, 4))
        body = f"token={ch.token}&counter={counter}"
    early, _ = handle_verify(
        challenges, "POST", FORM, body.encode(), T0 + 1, IP, None, lambda n, u: True, False, True
    )
    assert_header_safe(early)
    response, token = handle_verify(
        challenges, "POST", FORM, body.encode(), T0 + 10, IP, None, lambda n, u: True, False, True
    )
    assert response.status == 303 and token is not None
    assert_header_safe(response)
    location = dict(response.headers)["Location"]
    assert location == where(target)
    found = re.search(r'href="([^"<>]*)">Continue', response.body.decode())
    assert found is not None and unescape(found[1]) == location
