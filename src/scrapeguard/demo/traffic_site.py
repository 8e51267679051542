"""What the demo site answers: status, body size and the people a page shows.

The simulator's log mode asks this oracle instead of running the site. It answers from the
`Directory` alone, so the same request always gets the same answer: profiles and the profile API
200 for an existing username (canaries exist) else 404; directory, followers and search pages
200 (empty pages too); the contact lookup 200 when `Directory.lookup` finds the contact else 404;
sign-up 303 (409 for a taken username), login 303 or 401; static files and robots.txt 200;
the hidden export trap and anything unknown 404.
"""

from __future__ import annotations

import bisect
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, quote_plus, unquote

from .people import Directory, Person

SITE_ORIGIN = "https://friends.example"
"""Scheme and host of the demo site, as browsers send it in `Referer`."""

DIRECTORY_PAGE = 50
FOLLOWERS_PAGE = 50
SEARCH_PAGE = 20
ROBOTS_TXT = (
    "# Neighbourly: please do not harvest our members' profiles.\nUser-agent: *\n"
    "Crawl-delay: 10\nDisallow: /search\nDisallow: /find\nDisallow: /api/\nDisallow: /internal/\n"
)
ROBOTS_DISALLOW = ("/search", "/find", "/api/", "/internal/")
EXPORT_TRAP = "/internal/export/members.csv"
STYLESHEET = "/static/app.css"
SCRIPT = "/static/app.js"
FAVICON = "/favicon.ico"

#: Body sizes, measured on the demo site (site.py); pages grow with what they show, and a
#: member's pages carry their username and a logout button in the header.
_NOT_FOUND_HTML = 747
_NOT_FOUND_JSON = len('{"error":"not_found"}')
_MEMBER_CHROME = 72
_STATIC = {STYLESHEET: 1_349, SCRIPT: 263, FAVICON: 1_150, "/robots.txt": len(ROBOTS_TXT)}


def profile_path(person: Person) -> str:
    """`/u/{username}`."""
    return "/u/" + quote(person.username, safe=".-_~")


def api_path(person: Person) -> str:
    """`/api/v1/users/{username}`."""
    return "/api/v1/users/" + quote(person.username, safe=".-_~")


def page_query(page: int, **params: str) -> str:
    """A query string with `params` and `page` (left out for page 1)."""
    parts = [f"{k}={quote_plus(v)}" for k, v in params.items()]
    if page > 1:
        parts.append(f"page={page}")
    return "&".join(parts)


def robots_allowed(path: str) -> bool:
    """True when the site's robots.txt allows `path` to every crawler."""
    return not any(path.startswith(prefix) for prefix in ROBOTS_DISALLOW)


def url(path: str, query: str = "") -> str:
    """The absolute URL of a page of the site (what a browser sends as referer)."""
    return SITE_ORIGIN + path + ("?" + query if query else "")


@dataclass(frozen=True, slots=True)
class Response:
    """The site's answer: status, body bytes, the people the page shows, whether a next
    page exists, and whether it is a page of people (directory, search, followers, a lookup's
    answer), whose members only the site can name."""

    status: int
    bytes: int
    people: tuple[Person, ...] = ()
    more: bool = False
    listing: bool = False


