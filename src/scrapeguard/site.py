"""The site model: which routes disclose whose personal data, and what the other routes are.

A site model is read from the `site:` and `network:` sections of a YAML file (see
docs/site-model.md). Without a file, `SiteModel.default()` recognises common profile, search,
login, sign-up and static routes, so that `scrapeguard analyze` works on any log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote

from .config import Document, Errors, load_file
from .events import Disclosure, RequestEvent, by_fields

SENSITIVITIES = ("low", "normal", "high")


class Kind:
    """What a route is, from scrapeguard's point of view."""

    PERSON: Final = "person"  # discloses one person's data (a profile page or API object)
    LIST: Final = "list"  # discloses a page of people (directory, followers, API listing)
    SEARCH: Final = "search"  # people search: discloses a page of people matching a term
    LOOKUP: Final = "lookup"  # contact-point lookup: find a person by email or phone number
    SIGNUP: Final = "signup"
    LOGIN: Final = "login"
    STATIC: Final = "static"
    TRAP: Final = "trap"
    ROBOTS: Final = "robots"
    OTHER: Final = "other"
    ALL: Final = (PERSON, LIST, SEARCH, LOOKUP, SIGNUP, LOGIN, STATIC, TRAP, ROBOTS, OTHER)


#: Routes whose answer discloses people: one person's page, or a page of people.
PEOPLE_KINDS: Final = frozenset({Kind.PERSON, Kind.LIST, Kind.SEARCH, Kind.LOOKUP})
#: Routes that show people a client may then open: every route of people but a person's own.
LISTING_KINDS: Final = frozenset({Kind.LIST, Kind.SEARCH, Kind.LOOKUP})


@dataclass(slots=True)
class Access:
    """What one request touched, as the site model understands it."""

    kind: str
    route: str = ""
    disclosures: tuple[Disclosure, ...] = ()
    people: int = 0
    subject_number: int | None = None
    term: str | None = None
    page: int = 0
    size: int = 0
    weight: float = 1.0
    sensitive: bool = False
    disallowed: bool = False
    miss: bool = False
    attempt: bool = False

    def __init__(
        self,
        kind: str,
        route: str = "",
        disclosures: tuple[Disclosure, ...] = (),
        people: int = 0,
        subject_number: int | None = None,
        term: str | None = None,
        page: int = 0,
        size: int = 0,
        weight: float = 1.0,
        sensitive: bool = False,
        disallowed: bool = False,
        miss: bool = False,
        attempt: bool = False,
    ) -> None:
        # Written out: mypyc compiles this one, not the one @dataclass would generate.
        self.kind = kind
        self.route = route
        self.disclosures = disclosures
        self.people = people
        self.subject_number = subject_number
        self.term = term
        self.page = page
        self.size = size
        self.weight = weight
        self.sensitive = sensitive
        self.disallowed = disallowed
        self.miss = miss
        self.attempt = attempt

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return by_fields(self)


STATIC_ACCESS: Final = Access(Kind.STATIC)
OTHER_ACCESS: Final = Access(Kind.OTHER)
#: `SiteModel._route_of` for a path of no declared route: a page asset, robots.txt, other.
STATIC_ROUTE: Final = -1
ROBOTS_ROUTE: Final = -2
NO_ROUTE: Final = -3
#: Paths whose route `SiteModel` remembers (then it starts again): a few megabytes.
PATHS_REMEMBERED: Final = 32_768


def looked_up(access: Access, status: int) -> bool:
    """Whether a lookup request of `status` was answered: someone found, or nobody
    (`miss_status`). One refused (401, 403, 429) or failed (5xx) looked nobody up."""
    return access.miss or 200 <= status < 400


@dataclass(frozen=True, slots=True)
class Route:
    """One route of the site model."""

    kind: str
    pattern: str
    subject: str | None = None
    fields: tuple[str, ...] = ()
    sensitivity: str = "normal"
    page_size: int = 0
    page_param: str = "page"
    param: str = "q"
    methods: tuple[str, ...] = ()
    miss_status: tuple[int, ...] = (404, 204)
    counts_as: float = 1.0


