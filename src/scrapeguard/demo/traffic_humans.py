"""People browsing the demo site, and the link-following walk that browsers (and scrapers
posing as browsers) share.

A visit arrives from a search engine, a social link or directly, views a few pages chosen by
the site's links (popular people more often, Zipf-like; searches for real name prefixes; the
directory; followers lists), pauses for log-normal think times, and loads each page's assets
with the page as referer. Each group of `HUMAN_GROUPS` has its own habits: see `add_humans`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .classes import HUMAN
from .people import Person
from .traffic_agents import Agent, accept_language, browser
from .traffic_site import Response, page_query, profile_path, url
from .traffic_world import (
    ASSETS_LIGHT,
    ASSETS_NONE,
    HOUR,
    Client,
    World,
    session_id,
    think,
)

SEARCH_REFERERS = (
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.google.co.uk/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
)
SOCIAL_REFERERS = (
    "https://t.co/",
    "https://l.facebook.com/",
    "https://www.linkedin.com/",
    "https://l.instagram.com/",
)
#: Time zones of the site's visitors (hours from UTC in September).
_ZONES = ((1.0, 80), (2.0, 10), (-4.0, 5), (5.5, 3), (0.0, 2))


@dataclass(frozen=True, slots=True)
class Page:
    """A page a client has open: where it is and what it shows."""

    kind: str
    path: str
    query: str
    response: Response
    number: int = 1
    term: str = ""
    person: Person | None = None

    @property
    def url(self) -> str:
        """The page's URL (the referer of what is opened from it)."""
        return url(self.path, self.query)


@dataclass(slots=True)
class Style:
    """How someone moves through the site."""

    think_median: float  # seconds between pages
    think_sigma: float
    back: float = 0.35  # after a profile, chance of going back to the list it came from
    in_order: bool = False  # follows a list's links in document order
    search: float = 0.35  # when choosing freely: a search...
    directory: float = 0.2  # ...or the directory
    profile_dwell: tuple[float, float] | None = None  # seconds on a profile (low, high)


@dataclass(slots=True)
class Walk:
    """A visit's walk through the site's links, page by page."""

    world: World
    client: Client
    rng: random.Random
    style: Style
    hub: Page | None = None
    seen: set[int] = field(default_factory=set)
    clicked: dict[str, int] = field(default_factory=dict)
    profiles: int = 0

    def open(
        self,
        t: float,
        kind: str,
        path: str,
        query: str = "",
        referer: str = "",
        *,
        number: int = 1,
        term: str = "",
        person: Person | None = None,
    ) -> tuple[Page, float]:
        """Load a page (with its assets); the page and when it finished loading."""
        response, end = self.client.page(t, path, query, referer=referer)
        page = Page(kind, path, query, response, number, term, person)
        if kind == "profile":
            self.profiles += 1
            if person is not None:
                self.seen.add(person.id)
        elif kind in ("directory", "search", "followers"):
            self.hub = page
        return page, end

    def profile(self, t: float, person: Person, referer: str) -> tuple[Page, float]:
        """Open `person`'s profile."""
        return self.open(t, "profile", profile_path(person), "", referer, person=person)

    def directory(self, t: float, number: int, referer: str) -> tuple[Page, float]:
        """Open page `number` of the directory."""
        return self.open(t, "directory", "/directory", page_query(number), referer, number=number)

    def search(self, t: float, term: str, number: int, referer: str) -> tuple[Page, float]:
        """Search for `term`, page `number`."""
        query = page_query(number, q=term)
        return self.open(t, "search", "/search", query, referer, number=number, term=term)

    def followers(self, t: float, person: Person, number: int, referer: str) -> tuple[Page, float]:
        """Open page `number` of `person`'s followers."""
        path = profile_path(person) + "/followers"
        return self.open(
            t, "followers", path, page_query(number), referer, number=number, person=person
        )

    def pause(self, page: Page) -> float:
        """Time spent on `page` before the next click."""
        dwell = self.style.profile_dwell
        if dwell is not None and page.kind == "profile":
            return self.rng.uniform(*dwell)
        return think(self.rng, self.style.think_median, self.style.think_sigma)

    def pick(self, page: Page) -> Person | None:
        """The person whose link is clicked on a list page (None: nobody left to click)."""
        people = page.response.people
        if not people:
            return None
        if self.style.in_order:
            start = self.clicked.get(page.url, 0)
            for i in range(start, len(people)):
                if people[i].id not in self.seen:
                    self.clicked[page.url] = i + 1
                    return people[i]
            return None
        for _ in range(4):
            person = people[int(len(people) * self.rng.random() ** 1.6)]
            if person.id not in self.seen:
                return person
        return None

    def step(self, t: float, page: Page) -> tuple[Page, float]:
        """Follow one link from `page`."""
        rng, style = self.rng, self.style
        hub = self.hub
        if page.kind == "profile" and hub is not None and rng.random() < style.back:
            person = self.pick(hub)
            if person is not None:
                return self.profile(t, person, hub.url)
            if hub.response.more:
                return self.next_page(t, hub)
        if page.kind in ("directory", "search", "followers"):
            if rng.random() < 0.8:
                person = self.pick(page)
                if person is not None:
                    return self.profile(t, person, page.url)
            if page.response.more and rng.random() < 0.7:
                return self.next_page(t, page)
        if page.kind == "profile" and page.person is not None:
            roll = rng.random()
            if roll < 0.3:
                return self.profile(t, self.world.popular(rng), page.url)
            if roll < 0.42 and self.world.site.followers(page.person):
                return self.followers(t, page.person, 1, page.url)
        roll = rng.random()
        if roll < style.search:
            return self.search(t, search_term(rng, self.world), 1, page.url)
        if roll < style.search + style.directory:
            number = self._directory_page(rng)
            return self.directory(t, number, page.url)
        if page.kind != "home" and roll > 0.9:
            return self.open(t, "home", "/", "", page.url)
        return self.profile(t, self.world.popular(rng), page.url)

    def _directory_page(self, rng: random.Random) -> int:
        """The directory page a person opens: the first, one of the pager's first few, or
        the last."""
        pages = self.world.site.pages
        roll = rng.random()
        if roll < 0.8:
            return 1
        if roll < 0.95:
            return rng.randint(1, min(5, pages))
        return pages

    def next_page(self, t: float, page: Page) -> tuple[Page, float]:
        """The next page of a list."""
        number = page.number + 1
        if page.kind == "search":
            return self.search(t, page.term, number, page.url)
        if page.kind == "followers" and page.person is not None:
            return self.followers(t, page.person, number, page.url)
        return self.directory(t, number, page.url)

    def run(self, t: float, page: Page, end: float, pages: int) -> tuple[Page, float]:
        """Follow `pages` more links from `page` (loaded until `end`); the last page and when
        it was left."""
        for _ in range(pages):
            t = end + self.pause(page)
            if t >= self.world.end:
                break
            page, end = self.step(t, page)
        return page, end + self.pause(page)


