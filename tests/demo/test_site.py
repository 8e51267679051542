"""The demo social network through a real test client: every route, the account flow, and what
each response reports to scrapeguard when the site runs behind it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from starlette.testclient import TestClient

from scrapeguard.config import load_file
from scrapeguard.demo.people import Directory, Person
from scrapeguard.demo.site import (
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    SITE_CONFIG,
    TRAP_PATH,
    create_app,
    member_password,
)
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.integrations.asgi import ScrapeguardMiddleware
from scrapeguard.integrations.inline import Inline, Protection
from scrapeguard.integrations.loading import read_config
from scrapeguard.site import Kind
from scrapeguard.state import open_state

T0 = 1_788_220_800.0
CLIENT = ("127.0.0.1", 50000)
BROWSER = {
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "accept-language": "en-GB,en;q=0.9",
    "accept": "text/html,application/xhtml+xml,*/*;q=0.8",
}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory(200, seed=7)


@pytest.fixture
def client(directory: Directory) -> Iterator[TestClient]:
    with TestClient(create_app(directory), client=CLIENT, follow_redirects=False) as c:
        yield c


def person_with_followers(directory: Directory, more_than: int) -> Person:
    return next(p for p in directory.people if len(directory.followers(p)) > more_than)


def profile_links(text: str) -> list[str]:
    return re.findall(r'<li><img [^>]*><a href="/u/([^"]+)">', text)


def log_in(client: TestClient, directory: Directory, person: Person) -> None:
    form = {"username": person.username, "password": member_password(directory, person.username)}
    r = client.post("/login", data=form)
    assert r.status_code == 303 and client.cookies.get("session")


# -- pages ------------------------------------------------------------------------------------


def test_home_links_to_everything_and_hides_its_traps(
    client: TestClient, directory: Directory
) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    for href in ('href="/directory"', 'href="/login"', 'href="/signup"'):
        assert href in r.text
    assert 'action="/search"' in r.text and 'action="/find"' in r.text
    hidden = 'hidden rel="nofollow" tabindex="-1" aria-hidden="true"'
    assert f'<a href="{TRAP_PATH}" {hidden}>' in r.text
    canary = directory.canaries[0].username
    assert f'<a href="/u/{canary}" {hidden}>' in r.text
    assert "session" not in r.cookies  # anonymous visitors get no cookie


def test_profile_shows_contact_fields_to_members_only(
    client: TestClient, directory: Directory
) -> None:
    alice, bob = directory.people[0], directory.people[1]
    r = client.get(f"/u/{alice.username}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for value in (alice.name, alice.photo, alice.location):
        assert value in r.text
    assert alice.email not in r.text and alice.phone not in r.text
    assert f'href="/u/{alice.username}/followers"' in r.text
    log_in(client, directory, bob)
    r = client.get(f"/u/{alice.username}")
    assert alice.email in r.text and alice.phone in r.text
    assert f"@{bob.username}" in r.text  # the navigation shows who is logged in


def test_unknown_people_are_404_and_canary_profiles_render_like_anyone(
    client: TestClient, directory: Directory
) -> None:
    assert client.get("/u/nobody.here").status_code == 404
    assert client.get("/u/nobody.here/followers").status_code == 404
    canary = directory.canaries[0]
    r = client.get(f"/u/{canary.username}")
    assert r.status_code == 200 and canary.name in r.text


def test_api_user_is_json_with_contact_fields_for_members_only(
    client: TestClient, directory: Directory
) -> None:
    alice = directory.people[2]
    r = client.get(f"/api/v1/users/{alice.username}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == alice.public()
    missing = client.get("/api/v1/users/nobody.here")
    assert missing.status_code == 404 and missing.json() == {"error": "not_found"}
    log_in(client, directory, directory.people[3])
    assert client.get(f"/api/v1/users/{alice.username}").json() == alice.private()


def test_directory_pages_hold_50_people_and_end_empty(
    client: TestClient, directory: Directory
) -> None:
    first = client.get("/directory")
    assert profile_links(first.text) == [p.username for p in directory.page(1, 50)]
    last = client.get("/directory?page=4")
    assert profile_links(last.text) == [p.username for p in directory.people[150:200]]
    assert 'rel="next"' not in last.text and 'href="/directory?page=3"' in last.text
    past = client.get("/directory?page=5")
    assert past.status_code == 200 and profile_links(past.text) == []
    assert profile_links(client.get("/directory?page=x").text) == profile_links(first.text)
    superscript = client.get("/directory?page=%C2%B2")  # "²": a digit to str.isdigit, not int
    assert profile_links(superscript.text) == profile_links(first.text)


def test_followers_pages_hold_50_people(client: TestClient, directory: Directory) -> None:
    star = person_with_followers(directory, 50)
    followers = [p.username for p in directory.followers(star)]
    r = client.get(f"/u/{star.username}/followers")
    assert r.status_code == 200 and profile_links(r.text) == followers[:50]
    assert 'rel="next"' in r.text
    r = client.get(f"/u/{star.username}/followers?page=2")
    assert profile_links(r.text) == followers[50:100]


def test_search_pages_hold_20_results(client: TestClient, directory: Directory) -> None:
    term = next(t for t in "abcdefghijklmnopqrstuvwxyz" if len(directory.search(t)) > 20)
    matches = [p.username for p in directory.search(term)]
    r = client.get("/search", params={"q": term})
    assert r.status_code == 200 and profile_links(r.text) == matches[:20]
    r = client.get("/search", params={"q": term, "page": 2})
    assert profile_links(r.text) == matches[20:40]
    empty = client.get("/search")
    assert empty.status_code == 200 and profile_links(empty.text) == []


def test_find_answers_404_when_nobody_has_the_contact(
    client: TestClient, directory: Directory
) -> None:
    alice = directory.people[4]
    for contact in (alice.email, alice.phone):
        r = client.get("/find", params={"q": contact})
        assert r.status_code == 200 and profile_links(r.text) == [alice.username]
    assert client.get("/find", params={"q": "nobody@example.com"}).status_code == 404
    assert client.get("/find", params={"q": directory.canaries[0].email}).status_code == 404
    assert client.get("/find").status_code == 200  # the form alone


# -- accounts ---------------------------------------------------------------------------------


def test_signup_logs_in_and_logout_forgets_the_session(
    client: TestClient, directory: Directory
) -> None:
    alice = directory.people[5]
    form = {"username": "newbie", "email": "newbie@example.org", "password": "correct horse"}
    r = client.post("/signup", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert alice.email in client.get(f"/u/{alice.username}").text
    r = client.post("/logout")
    assert r.status_code == 303 and not client.cookies.get("session")
    assert alice.email not in client.get(f"/u/{alice.username}").text
    r = client.post("/login", data={"username": "newbie", "password": "correct horse"})
    assert r.status_code == 303 and client.cookies.get("session")


def test_signup_refuses_taken_names_and_bad_input(client: TestClient, directory: Directory) -> None:
    assert client.get("/signup").status_code == 200
    good = {"username": "carol", "email": "carol@example.org", "password": "long enough"}
    assert client.post("/signup", data=good).status_code == 303
    client.cookies.clear()
    assert client.post("/signup", data={**good, "email": "c2@example.org"}).status_code == 409
    member = {**good, "username": directory.people[0].username, "email": "m@example.org"}
    assert client.post("/signup", data=member).status_code == 409
    assert client.post("/signup", data={**good, "username": "c3"}).status_code == 400
    assert client.post("/signup", data={**good, "username": "c4", "email": "x"}).status_code == 400
    assert (
        client.post("/signup", data={**good, "username": "c5", "password": "short"}).status_code
        == 400
    )
    assert not client.cookies.get("session")


def test_login_checks_passwords_and_returns_to_a_local_page(
    client: TestClient, directory: Directory
) -> None:
    alice = directory.people[6]
    assert client.get("/login").status_code == 200
    password = member_password(directory, alice.username)
    r = client.post("/login", data={"username": alice.username, "password": "wrong password"})
    assert r.status_code == 401 and not client.cookies.get("session")
    assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code == 401
    canary = directory.canaries[0].username
    r = client.post(
        "/login", data={"username": canary, "password": member_password(directory, canary)}
    )
    assert r.status_code == 401
    form = {"username": alice.username, "password": password, "next": "/u/x"}
    r = client.post("/login", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/u/x"
    r = client.post("/login", data={**form, "next": "//evil.example/"})
    assert r.headers["location"] == "/"


# -- robots, static and traps -----------------------------------------------------------------


def test_robots_txt_disallows_what_the_site_model_says(client: TestClient) -> None:
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert "User-agent: *" in lines and any(line.startswith("Crawl-delay: ") for line in lines)
    disallowed = [line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")]
    assert disallowed == ["/search", "/find", "/api/", "/internal/"]
    site = read_config(load_file(str(SITE_CONFIG)))[0]
    assert site.robots_disallow == ["/search", "/find", "/api/*", "/internal/*"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/app.css", "text/css; charset=utf-8"),
        ("/static/app.js", "text/javascript; charset=utf-8"),
        ("/static/avatars/0.svg", "image/svg+xml"),
        ("/static/avatars/63.svg", "image/svg+xml"),
        ("/favicon.ico", "image/x-icon"),
    ],
)
def test_static_assets_are_served_and_cacheable(
    client: TestClient, path: str, content_type: str
) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"] == content_type
    assert "max-age" in r.headers["cache-control"] and r.content


def test_generated_assets_are_well_formed(client: TestClient) -> None:
    assert client.get("/static/avatars/5.svg").text.startswith("<svg ")
    assert client.get("/favicon.ico").content[:4] == b"\x00\x00\x01\x00"
    assert client.get("/static/avatars/64.svg").status_code == 404


def test_the_trap_and_unknown_paths_are_404(client: TestClient) -> None:
    assert client.get(TRAP_PATH).status_code == 404
    assert client.get("/internal/export/a/b.json").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    r = client.get("/api/v1/nothing")
    assert r.status_code == 404 and r.json() == {"error": "not_found"}


class Page(HTMLParser):
    """What accessibility checks need from a page: lang, title, assets, labels, inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.title = ""
        self.assets: set[str] = set()
        self.labels: set[str] = set()
        self.inputs: list[str] = []
        self.ids: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "id" in a:
            self.ids.append(str(a["id"]))
        if tag == "html":
            self.lang = a.get("lang") or ""
        elif tag == "title":
            self._in_title = True
        elif tag == "link" and a.get("rel") == "stylesheet" or tag == "script":
            self.assets.add(str(a.get("href") or a.get("src")))
        elif tag == "label":
            self.labels.add(str(a.get("for")))
        elif tag == "input" and a.get("type") != "hidden":
            self.inputs.append(str(a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def test_pages_are_accessible_and_load_the_site_assets(
    client: TestClient, directory: Directory
) -> None:
    alice = directory.people[0]
    paths = [
        "/",
        f"/u/{alice.username}",
        f"/u/{alice.username}/followers",
        "/directory",
        "/search?q=a",
        "/find",
        "/find?q=x",
        "/signup",
        "/login",
        "/nowhere",
    ]
    for path in paths:
        page = Page()
        page.feed(client.get(path).text)
        assert page.lang == "en" and page.title.strip(), path
        assert page.assets == {"/static/app.css", "/static/app.js"}, path
        assert set(page.inputs) <= page.labels, path
        assert len(page.ids) == len(set(page.ids)), path


# -- behind scrapeguard -----------------------------------------------------------------------


class Seen:
    """Between scrapeguard and the app: keeps each request's `Protection`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.protections: list[Protection] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            self.protections.append(scope["scrapeguard"])

    @property
    def last(self) -> Protection:
        return self.protections[-1]


class Protected:
    """The demo site behind scrapeguard (site.yaml), on a test clock, seen from one address."""

    def __init__(self, directory: Directory, max_results: int = 0) -> None:
        site, policy, settings, state_url = read_config(load_file(str(SITE_CONFIG)))
        policy.max_results = max_results
        self.clock = Clock()
        guard = Guard(site, policy, open_state(state_url), NoNetworkInfo(), self.clock)
        self.inline = Inline(guard, settings, secret=b"k" * 32)
        app = create_app(directory, self.inline, self.clock)
        assert isinstance(app, ScrapeguardMiddleware)
        self.seen = app.app = Seen(app.app)
        self.http = TestClient(app, client=CLIENT, follow_redirects=False)

    def get(self, path: str, ip: str, **params: Any) -> Any:
        return self.http.get(path, params=params, headers={**BROWSER, "x-forwarded-for": ip})

    def post(self, path: str, ip: str, data: dict[str, str]) -> Any:
        return self.http.post(path, data=data, headers={**BROWSER, "x-forwarded-for": ip})

    def distinct(self, key: str) -> int:
        state = self.inline.guard.state.get(key)
        return state.distinct if state is not None else 0


@pytest.fixture
def protected(directory: Directory) -> Protected:
    return Protected(directory)


def test_each_response_reports_the_people_it_showed(
    protected: Protected, directory: Directory
) -> None:
    alice = directory.people[0]
    assert protected.get(f"/u/{alice.username}", "198.51.100.1").status_code == 200
    (disclosure,) = protected.seen.last.disclosed
    assert (disclosure.subject, disclosure.fields) == (alice.username, PROFILE_FIELDS)
    assert protected.distinct("ip:198.51.100.1") == 1
    protected.get(f"/api/v1/users/{alice.username}", "198.51.100.1")
    assert protected.distinct("ip:198.51.100.1") == 1  # the same person again
    protected.get("/directory", "198.51.100.2", page=2)
    assert protected.distinct("ip:198.51.100.2") == 50
    protected.get("/directory", "198.51.100.2", page=9)
    assert protected.seen.last.disclosed == () and protected.distinct("ip:198.51.100.2") == 50
    star = person_with_followers(directory, 50)
    protected.get(f"/u/{star.username}/followers", "198.51.100.3")
    assert protected.distinct("ip:198.51.100.3") == 50
    protected.get("/search", "198.51.100.4", q="a")
    assert protected.distinct("ip:198.51.100.4") == min(20, len(directory.search("a")))
    protected.get("/search", "198.51.100.5")
    assert protected.distinct("ip:198.51.100.5") == 0
    protected.get("/find", "198.51.100.6", q=alice.phone)
    assert [d.subject for d in protected.seen.last.disclosed] == [alice.username]
    assert protected.distinct("ip:198.51.100.6") == 1
    protected.get("/find", "198.51.100.7", q="nobody@example.org")
    protected.get("/find", "198.51.100.7")
    state = protected.inline.guard.state.get("ip:198.51.100.7")
    assert state is not None and state.distinct == 0
    assert state.more().lookups == 2 and state.more().lookup_misses == 1


def test_the_logged_in_account_is_identified_with_its_age(
    protected: Protected, directory: Directory
) -> None:
    alice, bob = directory.people[0], directory.people[1]
    ip = "203.0.113.9"
    password = member_password(directory, alice.username)
    assert (
        protected.post("/login", ip, {"username": alice.username, "password": "nope"}).status_code
        == 401
    )
    assert protected.seen.last.event.extra["outcome"] == "login-failed"
    protected.post("/login", ip, {"username": alice.username, "password": password})
    assert protected.seen.last.event.account == alice.username
    protected.get(f"/u/{bob.username}", ip)
    p = protected.seen.last
    assert p.event.account == alice.username and p.event.account_created == alice.created
    assert p.disclosed[0].fields == PROFILE_FIELDS + CONTACT_FIELDS
    assert protected.distinct(f"account:{alice.username}") == 1
    assert p.event.session == protected.http.cookies.get("session")


def test_a_signup_is_reported_with_the_clock_as_its_creation_time(protected: Protected) -> None:
    protected.clock.now = T0 + 1234
    form = {"username": "fresh.one", "email": "fresh@example.net", "password": "12345678"}
    assert protected.post("/signup", "203.0.113.10", form).status_code == 303
    event = protected.seen.last.event
    assert event.extra["outcome"] == "signup" and event.account == "fresh.one"
    assert event.account_created == T0 + 1234
    protected.get("/directory", "203.0.113.10")
    assert protected.seen.last.event.account_created == T0 + 1234
    assert protected.distinct("account:fresh.one") == 50


def test_search_stops_at_the_policys_max_results(directory: Directory) -> None:
    protected = Protected(directory, max_results=25)
    term = next(t for t in "abcdefghijklmnopqrstuvwxyz" if len(directory.search(t)) > 25)
    assert len(profile_links(protected.get("/search", "192.0.2.1", q=term).text)) == 20
    second = protected.get("/search", "192.0.2.1", q=term, page=2)
    assert len(profile_links(second.text)) == 5 and 'rel="next"' not in second.text
    assert profile_links(protected.get("/search", "192.0.2.1", q=term, page=3).text) == []
    assert protected.distinct("ip:192.0.2.1") == 25


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/u/someone", Kind.PERSON),
        ("/api/v1/users/someone", Kind.PERSON),
        ("/u/someone/followers", Kind.LIST),
        ("/directory", Kind.LIST),
        ("/search", Kind.SEARCH),
        ("/find", Kind.LOOKUP),
        ("/signup", Kind.SIGNUP),
        ("/login", Kind.LOGIN),
        ("/static/app.css", Kind.STATIC),
        ("/static/avatars/1.svg", Kind.STATIC),
        ("/favicon.ico", Kind.STATIC),
        ("/u/~canary-0badf00d", Kind.TRAP),
        ("/api/v1/users/~canary-0badf00d", Kind.TRAP),
        (TRAP_PATH, Kind.TRAP),
        ("/robots.txt", Kind.ROBOTS),
        ("/", Kind.OTHER),
    ],
)
def test_site_yaml_models_every_route(protected: Protected, path: str, kind: str) -> None:
    protected.get(path, "192.0.2.9")
    p = protected.seen.last
    assert protected.inline.guard.site.classify(p.event).kind == kind


def test_the_canary_links_on_the_home_page_are_traps(
    protected: Protected, directory: Directory
) -> None:
    home = protected.get("/", "192.0.2.10").text
    site = protected.inline.guard.site
    for href in re.findall(r'<a href="([^"]+)" hidden', home):
        protected.get(href, "192.0.2.10")
        assert site.classify(protected.seen.last.event).kind == Kind.TRAP, href