#: How much one person listed on a list or search page counts toward quotas, next to a profile
#: view: a line of a listing (a name and a photo) is a lighter disclosure than a profile, and
#: people browse listings. Harm (distinct people disclosed) always counts everyone.
LIST_COUNTS_AS = 0.2


@dataclass
class SiteModel:
    """Routes of a site and the network facts scrapeguard needs about it."""

    routes: list[Route]
    robots_disallow: list[str] = field(default_factory=list)
    trusted_proxies: list[str] = field(default_factory=list)
    shared_ranges: list[str] = field(default_factory=list)
    directory_size: int = 0
    static_extensions: tuple[str, ...] = (
        ".css",
        ".js",
        ".mjs",
        ".map",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".ico",
        ".webp",
        ".avif",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".mp4",
        ".webm",
        ".mp3",
    )

    def __post_init__(self) -> None:
        self._matcher = _compile(self.routes)
        self._static_suffixes = frozenset(self.static_extensions)
        self._subject_groups = [f"g{i}_{r.subject}" for i, r in enumerate(self.routes)]
        self._disallow = _compile_globs(self.robots_disallow)
        self._paths: dict[str, tuple[int, str, bool]] = {}  # see `_route_of`

    @classmethod
    def default(cls) -> SiteModel:
        """A model of common conventions, used when no site file is given."""
        person = [
            "/u/{id}",
            "/user/{id}",
            "/users/{id}",
            "/profile/{id}",
            "/profiles/{id}",
            "/people/{id}",
            "/members/{id}",
            "/member/{id}",
            "/in/{id}",
            "/@{id}",
            "/api/users/{id}",
            "/api/v1/users/{id}",
            "/api/v2/users/{id}",
        ]
        routes = [Route(Kind.STATIC, p) for p in ("/static/*", "/assets/*", "/favicon.ico")]
        routes += [Route(Kind.PERSON, p, subject="id", fields=("profile",)) for p in person]
        routes += [
            Route(
                Kind.SEARCH, "/search", page_size=20, fields=("profile",), counts_as=LIST_COUNTS_AS
            ),
            Route(Kind.LOOKUP, "/find", fields=("profile",)),
            Route(Kind.SIGNUP, "/signup"),
            Route(Kind.SIGNUP, "/register"),
            Route(Kind.LOGIN, "/login"),
            Route(Kind.LOGIN, "/signin"),
        ]
        return cls(routes)

    def classify(self, event: RequestEvent) -> Access:
        """Say what `event` touched and which people's data its response disclosed.

        When the event itself says what was disclosed (inline integrations do), that wins
        over what the route implies.
        """
        path = event.path
        known = self._paths.get(path)
        if known is None:
            known = self._route_of(path)
        index, subject, disallowed = known
        if index < 0:
            if index == STATIC_ROUTE:
                return STATIC_ACCESS
            if index == ROBOTS_ROUTE:
                return Access(Kind.ROBOTS)
            return Access(Kind.OTHER, disallowed=True) if disallowed else OTHER_ACCESS
        route = self.routes[index]
        kind = route.kind
        access = Access(kind, route.pattern, sensitive=route.sensitivity == "high")
        access.disallowed = disallowed
        if kind == Kind.SIGNUP or kind == Kind.LOGIN:
            access.attempt = event.method in (route.methods or ("POST",))
            return access
        if kind == Kind.TRAP:
            return access
        ok = 200 <= event.status < 400
        if kind == Kind.PERSON:
            if len(subject) < 19 and subject.isascii() and subject.isdigit():  # not ² or ٣
                access.subject_number = int(subject)
            if ok:
                access.disclosures = (Disclosure(subject, route.fields, 1, route.sensitivity),)
                access.people = 1
        elif kind == Kind.LOOKUP:
            access.term = _param(event.query, route.param)
            access.miss = event.status in route.miss_status
            if ok and not access.miss:
                key = "lookup:" + (access.term or path)
                access.disclosures = (Disclosure(key, route.fields, 1, route.sensitivity),)
                access.people = 1
        else:  # LIST or SEARCH
            page_text = _param(event.query, route.page_param) or ""
            numeric = page_text.isascii() and page_text.isdigit()  # not ² or ٣
            access.page = int(page_text) if numeric else 1
            access.size = route.page_size
            access.weight = route.counts_as
            if kind == Kind.SEARCH:
                access.term = (_param(event.query, route.param) or "").lower()
            if ok and route.page_size:
                key = f"{path}?{access.term or ''}#{access.page}"
                disclosure = Disclosure(key, route.fields, route.page_size, route.sensitivity)
                access.disclosures = (disclosure,)
                access.people = route.page_size
        if event.disclosed is not None:
            access.disclosures = event.disclosed
            access.people = sum(d.people for d in event.disclosed)
        return access

    def _route_of(self, path: str) -> tuple[int, str, bool]:
        """What the path alone says: (the index of its route, or `STATIC_ROUTE`,
        `ROBOTS_ROUTE` or `NO_ROUTE`; the person it names, for a person route; whether
        robots.txt disallows it). Remembered for the next request for the same path (most
        ask for paths asked before), up to `PATHS_REMEMBERED` paths."""
        disallowed = self._disallow is not None and self._disallow.match(path) is not None
        dot = path.rfind(".")
        if dot > path.rfind("/") and path[dot:] in self._static_suffixes:
            found = (STATIC_ROUTE, "", disallowed)
        else:
            m = self._matcher.match(path)
            if m is None:
                found = (ROBOTS_ROUTE if path == "/robots.txt" else NO_ROUTE, "", disallowed)
            else:
                index = int(m.lastgroup[1:])  # type: ignore[index]
                route = self.routes[index]
                subject = ""
                if route.kind == Kind.STATIC:
                    index = STATIC_ROUTE
                elif route.kind == Kind.PERSON:
                    subject = _unquote(m.group(self._subject_groups[index]) or path)
                found = (index, subject, disallowed)
        paths = self._paths
        if len(paths) >= PATHS_REMEMBERED:
            paths.clear()
        paths[path] = found
        return found