def search_term(rng: random.Random, world: World) -> str:
    """What a person types into the search box: a real first name, surname or a prefix."""
    person = world.popular(rng)
    first, _, last = person.name.partition(" ")
    word = first if rng.random() < 0.6 else last.split(" ")[-1]
    if rng.random() < 0.25 and len(word) > 4:
        word = word[: rng.randint(3, len(word) - 1)]
    return word if rng.random() < 0.5 else word.lower()


# ---------------------------------------------------------------------------- people


@dataclass(slots=True)
class Habits:
    """One person's habits."""

    client: Client
    rng: random.Random
    style: Style
    pages: float  # mean pages per visit
    tz: float  # hours from UTC
    per_day: float  # visits a day
    work: bool = False  # visits in working hours
    member: tuple[str, float] | None = None  # account (username) and creation time
    remembered: bool = False  # the login lasts between visits ("remember me")
    signs_up: bool = False  # signs up on the first visit
    address: str | None = None  # a fixed address (else one per visit)
    relay: bool = False  # iCloud Private Relay


def _zone(rng: random.Random) -> float:
    return rng.choices([z for z, _ in _ZONES], [w for _, w in _ZONES])[0]


def _geometric(rng: random.Random, mean: float) -> int:
    """Pages after the first, for `mean` pages in all (geometric)."""
    n = 1
    stop = 1.0 / max(1.0, mean)
    while rng.random() > stop and n < 60:
        n += 1
    return n - 1


def _new_person(
    world: World,
    group: str,
    *,
    agent: Agent | None = None,
    language: str | None = None,
    mobile: bool | None = None,
    family: str | None = None,
    ip: str | None = None,
    relay: bool = False,
    logged_in: float = 0.0,
) -> Habits:
    """A person of `group` with randomised habits; `logged_in` is the chance of being a member."""
    actor, rng = world.actor(HUMAN, group)
    if agent is None:
        agent = browser(rng, mobile=mobile, family=family)
    if language is None:
        language = accept_language(rng, agent.family)
    client = Client(
        world,
        actor,
        rng,
        "",
        agent,
        language,
        lazy_images=rng.randint(8, 20),
        fetch_metadata=True,
    )
    style = Style(
        think_median=rng.uniform(6, 40),
        think_sigma=rng.uniform(0.7, 1.2),
        back=rng.uniform(0.2, 0.6),
        search=rng.uniform(0.15, 0.45),
        directory=rng.uniform(0.05, 0.3),
    )
    person = Habits(
        client,
        rng,
        style,
        pages=rng.uniform(1.5, 4.0),
        tz=_zone(rng),
        per_day=rng.choices((1, 2, 3), (50, 30, 20))[0] * rng.uniform(0.8, 1.2),
        address=ip,
        relay=relay,
    )
    if ip is None and not relay and not (agent.mobile and rng.random() < 0.6):
        person.address = world.net.residential(rng, v6=rng.random() < 0.2)  # home broadband
    if rng.random() < logged_in:
        person.member = world.member(rng)
        person.remembered = rng.random() < 0.7
        person.pages = rng.uniform(3.0, 9.0)
    return person