class Site:
    """The demo site's answers for one `Directory`."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.pages = max(1, -(-directory.size // DIRECTORY_PAGE))
        keys: list[tuple[str, int]] = []
        for index, person in enumerate(directory.people):
            seen = set()
            for key in (person.username, *person.name.lower().split()):
                if key not in seen:
                    seen.add(key)
                    keys.append((key, index))
        keys.sort()
        self._keys = [k for k, _ in keys]
        self._index = [i for _, i in keys]
        self._search: dict[str, tuple[Person, ...]] = {}
        self._followers: dict[int, tuple[Person, ...]] = {}

    def search(self, term: str) -> tuple[Person, ...]:
        """Everyone `Directory.search(term)` finds, in directory order (cached)."""
        term = term.strip().lower()
        found = self._search.get(term)
        if found is None:
            if not term:
                found = ()
            else:
                lo = bisect.bisect_left(self._keys, term)
                hits: set[int] = set()
                keys = self._keys
                while lo < len(keys) and keys[lo].startswith(term):
                    hits.add(self._index[lo])
                    lo += 1
                people = self.directory.people
                found = tuple(people[i] for i in sorted(hits))
            if len(self._search) > 100_000:
                self._search.clear()
            self._search[term] = found
        return found

    def followers(self, person: Person) -> tuple[Person, ...]:
        """Who follows `person` (cached)."""
        found = self._followers.get(person.id)
        if found is None:
            found = self._followers[person.id] = tuple(self.directory.followers(person))
        return found

    def respond(
        self,
        method: str,
        path: str,
        query: str = "",
        *,
        viewer: str | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        """What the site answers to `method path?query` for `viewer` (the logged-in account,
        if any); `form` holds a POST's fields (`username`; `ok` "1" for a right password)."""
        chrome = 0 if viewer is None else _MEMBER_CHROME + len(viewer)
        if path.startswith("/u/"):
            return self._user(path[3:], query, viewer, chrome)
        if path.startswith("/api/v1/users/"):
            person = self.directory.by_username.get(unquote(path[14:]))
            if person is None:
                return Response(404, _NOT_FOUND_JSON)
            record = person.private() if viewer is not None else person.public()
            text = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
            return Response(200, len(text.encode()), (person,))
        if path.startswith("/static/"):
            return self._static(path)
        if path == "/":
            return Response(200, 1_574 + (chrome - 107 if viewer is not None else 0))
        if path == "/directory":
            page = _page(query)
            shown = tuple(self.directory.page(page, DIRECTORY_PAGE))
            more = page < self.pages
            size = 771 + chrome + _cards(shown) + _pager(page, more)
            return Response(200, size, shown, more, listing=True)
        if path == "/search":
            term = parse_qs(query).get("q", [""])[0].strip()
            found = self.search(term)
            page = _page(query)
            start = (page - 1) * SEARCH_PAGE
            shown = found[start : start + SEARCH_PAGE]
            more = start + SEARCH_PAGE < len(found)
            size = 956 + chrome + 2 * len(term) + _cards(shown, 28) + _pager(page, more)
            return Response(200, size, shown, more, listing=True)
        if path == "/find":
            contact = parse_qs(query).get("q", [""])[0].strip()
            if not contact:
                return Response(200, 951 + chrome, listing=True)  # the form alone: nobody
            hit = self.directory.lookup(contact)
            if hit is None:
                return Response(404, 1_012 + chrome + len(contact))
            size = 980 + chrome + len(contact) + _cards((hit,), 28)
            return Response(200, size, (hit,), listing=True)
        if path == "/signup":
            if method != "POST":
                return Response(200, 1_263 + chrome)
            username = (form or {}).get("username", "")
            if not username or username in self.directory.by_username:
                return Response(409, 1_341 + chrome + len(username))
            return Response(303, 0)
        if path == "/login":
            if method != "POST":
                return Response(200, 1_118 + chrome)
            if (form or {}).get("ok") == "1":
                return Response(303, 0)
            return Response(401, 1_180 + chrome + len((form or {}).get("username", "")))
        if path in _STATIC:
            return Response(200, _STATIC[path])
        return Response(404, _NOT_FOUND_HTML + chrome)

    def _user(self, rest: str, query: str, viewer: str | None, chrome: int) -> Response:
        name, _, sub = rest.partition("/")
        person = self.directory.by_username.get(unquote(name))
        if person is None or sub not in ("", "followers"):
            return Response(404, _NOT_FOUND_HTML + chrome)
        handle = len(quote(person.username, safe=""))
        if sub == "followers":
            everyone = self.followers(person)
            page = _page(query)
            start = (page - 1) * FOLLOWERS_PAGE
            shown = everyone[start : start + FOLLOWERS_PAGE]
            more = start + FOLLOWERS_PAGE < len(everyone)
            size = 764 + chrome + 2 * handle + _cards(shown) + _pager(page, more)
            return Response(200, size, shown, more, listing=True)
        size = 1_048 + chrome + 3 * handle + len(str(person.id % 64)) + 2 * _html(person.name)
        size += _html(person.bio) + _html(person.location) + _html(person.employer)
        if viewer is not None:  # the contact details, without the invitation to log in
            size += 2 * (len(person.email) + len(person.phone)) - 9
        return Response(200, size, (person,))

    @staticmethod
    def _static(path: str) -> Response:
        known = _STATIC.get(path)
        if known is not None:
            return Response(200, known)
        if path.startswith("/static/avatars/") and path.endswith(".svg"):
            number = path[16:-4]
            if number.isdigit() and int(number) < 64:
                return Response(200, 262 + 2 * len(str(int(number) * 360 // 64)))
        return Response(404, _NOT_FOUND_HTML)


def _page(query: str) -> int:
    raw = parse_qs(query).get("page", ["1"])[0]
    return max(1, int(raw)) if raw.isdigit() else 1


def _html(text: str) -> int:
    return len(html.escape(text))


def _cards(people: Sequence[Person], extra: int = 0) -> int:
    """Bytes of a list of people (`extra` per card, plus the location, for search results)."""
    size = 0
    for p in people:
        size += 105 + _html(p.name) + len(quote(p.username, safe="")) + len(str(p.id % 64))
        if extra:
            size += extra + _html(p.location)
    return size


def _pager(page: int, more: bool) -> int:
    """Bytes of the previous/next links under a list."""
    if page <= 1 and not more:
        return 0
    return 44 + (52 if page > 1 else 0) + (48 if more else 0)