#: Each two-digit hex escape's byte, as `urllib.parse.unquote` reads them (either case).
_HEX_BYTE: Final = {
    f"{a}{b}": int(a + b, 16) for a in "0123456789abcdefABCDEF" for b in "0123456789abcdefABCDEF"
}


def _unquote(text: str) -> str:
    """`urllib.parse.unquote(text)`, compiled for the common case: ASCII text (search terms,
    emails and phone numbers looked up)."""
    if "%" not in text:
        return text
    if not text.isascii():
        return unquote(text)
    parts = text.split("%")
    raw = bytearray(parts[0].encode())
    for part in parts[1:]:
        byte = _HEX_BYTE.get(part[:2])
        if byte is None:  # not an escape: kept as written
            raw += b"%"
            raw += part.encode()
        else:
            raw.append(byte)
            raw += part[2:].encode()
    return raw.decode("utf-8", "replace")


def _param(query: str, name: str) -> str | None:
    if not query:
        return None
    prefix = name + "="
    for part in query.split("&"):
        if part.startswith(prefix):
            value = part[len(prefix) :].replace("+", " ")
            return _unquote(value)
    return None


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}|\*")


def _pattern_regex(pattern: str, group_prefix: str | None) -> str:
    """The regex of a route pattern; its placeholders are named groups `<prefix><name>`, or
    match without a group when `group_prefix` is None."""
    out, pos = [], 0
    for m in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[pos : m.start()]))
        if m.group(0) == "*":
            out.append(".*")
        elif group_prefix is None:
            out.append("[^/]+")
        else:
            out.append(f"(?P<{group_prefix}{m.group(1)}>[^/]+)")
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return "".join(out)


