"""The demo social network: a small Starlette site whose members' profiles are worth scraping.

    app = create_app(Directory(5000), inline=inline)   # behind scrapeguard
    app = create_app(Directory(5000))                  # unprotected, for comparison

Every view tells scrapeguard who is logged in (`identify`) and exactly whose data its response
showed (`disclose`), and passes each record through `filter` so that `degrade` and `decoy`
work. Without `inline`, `protection(request)` is detached and the calls are harmless.

The people are the `Directory`'s members; they log in with `member_password`. New sign-ups get
an account (kept in memory) and browse; they have no public profile. Email and phone are shown
to logged-in members only. `SITE_CONFIG` is the site's scrapeguard configuration.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import math
import re
import secrets
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ..integrations.asgi import ScrapeguardMiddleware
from ..integrations.inline import Inline, Protection, protection
from .people import Directory, Person

#: The scrapeguard configuration (site model, policy, enforce settings) of this site.
SITE_CONFIG = Path(__file__).with_name("site.yaml")

SITE_NAME = "Neighbourly"
DIRECTORY_PAGE = 50
FOLLOWERS_PAGE = 50
SEARCH_PAGE = 20
AVATARS = 64  # Person.photo names /static/avatars/0.svg to 63.svg
SESSION_COOKIE = "session"
TRAP_PATH = "/internal/export/members.csv"

PROFILE_FIELDS = ("name", "photo", "bio", "location", "employer")
CONTACT_FIELDS = ("email", "phone")
LIST_FIELDS = ("name", "photo")
RESULT_FIELDS = ("name", "photo", "location")

MAX_FORM = 16 * 1024
MAX_SESSIONS = 200_000
#: Demo-strength scrypt: the simulator signs up thousands of accounts (about 5 ms each).
SCRYPT_N = 2**11
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,29}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

HTML_HEADERS = {
    "content-security-policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
STATIC_CACHE = {"cache-control": "public, max-age=86400"}
AVATAR_CACHE = {"cache-control": "public, max-age=31536000, immutable"}

ROBOTS_TXT = f"""\
# {SITE_NAME}: please do not harvest our members' profiles.
User-agent: *
Crawl-delay: 10
Disallow: /search
Disallow: /find
Disallow: /api/
Disallow: /internal/
"""

APP_CSS = """\
:root { --ink: #1f2a37; --muted: #5b6675; --accent: #1f4b8a; --line: #d8dee6; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #f7f8fa; }
header, main, footer { max-width: 48rem; margin: 0 auto; padding: 1rem; }
header nav { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
header nav .brand { font-weight: 700; margin-right: auto; }
a { color: var(--accent); }
a[aria-current="page"] { font-weight: 700; }
form.inline { display: inline; }
label { display: block; margin-top: .75rem; font-weight: 600; }
input { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
button { font: inherit; padding: .4rem .9rem; margin-top: .75rem; cursor: pointer; }
.people { list-style: none; padding: 0; }
.people li { display: flex; gap: .75rem; align-items: center; padding: .4rem 0;
             border-bottom: 1px solid var(--line); }
.avatar { border-radius: 50%; background: var(--line); }
.muted, .handle { color: var(--muted); }
.error { color: #9b1c1c; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
nav.pages { display: flex; gap: 1rem; margin-top: 1rem; }
footer { color: var(--muted); font-size: .875rem; }
"""

APP_JS = """\
// Marks the current section in the navigation.
document.documentElement.classList.add("js");
for (const link of document.querySelectorAll("header nav a")) {
  if (link.pathname === window.location.pathname) {
    link.setAttribute("aria-current", "page");
  }
}
"""


def member_password(directory: Directory, username: str) -> str:
    """The password of a directory member: demo only, derived from the directory's seed so that
    the traffic simulator can log members in."""
    key = f"scrapeguard-demo/{directory.seed}".encode()
    return hmac.new(key, username.encode(), hashlib.sha256).hexdigest()[:16]


def create_app(
    directory: Directory,
    inline: Inline | None = None,
    clock: Callable[[], float] = time.time,
) -> ASGIApp:
    """The demo site for `directory`, behind scrapeguard when `inline` is given. `clock` stamps
    new accounts with their creation time."""
    site = _Site(directory, clock)
    app = Starlette(
        routes=site.routes(),
        exception_handlers={404: site.not_found_handler, 405: site.not_allowed_handler},
    )
    app.state.site = site
    if inline is None:
        return app
    return ScrapeguardMiddleware(app, inline=inline)


@dataclass(frozen=True, slots=True)
class Account:
    """A login: a directory member, or an account created by sign-up."""

    username: str
    created: float
    email: str = ""
    salt: bytes = b""
    digest: bytes = b""


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=8, p=1)


class _Site:
    """The site's accounts, sessions and views."""

    def __init__(self, directory: Directory, clock: Callable[[], float]) -> None:
        self.directory = directory
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.sessions: dict[str, Account] = {}
        self.emails: set[str] = {p.email for p in directory.people}
        self.pages = max(1, math.ceil(len(directory.people) / DIRECTORY_PAGE))
        self.avatars = [_avatar_svg(n) for n in range(AVATARS)]

    def routes(self) -> list[Route]:
        """The site's routes (the traffic simulator and site.yaml depend on these paths)."""
        return [
            Route("/", self.home),
            Route("/u/{username}", self.profile),
            Route("/u/{username}/followers", self.followers),
            Route("/api/v1/users/{username}", self.api_user),
            Route("/directory", self.directory_page),
            Route("/search", self.search),
            Route("/find", self.find),
            Route("/signup", self.signup_form, methods=["GET"]),
            Route("/signup", self.signup, methods=["POST"]),
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/robots.txt", self.robots),
            Route("/favicon.ico", self.favicon),
            Route("/static/app.css", self.css),
            Route("/static/app.js", self.js),
            Route("/static/avatars/{n:int}.svg", self.avatar),
            Route("/internal/export/{rest:path}", self.trap),
        ]

    # -- accounts -------------------------------------------------------------------------

    def viewer(self, request: Request) -> Account | None:
        """The logged-in account of `request`, reported to scrapeguard."""
        token = request.cookies.get(SESSION_COOKIE)
        account = self.sessions.get(token) if token else None
        if account is not None:
            protection(request).identify(account.username, account.created)
        return account

    def register(self, username: str, email: str, password: str) -> Account:
        salt = secrets.token_bytes(16)
        account = Account(username, self.clock(), email, salt, _hash(password, salt))
        self.accounts[username] = account
        self.emails.add(email)
        return account

    def authenticate(self, username: str, password: str) -> Account | None:
        account = self.accounts.get(username)
        if account is not None:
            digest = _hash(password, account.salt)
            return account if hmac.compare_digest(digest, account.digest) else None
        person = self.directory.by_username.get(username)
        if person is None or person.canary:
            return None
        expected = member_password(self.directory, username)
        if not hmac.compare_digest(password.encode(), expected.encode()):
            return None
        return Account(person.username, person.created, person.email)

    def start_session(self, account: Account, response: Response) -> None:
        token = secrets.token_urlsafe(32)
        self.sessions[token] = account
        if len(self.sessions) > MAX_SESSIONS:
            del self.sessions[next(iter(self.sessions))]  # the oldest session ends
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/")

    # -- pages ----------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        viewer = self.viewer(request)
        canary = self.directory.canaries[0] if self.directory.canaries else None
        hidden = 'hidden rel="nofollow" tabindex="-1" aria-hidden="true"'
        traps = f'<a href="{TRAP_PATH}" {hidden}>Export members</a>'
        if canary is not None:
            traps += f'\n<a href="{_profile_url(canary)}" {hidden}>Featured member</a>'
        welcome = (
            ""
            if viewer
            else f'<p><a href="/signup">Join {SITE_NAME}</a> or <a href="/login">log in</a> '
            "to see your contacts' details.</p>"
        )
        body = f"""<h1>Welcome to {SITE_NAME}</h1>
<p>The people of our town, in one place.</p>
{welcome}
<h2>Browse</h2>
<p><a href="/directory">The member directory</a></p>
{_search_form("")}
{_find_form("")}
{traps}"""
        return _page(viewer, SITE_NAME, body)

    async def profile(self, request: Request) -> Response:
        viewer = self.viewer(request)
        person = self.directory.by_username.get(request.path_params["username"])
        if person is None:
            return self._not_found(viewer)
        p = protection(request)
        record = self._record(p, person, viewer is not None)
        name = html.escape(str(record.get("name", "@" + person.username)))
        facts = [
            (label, _fact(key, record[key]))
            for key, label in (
                ("location", "Location"),
                ("employer", "Works at"),
                ("email", "Email"),
                ("phone", "Phone"),
            )
            if key in record
        ]
        rows = "\n".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
        photo = _img(record.get("photo"), 96)
        bio = f'<p class="bio">{html.escape(str(record["bio"]))}</p>' if "bio" in record else ""
        login = (
            ""
            if viewer
            else f'<p class="muted"><a href="/login?{urlencode({"next": request.url.path})}">'
            "Log in</a> to see contact details.</p>"
        )
        body = f"""<article class="profile">
{photo}
<h1>{name}</h1>
<p class="handle">@{html.escape(person.username)}</p>
{bio}
<dl class="facts">
{rows}
</dl>
{login}
<p><a href="{_profile_url(person)}/followers">Followers</a></p>
</article>"""
        return _page(viewer, str(record.get("name", person.username)), body)

    async def api_user(self, request: Request) -> Response:
        viewer = self.viewer(request)
        person = self.directory.by_username.get(request.path_params["username"])
        if person is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse(self._record(protection(request), person, viewer is not None))

    def _record(self, p: Protection, person: Person, member: bool) -> dict[str, Any]:
        """What this visitor sees of `person`, reported as disclosed."""
        record = p.filter(person.private() if member else person.public(), person.username)
        fields = PROFILE_FIELDS + CONTACT_FIELDS if member else PROFILE_FIELDS
        p.disclose(person.username, [f for f in fields if f in record])
        return record

    async def directory_page(self, request: Request) -> Response:
        viewer = self.viewer(request)
        number = _page_number(request)
        people = self.directory.page(number, DIRECTORY_PAGE)
        items = self._cards(protection(request), people, LIST_FIELDS)
        body = f"""<h1>Member directory</h1>
<p class="muted">Page {number} of {self.pages}</p>
{items or "<p>No more members.</p>"}
{_pager("/directory", {}, number, number < self.pages)}"""
        return _page(viewer, f"Directory, page {number}", body)

    async def followers(self, request: Request) -> Response:
        viewer = self.viewer(request)
        person = self.directory.by_username.get(request.path_params["username"])
        if person is None:
            return self._not_found(viewer)
        number = _page_number(request)
        everyone = self.directory.followers(person)
        start = (number - 1) * FOLLOWERS_PAGE
        shown = everyone[start : start + FOLLOWERS_PAGE]
        items = self._cards(protection(request), shown, LIST_FIELDS)
        handle = html.escape(person.username)
        url = _profile_url(person)
        more = start + FOLLOWERS_PAGE < len(everyone)
        body = f"""<h1>Followers of <a href="{url}">@{handle}</a></h1>
{items or "<p>No followers here.</p>"}
{_pager(url + "/followers", {}, number, more)}"""
        return _page(viewer, f"Followers of @{person.username}", body)

    async def search(self, request: Request) -> Response:
        viewer = self.viewer(request)
        p = protection(request)
        term = request.query_params.get("q", "").strip()
        number = _page_number(request)
        matches = self.directory.search(term) if term else []
        start = (number - 1) * SEARCH_PAGE
        end = start + SEARCH_PAGE
        if p.max_results:
            end = min(end, p.max_results)
        shown = matches[start:end] if start < end else []
        items = self._cards(p, shown, RESULT_FIELDS)
        results = ""
        if term:
            more = end < len(matches) and (not p.max_results or end < p.max_results)
            results = f"""<h2>Results for “{html.escape(term)}”, page {number}</h2>
{items or "<p>Nobody found.</p>"}
{_pager("/search", {"q": term}, number, more)}"""
        body = f"""<h1>Search members</h1>
{_search_form(term)}
{results}"""
        return _page(viewer, f"Search: {term}" if term else "Search", body)

    async def find(self, request: Request) -> Response:
        viewer = self.viewer(request)
        p = protection(request)
        contact = request.query_params.get("q", "").strip()
        intro = "<h1>Find people you know</h1>\n" + _find_form(contact)
        if not contact:
            p.disclose([], RESULT_FIELDS)  # the form alone shows nobody
            return _page(viewer, "Find people you know", intro)
        person = self.directory.lookup(contact)
        if person is None:
            body = f"{intro}\n<p>Nobody on {SITE_NAME} has that email address or phone number.</p>"
            return _page(viewer, "Nobody found", body, status=404)
        body = f"{intro}\n<h2>We found</h2>\n{self._cards(p, [person], RESULT_FIELDS)}"
        return _page(viewer, "Found", body)

    def _cards(self, p: Protection, people: list[Person], fields: tuple[str, ...]) -> str:
        """A list of people showing `fields`, reported as disclosed (an empty list: nobody)."""
        shown = [f for f in fields if f not in p.hidden_fields]
        p.disclose([person.username for person in people], shown)
        if not people:
            return ""
        items = []
        for person in people:
            public = person.public()
            record = p.filter({k: public[k] for k in fields}, person.username)
            name = html.escape(str(record.get("name", "@" + person.username)))
            where = record.get("location")
            extra = f' <span class="muted">{html.escape(str(where))}</span>' if where else ""
            items.append(
                f"<li>{_img(record.get('photo'), 48)}"
                f'<a href="{_profile_url(person)}">{name}</a>{extra}</li>'
            )
        return '<ol class="people">\n' + "\n".join(items) + "\n</ol>"

    # -- accounts: forms ------------------------------------------------------------------

    async def signup_form(self, request: Request) -> Response:
        return _page(self.viewer(request), "Join", _signup_form("", ""))

    async def signup(self, request: Request) -> Response:
        viewer = self.viewer(request)
        form = await _form(request)
        if form is None:
            return PlainTextResponse("Form too large\n", status_code=413)
        username = form.get("username", "").strip().lower()
        email = form.get("email", "").strip().lower()
        password = form.get("password", "")
        error, status = "", 400
        if not USERNAME.fullmatch(username):
            error = "Choose a username of 3 to 30 letters, digits, dots, dashes or underscores."
        elif not EMAIL.fullmatch(email):
            error = "Enter a valid email address."
        elif len(password) < 8:
            error = "Choose a password of at least 8 characters."
        elif username in self.accounts or username in self.directory.by_username:
            error, status = "That username is taken.", 409
        elif email in self.emails:
            error, status = "An account with that email address already exists.", 409
        if error:
            return _page(viewer, "Join", _signup_form(username, email, error), status=status)
        account = self.register(username, email, password)
        protection(request).signup(account.username, account.created)
        response = _redirect("/")
        self.start_session(account, response)
        return response

    async def login_form(self, request: Request) -> Response:
        viewer = self.viewer(request)
        target = _local(request.query_params.get("next", "/"))
        return _page(viewer, "Log in", _login_form("", target))

    async def login(self, request: Request) -> Response:
        viewer = self.viewer(request)
        form = await _form(request)
        if form is None:
            return PlainTextResponse("Form too large\n", status_code=413)
        username = form.get("username", "").strip().lower()
        target = _local(form.get("next", "/"))
        account = self.authenticate(username, form.get("password", ""))
        p = protection(request)
        if account is None:
            p.login(username, ok=False)
            error = "Wrong username or password."
            return _page(viewer, "Log in", _login_form(username, target, error), status=401)
        p.login(account.username, ok=True, created=account.created)
        response = _redirect(target)
        self.start_session(account, response)
        return response

    async def logout(self, request: Request) -> Response:
        self.viewer(request)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            self.sessions.pop(token, None)
        response = _redirect("/")
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    # -- the rest -------------------------------------------------------------------------

    async def robots(self, request: Request) -> Response:
        return PlainTextResponse(ROBOTS_TXT, headers=STATIC_CACHE)

    async def favicon(self, request: Request) -> Response:
        return Response(FAVICON, media_type="image/x-icon", headers=STATIC_CACHE)

    async def css(self, request: Request) -> Response:
        return Response(APP_CSS, media_type="text/css; charset=utf-8", headers=STATIC_CACHE)

    async def js(self, request: Request) -> Response:
        return Response(APP_JS, media_type="text/javascript; charset=utf-8", headers=STATIC_CACHE)

    async def avatar(self, request: Request) -> Response:
        n = request.path_params["n"]
        if not 0 <= n < AVATARS:
            return PlainTextResponse("Not found\n", status_code=404)
        return Response(self.avatars[n], media_type="image/svg+xml", headers=AVATAR_CACHE)

    async def trap(self, request: Request) -> Response:
        """Only a hidden link leads here: whoever follows it is a bot."""
        return self._not_found(self.viewer(request))

    def _not_found(self, viewer: Account | None) -> Response:
        body = '<h1>Page not found</h1>\n<p><a href="/">Back to the home page</a></p>'
        return _page(viewer, "Not found", body, status=404)

    async def not_found_handler(self, request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "not_found"}, status_code=404)
        return self._not_found(self.viewer(request))

    async def not_allowed_handler(self, request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Method not allowed\n", status_code=405)


# -- HTML -------------------------------------------------------------------------------------


def _page(viewer: Account | None, title: str, main: str, status: int = 200) -> HTMLResponse:
    if viewer is None:
        account = '<a href="/login">Log in</a> <a href="/signup">Join</a>'
    else:
        account = (
            f'<span class="muted">@{html.escape(viewer.username)}</span> '
            '<form class="inline" method="post" action="/logout">'
            '<button type="submit">Log out</button></form>'
        )
    text = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · {SITE_NAME}</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="icon" href="/favicon.ico">
<script src="/static/app.js" defer></script>
</head>
<body>
<header>
<nav aria-label="Main">
<a class="brand" href="/">{SITE_NAME}</a>
<a href="/directory">Directory</a>
<a href="/search">Search</a>
<a href="/find">Find people you know</a>
{account}
</nav>
</header>
<main id="main">
{main}
</main>
<footer><p>{SITE_NAME} is a demo: nobody here is real.</p></footer>
</body>
</html>
"""
    return HTMLResponse(text, status_code=status, headers=HTML_HEADERS)


def _search_form(term: str) -> str:
    return f"""<form method="get" action="/search" role="search">
<label for="q">Search members by name</label>
<input type="search" id="q" name="q" value="{html.escape(term)}">
<button type="submit">Search</button>
</form>"""


def _find_form(contact: str) -> str:
    return f"""<form method="get" action="/find">
<label for="contact">Find people you know by email address or phone number</label>
<input type="text" id="contact" name="q" value="{html.escape(contact)}" autocomplete="off">
<button type="submit">Find</button>
</form>"""


def _signup_form(username: str, email: str, error: str = "") -> str:
    return f"""<h1>Join {SITE_NAME}</h1>
{_error(error)}<form method="post" action="/signup">
<label for="username">Username</label>
<input id="username" name="username" value="{html.escape(username)}" required
 autocomplete="username" pattern="[a-z0-9][a-z0-9._\\-]{{2,29}}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" value="{html.escape(email)}" required
 autocomplete="email">
<label for="password">Password</label>
<input id="password" name="password" type="password" required minlength="8"
 autocomplete="new-password">
<button type="submit">Join</button>
</form>
<p>Already a member? <a href="/login">Log in</a>.</p>"""


def _login_form(username: str, target: str, error: str = "") -> str:
    return f"""<h1>Log in</h1>
{_error(error)}<form method="post" action="/login">
<input type="hidden" name="next" value="{html.escape(target)}">
<label for="username">Username</label>
<input id="username" name="username" value="{html.escape(username)}" required
 autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" required
 autocomplete="current-password">
<button type="submit">Log in</button>
</form>
<p>New here? <a href="/signup">Join</a>.</p>"""


def _error(message: str) -> str:
    return f'<p class="error" role="alert">{html.escape(message)}</p>\n' if message else ""


def _pager(path: str, query: Mapping[str, str], number: int, more: bool) -> str:
    links = []
    if number > 1:
        prev = urlencode({**query, "page": number - 1})
        links.append(f'<a href="{html.escape(path)}?{html.escape(prev)}" rel="prev">Previous</a>')
    if more:
        following = urlencode({**query, "page": number + 1})
        links.append(f'<a href="{html.escape(path)}?{html.escape(following)}" rel="next">Next</a>')
    if not links:
        return ""
    return '<nav class="pages" aria-label="Pages">' + " ".join(links) + "</nav>"


def _img(src: object, size: int) -> str:
    if not src:
        return ""
    return (
        f'<img class="avatar" src="{html.escape(str(src))}" alt="" width="{size}" height="{size}">'
    )


def _fact(key: str, value: object) -> str:
    text = html.escape(str(value))
    if key == "email":
        return f'<a href="mailto:{text}">{text}</a>'
    if key == "phone":
        return f'<a href="tel:{text}">{text}</a>'
    return text


def _profile_url(person: Person) -> str:
    return "/u/" + quote(person.username, safe="")


def _redirect(url: str) -> Response:
    return Response(status_code=303, headers={"location": url})


def _local(target: str) -> str:
    """`target` if it is a path on this site, else the home page (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _page_number(request: Request) -> int:
    text = request.query_params.get("page", "1")
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= 1_000_000 else 1


async def _form(request: Request) -> dict[str, str] | None:
    """The fields of an urlencoded form body (the first value of each), None past MAX_FORM."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return None
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


# -- generated assets -------------------------------------------------------------------------


def _avatar_svg(n: int) -> bytes:
    hue = n * 360 // AVATARS
    back, front = f"hsl({hue},55%,86%)", f"hsl({hue},45%,38%)"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" fill="{back}"/>'
        f'<circle cx="32" cy="25" r="12" fill="{front}"/>'
        f'<path d="M10 64c0-13 10-22 22-22s22 9 22 22z" fill="{front}"/>'
        "</svg>"
    ).encode()


def _favicon(size: int = 16) -> bytes:
    """A 16x16 icon (a blue disc): one 32-bit BMP image in an ICO container."""
    disc, clear = bytes((0x8A, 0x4B, 0x1F, 0xFF)), bytes(4)  # BGRA
    centre, radius2 = (size - 1) / 2, (size / 2) ** 2
    pixels = b"".join(
        disc if (x - centre) ** 2 + (y - centre) ** 2 <= radius2 else clear
        for y in range(size)
        for x in range(size)
    )
    mask = bytes(size * 4)  # one bit a pixel, rows padded to 4 bytes: the alpha channel rules
    header = struct.pack(
        "<IiiHHIIiiII", 40, size, 2 * size, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0
    )
    image = header + pixels + mask
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 6 + 16)
    return struct.pack("<HHH", 0, 1, 1) + entry + image


FAVICON = _favicon()