def _address(world: World, p: Habits) -> str:
    if p.relay:
        return world.net.relay(p.rng, v6=p.rng.random() < 0.7)
    if p.address is not None:
        return p.address
    return world.net.mobile(p.rng, v6=p.rng.random() < 0.3)


def _login(world: World, p: Habits, walk: Walk, t: float, referer: str) -> tuple[Page, float]:
    """Open the login page, sign in (after a typo now and then), land on the home page."""
    assert p.member is not None
    c, rng = p.client, p.rng
    page, end = walk.open(t, "login", "/login", "", referer)
    t = end + rng.uniform(6, 25)
    if rng.random() < 0.06:
        response = c.login(t, *p.member, referer=page.url, ok=False)
        end = c.load_assets(t, page.url, response) if c.assets != ASSETS_NONE else t
        t = end + rng.uniform(5, 15)
    c.login(t, *p.member, referer=page.url)
    return walk.open(t + rng.uniform(0.05, 0.3), "home", "/", "", page.url)


def _signup(world: World, p: Habits, walk: Walk, t: float, referer: str) -> tuple[Page, float]:
    """Open the sign-up form, submit it (a taken username first now and then), go home."""
    c, rng = p.client, p.rng
    page, end = walk.open(t, "signup", "/signup", "", referer)
    t = end + rng.uniform(25, 90)
    if rng.random() < 0.2:
        taken = world.directory.people[int(rng.random() * len(world.directory.people))]
        response = c.signup(t, taken.username, page.url)
        end = c.load_assets(t, page.url, response) if c.assets != ASSETS_NONE else t
        t = end + rng.uniform(8, 25)
    c.signup(t, world.new_username(rng), page.url)
    assert c.account is not None and c.account_created is not None
    p.member = (c.account, c.account_created)
    p.remembered = True
    return walk.open(t + rng.uniform(0.05, 0.3), "home", "/", "", page.url)


def _visit(world: World, p: Habits, t: float, first: bool) -> float:
    """One visit from `t`; when it ended."""
    c, rng = p.client, p.rng
    c.ip = _address(world, p)
    # The site sets its session cookie at login: a remembered login comes from before the window.
    c.new_visit(keep_session=p.remembered and not first)
    if first and p.member is not None and p.remembered:
        c.session = session_id(rng)
        c.account, c.account_created = p.member
    walk = Walk(world, c, rng, p.style)
    pages = _geometric(rng, p.pages)
    if c.account is not None:
        page, end = walk.open(t, "home", "/")
    elif p.member is not None:
        page, end = walk.open(t, "home", "/")
        page, end = _login(world, p, walk, end + rng.uniform(2, 8), page.url)
    else:
        roll = rng.random()
        if roll < 0.5:
            referer = rng.choice(SEARCH_REFERERS)
        elif roll < 0.65:
            referer = rng.choice(SOCIAL_REFERERS)
        else:
            referer = ""
        if referer and rng.random() < 0.03:  # a stale search result: the person has left
            gone = world.new_username(rng)
            page, end = walk.open(t, "missing", "/u/" + gone, "", referer)
            name = gone.split(".")[0]
            page, end = walk.search(end + rng.uniform(3, 15), name, 1, page.url)
        elif referer:
            page, end = walk.profile(t, world.popular(rng), referer)
        else:
            page, end = walk.open(t, "home", "/")
        if p.signs_up and first:
            page, end = walk.run(t, page, end, min(pages, 2))
            page, end = _signup(world, p, walk, end, page.url)
            pages = max(pages, 3)
    return walk.run(t, page, end, pages)[1]


def _live(world: World, p: Habits) -> None:
    """Every visit of `p` inside the window."""
    last_end = world.start - HOUR
    for n, t in enumerate(world.day_times(p.rng, p.per_day, p.tz, p.work)):
        t = max(t, last_end + p.rng.uniform(300, 3600))
        if t >= world.end:
            break
        last_end = _visit(world, p, t, n == 0)