def _compile(routes: list[Route]) -> re.Pattern[str]:
    # One alternation in which route N is the outer group `rN`, so `lastgroup` names the route;
    # its placeholders are groups `gN_<name>`.
    parts = [f"(?P<r{i}>{_pattern_regex(r.pattern, f'g{i}_')}/?$)" for i, r in enumerate(routes)]
    return re.compile("|".join(parts) if parts else r"(?!)")


def _compile_globs(globs: list[str]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{_pattern_regex(g, None)})" for g in globs))


# Loading and validation -------------------------------------------------------------------

#: The sections a scrapeguard configuration file may have.
TOP_LEVEL_KEYS = {"site", "network", "policy", "enforce", "state", "store", "retention"}

_LIST_KINDS = {
    "search": Kind.SEARCH,
    "lookup": Kind.LOOKUP,
    "signup": Kind.SIGNUP,
    "login": Kind.LOGIN,
    "static": Kind.STATIC,
    "traps": Kind.TRAP,
}
_SITE_KEYS = {"name", "directory_size", "personal_data", "robots_disallow", *_LIST_KINDS}
_ROUTE_KEYS = {
    "route",
    "subject",
    "fields",
    "sensitivity",
    "list",
    "page_size",
    "page_param",
    "param",
    "methods",
    "miss_status",
    "counts_as",
}


def load_site(path: str) -> SiteModel:
    """Read a site model file; every problem is reported at once as a `ConfigError`."""
    return site_from_document(load_file(path))


def site_from_document(doc: Document) -> SiteModel:
    """Build a `SiteModel` from the `site:` and `network:` sections of a parsed document."""
    errors = Errors(doc)
    top = errors.mapping(doc.data, ())
    errors.unknown_keys(top, (), TOP_LEVEL_KEYS)
    site = errors.mapping(top.get("site"), ("site",))
    errors.unknown_keys(site, ("site",), _SITE_KEYS)
    routes: list[Route] = []
    # Traps first: a canary profile would otherwise match the ordinary profile route.
    order = ["traps", "static", "personal_data", "search", "lookup", "signup", "login"]
    for section in order:
        path = ("site", section)
        for i, item in enumerate(errors.sequence(site.get(section), path)):
            route = _route(errors, item, (*path, i), _LIST_KINDS.get(section))
            if route is not None:
                routes.append(route)
    disallow = []
    where = ("site", "robots_disallow")
    for i, v in enumerate(errors.sequence(site.get("robots_disallow"), where)):
        glob = errors.string(v, (*where, i))
        if glob and not glob.startswith("/"):
            errors.add((*where, i), f"must start with '/', got {glob!r}")
        disallow.append(glob)
    network = errors.mapping(top.get("network"), ("network",))
    errors.unknown_keys(network, ("network",), {"trusted_proxies", "shared_ranges"})
    proxies = _cidrs(
        errors, network.get("trusted_proxies"), ("network", "trusted_proxies"), also=UNIX_PEER
    )
    shared = _cidrs(errors, network.get("shared_ranges"), ("network", "shared_ranges"))
    size = int(errors.number(site.get("directory_size"), ("site", "directory_size"), 0))
    errors.raise_if_any()
    if not site.get("static"):
        routes.insert(0, Route(Kind.STATIC, "/static/*"))
    return SiteModel(routes, [d for d in disallow if d], proxies, shared, size)