def _recruiter(world: World) -> None:
    """Logged in, an account over a year old; about 300 profiles a working day, via searches
    and the directory, 20-90 s on each profile, with breaks."""
    actor, rng = world.actor(HUMAN, "recruiter")
    agent = browser(rng, mobile=False)
    ip = world.net.business(rng) if rng.random() < 0.6 else world.net.residential(rng)
    c = Client(world, actor, rng, ip, agent, accept_language(rng, agent.family))
    c.fetch_metadata = True
    c.session = session_id(rng)
    c.account, c.account_created = world.member(rng, older_than=365 * 86400)
    style = Style(
        think_median=rng.uniform(5, 15),
        think_sigma=rng.uniform(0.4, 0.8),
        back=rng.uniform(0.75, 0.95),
        search=rng.uniform(0.5, 0.8),
        directory=rng.uniform(0.1, 0.4),
        profile_dwell=(20.0, 90.0),
    )
    tz = _zone(rng)
    target = rng.uniform(220, 380)
    for day in world.days(tz, weekdays=True):
        t = day + (9.0 + rng.uniform(-0.3, 0.6)) * HOUR
        lunch = day + (12.5 + rng.uniform(-0.5, 0.5)) * HOUR
        stop = day + (17.5 + rng.uniform(-0.5, 0.5)) * HOUR
        viewed, lunched = 0, False
        while t < stop and viewed < target and t < world.end:
            if not lunched and t > lunch:
                t += rng.uniform(0.5, 1.0) * HOUR
                lunched = True
            c.new_visit(keep_session=True)
            walk = Walk(world, c, rng, style)
            if rng.random() < 0.7:
                page, end = walk.search(t, search_term(rng, world), 1, "")
            else:
                page, end = walk.directory(t, rng.randint(1, world.site.pages), "")
            page, end = walk.run(t, page, end, rng.randint(8, 40))
            viewed += walk.profiles
            t = end + rng.uniform(60, 1200)


def add_humans(world: World) -> None:
    """About 2,000 people at scale 1.0 (fewer at a smaller scale), in every group of
    `HUMAN_GROUPS`: tens in each hard group, cgnat and office as a few shared addresses."""
    plan = world.rng("plan:humans")
    total = world.count(2000, 40)
    recruiters = world.count(15, 2)
    for _ in range(recruiters):
        _recruiter(world)
    people: list[Habits] = []
    # Screen-reader users: fewer assets, slow regular pacing, links in document order.
    for _ in range(world.count(25, 3)):
        p = _new_person(world, "screen_reader", mobile=False, logged_in=0.5)
        p.client.assets = ASSETS_LIGHT if p.rng.random() < 0.7 else ASSETS_NONE
        p.style = Style(
            think_median=p.rng.uniform(15, 45),
            think_sigma=p.rng.uniform(0.12, 0.3),
            back=0.9,
            in_order=True,
            search=p.rng.uniform(0.2, 0.5),
            directory=p.rng.uniform(0.3, 0.6),
        )
        p.pages = p.rng.uniform(6, 20)
        people.append(p)
    # iCloud Private Relay: Safari, a relay egress address per visit.
    for _ in range(world.count(60, 3)):
        people.append(
            _new_person(world, "icloud_relay", family="safari", relay=True, logged_in=0.4)
        )
    # Carrier-grade NAT: dozens of people behind one 100.64.x.y address each.
    crowd = min(1.0, 2 * world.scale)
    for _ in range(world.count(4, 1)):
        ip = world.net.cgnat(plan)
        for _ in range(max(8, round(plan.randint(15, 40) * crowd))):
            mobile = plan.random() < 0.8
            people.append(_new_person(world, "cgnat", mobile=mobile, ip=ip, logged_in=0.75))
    # Offices: 20-50 colleagues behind one address, working hours, mostly one browser build.
    for _ in range(world.count(3, 1)):
        ip = world.net.business(plan)
        standard = browser(plan, mobile=False, family="chrome")
        standard_language = accept_language(plan, "chrome")
        tz = _zone(plan)
        for _ in range(max(8, round(plan.randint(20, 50) * crowd))):
            own = plan.random() < 0.3
            p = _new_person(
                world,
                "office",
                agent=None if own else standard,
                language=None if own else standard_language,
                mobile=False,
                ip=ip,
                logged_in=0.6,
            )
            p.tz, p.work = tz, True
            people.append(p)
    rest = max(10, total - len(people) - recruiters)
    members = round(rest * 0.36)
    for _ in range(members):
        p = _new_person(world, "logged_in", logged_in=1.0)
        if p.rng.random() < 0.05:  # signs up during the run
            p.member, p.signs_up, p.remembered = None, True, False
        people.append(p)
    for _ in range(rest - members):
        people.append(_new_person(world, "anonymous"))
    for p in people:
        _live(world, p)