def _route(
    errors: Errors, item: Any, path: tuple[str | int, ...], kind: str | None
) -> Route | None:
    if isinstance(item, str):
        item = {"route": item}
    spec = errors.mapping(item, path)
    if not spec:
        return None
    errors.unknown_keys(spec, path, _ROUTE_KEYS)
    pattern = errors.string(spec.get("route"), (*path, "route"))
    if not pattern.startswith("/"):
        errors.add((*path, "route"), f"must start with '/', got {pattern!r}")
        return None
    placeholders = [m.group(1) for m in _PLACEHOLDER.finditer(pattern) if m.group(1)]
    repeated = sorted({p for p in placeholders if placeholders.count(p) > 1})
    if repeated:
        errors.add((*path, "route"), f"placeholder {{{repeated[0]}}} appears more than once")
        return None
    fields = tuple(str(f) for f in errors.sequence(spec.get("fields"), (*path, "fields")))
    sensitivity = errors.choice(
        spec.get("sensitivity"), (*path, "sensitivity"), SENSITIVITIES, "normal"
    )
    page_size, page_param, counts_as = 0, "page", 1.0
    listing = spec.get("list")
    if kind is None:  # personal_data: a person route or a list route
        if listing:
            kind = Kind.LIST
            listing = (
                {"page_size": 20} if listing is True else errors.mapping(listing, (*path, "list"))
            )
            page_size = int(
                errors.number(listing.get("page_size"), (*path, "list", "page_size"), 20, 1)
            )
            page_param = errors.string(
                listing.get("page_param"), (*path, "list", "page_param"), "page"
            )
            errors.unknown_keys(listing, (*path, "list"), {"page_size", "page_param", "counts_as"})
            counts_as = _counts_as(errors, listing.get("counts_as"), (*path, "list", "counts_as"))
        else:
            kind = Kind.PERSON
            subject = spec.get("subject") or (placeholders[0] if len(placeholders) == 1 else None)
            if subject not in placeholders:
                errors.add(
                    (*path, "subject"),
                    "must name a {placeholder} of the route "
                    f"(route has: {', '.join(placeholders) or 'none'})",
                )
            return Route(
                kind, pattern, subject=str(subject), fields=fields, sensitivity=sensitivity
            )
    if kind == Kind.SEARCH:
        page_size = int(errors.number(spec.get("page_size"), (*path, "page_size"), 20, 0))
        page_param = errors.string(spec.get("page_param"), (*path, "page_param"), "page")
        counts_as = _counts_as(errors, spec.get("counts_as"), (*path, "counts_as"))
    methods = tuple(
        str(m).upper() for m in errors.sequence(spec.get("methods"), (*path, "methods"))
    )
    miss = tuple(
        int(errors.number(s, (*path, "miss_status", i), 404, 100, 599))
        for i, s in enumerate(errors.sequence(spec.get("miss_status"), (*path, "miss_status")))
    )
    return Route(
        kind,
        pattern,
        fields=fields,
        sensitivity=sensitivity,
        page_size=page_size,
        page_param=page_param,
        param=errors.string(spec.get("param"), (*path, "param"), "q"),
        methods=methods,
        miss_status=miss or (404, 204),
        counts_as=counts_as,
    )


def _counts_as(errors: Errors, value: Any, path: tuple[str | int, ...]) -> float:
    """How much a listed person counts toward quotas (0-1; LIST_COUNTS_AS by default)."""
    return errors.number(value, path, LIST_COUNTS_AS, 0, 1)


#: In `network.trusted_proxies`, a proxy in front of the app on a Unix socket (docs/inline.md).
UNIX_PEER: Final = "unix"


def _cidrs(
    errors: Errors, value: Any, path: tuple[str | int, ...], also: str | None = None
) -> list[str]:
    """Addresses and CIDR ranges, each as its network; `also`, a word allowed among them."""
    import ipaddress

    out = []
    for i, item in enumerate(errors.sequence(value, path)):
        if also is not None and str(item).strip().lower() == also:
            out.append(also)
            continue
        try:
            out.append(str(ipaddress.ip_network(str(item), strict=False)))
        except ValueError:
            hint = f" (or {also})" if also else ""
            errors.add((*path, i), f"not an IP address or CIDR range: {item!r}{hint}")
    return out
