"""Crawlers and scrapers of the demo site, one function per class of `classes.py`.

Every actor draws its parameters (pace, regularity, pauses, order, user agent, headers, cookie
and asset behaviour, addresses, volume) from its own random stream, so no constant marks a
class. Volumes are bounded by the directory and by the simulated window.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import product
from urllib.parse import quote

from .classes import GOOD_BOT, IMPOSTOR, UNVERIFIABLE_CRAWLER
from .people import DAY, EMAIL_DOMAINS, Person, fictional_phone
from .traffic_agents import (
    Agent,
    accept_language,
    bingbot,
    browser,
    crawler_script,
    googlebot,
    headless,
    library,
    seo_bot,
)
from .traffic_humans import search_term
from .traffic_site import (
    EXPORT_TRAP,
    SCRIPT,
    SITE_ORIGIN,
    STYLESHEET,
    Response,
    api_path,
    page_query,
    profile_path,
    robots_allowed,
    url,
)
from .traffic_world import (
    ASSETS_FULL,
    ASSETS_LIGHT,
    ASSETS_NONE,
    HOUR,
    Client,
    Pace,
    World,
    session_id,
)

JSON_ACCEPT = "application/json"


@dataclass(slots=True)
class Rotation:
    """Changes a client's user agent and address every `every` (low, high) requests: to one of
    `agents`, or to a new browser when there are none; optionally a new Accept-Language with
    each."""

    rng: random.Random
    every: tuple[int, int]
    addresses: Sequence[str]
    agents: Sequence[Agent] = ()
    language: bool = False
    left: int = 0

    def __call__(self, client: Client) -> None:
        """Before a request: count it, and change when it is time."""
        self.left -= 1
        if self.left >= 0:
            return
        rng = self.rng
        self.left = rng.randint(*self.every) - 1
        client.agent = rng.choice(self.agents) if self.agents else browser(rng)
        if self.language:
            client.accept_language = accept_language(rng, client.agent.family)
        client.ip = rng.choice(self.addresses)


@dataclass(slots=True)
class Harvester:
    """An automated client working through lists and profiles at its own pace.

    `target` turns a person into the URL path fetched for them (profile page or API); `before`
    runs before every request (user-agent rotation, address changes).
    """

    world: World
    client: Client
    rng: random.Random
    pace: Pace
    t: float
    budget: int  # profiles to fetch
    target: Callable[[Person], str] = profile_path
    shuffle: bool = False
    referer: bool = True
    json: bool = False
    before: Rotation | None = None
    fake_assets: float = 0.0  # chance of a stylesheet or script request after a page
    max_sent: int = 10**9  # requests at most
    stale: float = 0.0  # chance of trying a username that no longer exists, before each person
    skip: set[int] = field(default_factory=set)
    fetched: int = 0
    sent: int = 0
    last_url: str = ""  # the page the next request's link is on

    def __post_init__(self) -> None:
        self.budget = min(self.budget, len(self.world.directory.people))

    @property
    def done(self) -> bool:
        """Out of budget or of time."""
        return self.fetched >= self.budget or self.sent >= self.max_sent or self.t >= self.world.end

    def get(self, path: str, query: str = "", referer: str = "") -> Response:
        """Fetch one page (a browser also its assets), then wait."""
        if self.before is not None:
            self.before(self.client)
        c = self.client
        referer = referer if self.referer else ""
        if path.startswith("/api/"):  # JSON: no assets; a browser's fetch() asks for JSON
            accept = JSON_ACCEPT if self.json or c.agent.family else None
            response, end = c.send(self.t, path, query, referer=referer, accept=accept), self.t
        elif c.assets == ASSETS_NONE:
            response, end = c.send(self.t, path, query, referer=referer), self.t
        else:
            response, end = c.page(self.t, path, query, referer=referer)
        if self.fake_assets and self.rng.random() < self.fake_assets:
            for asset in (STYLESHEET, SCRIPT)[: self.rng.randint(1, 2)]:
                when = self.t + self.rng.uniform(0.02, 0.4)
                c.send(when, asset, referer=url(path, query), accept=c.agent.asset_accept(asset))
                end = max(end, when)
        self.sent += 1
        self.t = end + self.pace.gap(self.rng, self.sent)
        return response

    def people(self, people: Sequence[Person], referer: str = "") -> None:
        """Fetch everyone of `people` not fetched before, in order or shuffled."""
        todo = [p for p in people if p.id not in self.skip]
        if self.shuffle:
            self.rng.shuffle(todo)
        for person in todo:
            if self.done:
                return
            if self.stale and self.rng.random() < self.stale:  # someone who left the site
                gone = quote(self.world.new_username(self.rng), safe=".-_~")
                self.get(self.target(person).rsplit("/", 1)[0] + "/" + gone, "", referer)
            self.skip.add(person.id)
            self.get(self.target(person), "", referer)
            self.fetched += 1

    def lists(self, pages: Iterable[tuple[str, str]], visit: float = 1.0) -> None:
        """Fetch list pages, and after each the people on it (each with chance `visit`)."""
        for path, query in pages:
            if self.done:
                return
            response = self.get(path, query, self.last_url)
            self.last_url = url(path, query)
            shown = [p for p in response.people if visit >= 1.0 or self.rng.random() < visit]
            self.people(shown, url(path, query))

    def searches(self, terms: Iterable[str], visit: float = 0.0, max_pages: int = 50) -> None:
        """Search each term and page through all its results."""
        for term in terms:
            number = 1
            while not self.done:
                query = page_query(number, q=term)
                response = self.get("/search", query, self.last_url)
                self.last_url = url("/search", query)
                if visit > 0:
                    shown = [p for p in response.people if self.rng.random() < visit]
                    self.people(shown, self.last_url)
                if not response.more or number >= max_pages:
                    break
                number += 1
            if self.done:
                return


def directory_pages(world: World, first: int = 1) -> Iterator[tuple[str, str]]:
    """The directory's pages from `first` on, as (path, query)."""
    for number in range(first, world.site.pages + 1):
        yield "/directory", page_query(number)


def _start(world: World, rng: random.Random, latest: float = 0.5) -> float:
    """When an actor starts: somewhere in the first `latest` of the window."""
    return world.start + rng.random() * latest * world.span


def _hidden_links(world: World) -> list[str]:
    """What `/` links invisibly: a canary profile and the member export."""
    return [profile_path(p) for p in world.directory.canaries[:1]] + [EXPORT_TRAP]


# ---------------------------------------------------------------------------- crawlers


def _crawl_schedule(world: World, rng: random.Random, per_day: float) -> list[float]:
    """Request times of a search engine crawler: Poisson arrivals, in bursts."""
    times: list[float] = []
    n = max(1, round(per_day * world.span / DAY))
    t = world.start + rng.uniform(0, 600)
    while len(times) < n and t < world.end:
        burst = rng.randint(5, 60)
        gap = rng.uniform(0.5, 8.0)
        for _ in range(burst):
            times.append(t)
            t += gap * rng.expovariate(1.0)
        t += rng.expovariate(n / (world.span * burst))
    return times[:n]


def _search_engine(
    world: World,
    cls: str,
    make: Callable[[random.Random], tuple[Agent, str]],
    per_day: float,
    robots_every: float,
) -> None:
    """A crawler that obeys robots.txt and never follows hidden links (good bots, SEO bots)."""
    actor, rng = world.actor(cls)
    agent, first_ip = make(rng)
    c = Client(world, actor, rng, first_ip, agent, None, assets=ASSETS_NONE)
    addresses = [first_ip] + [make(rng)[1] for _ in range(rng.randint(0, 10))]
    agents = [agent] + [make(rng)[0] for _ in range(rng.randint(0, 2))]
    renders = rng.uniform(0.0, 0.15)
    last_robots = -1e18
    people = world.directory.people
    for t in _crawl_schedule(world, rng, per_day * rng.uniform(0.6, 1.2)):
        c.ip = rng.choice(addresses)
        c.agent = rng.choice(agents)
        if t - last_robots > robots_every:
            c.send(t, "/robots.txt", accept="text/plain,*/*")
            last_robots = t
            t += rng.uniform(0.5, 5)
        roll = rng.random()
        if roll < 0.72:
            person = world.popular(rng) if rng.random() < 0.5 else rng.choice(people)
            path, query = profile_path(person), ""
        elif roll < 0.87:
            path, query = "/directory", page_query(rng.randint(1, world.site.pages))
        elif roll < 0.97:
            person = world.popular(rng)
            path, query = profile_path(person) + "/followers", ""
        else:
            path, query = "/", ""
        assert robots_allowed(path)
        c.send(t, path, query)
        if rng.random() < renders:
            for asset in (STYLESHEET, SCRIPT):
                c.send(t + rng.uniform(1, 30), asset, accept="*/*")


def good_bots(world: World) -> None:
    """Googlebot from Google's published ranges, Bingbot from Bing's."""
    scale = world.directory.size / 5000
    for _ in range(max(1, round(world.scale * 1.4))):
        _search_engine(
            world,
            GOOD_BOT,
            lambda r: (googlebot(r), world.net.googlebot(r)),
            per_day=2200 * scale,
            robots_every=DAY,
        )
    _search_engine(
        world, GOOD_BOT, lambda r: (bingbot(r), world.net.bingbot(r)), 900 * scale, 12 * HOUR
    )


def unverifiable_crawlers(world: World) -> None:
    """Declared SEO crawlers whose operators publish no ranges, from hosting networks."""
    scale = world.directory.size / 5000
    for _ in range(2):
        _search_engine(
            world,
            UNVERIFIABLE_CRAWLER,
            lambda r: (seo_bot(r), world.net.cloud(r, hosting=True)),
            per_day=1500 * scale,
            robots_every=6 * HOUR,
        )


def impostors(world: World) -> None:
    """Googlebot's user agent from cloud addresses, crawling profiles fast."""
    plan = world.rng("plan:impostors")
    for _ in range(world.count(plan.randint(2, 3), 2)):
        actor, rng = world.actor(IMPOSTOR)
        agents = [googlebot(rng) for _ in range(rng.randint(1, 2))]
        addresses = [world.net.cloud(rng) for _ in range(rng.randint(1, 3))]
        c = Client(world, actor, rng, addresses[0], agents[0], None, assets=ASSETS_NONE)
        rotate = Rotation(rng, (1, 1), addresses, agents)
        h = Harvester(
            world,
            c,
            rng,
            Pace.draw(rng, 0.2, 1.5),
            _start(world, rng),
            rng.randint(1500, 5000),
            before=rotate,
            referer=rng.random() < 0.3,
            shuffle=rng.random() < 0.5,
        )
        if rng.random() < 0.5:
            h.get("/robots.txt")
        if rng.random() < 0.5:
            h.get("/")
            for path in _hidden_links(world):
                h.get(path, "", SITE_ORIGIN + "/")
        if rng.random() < 0.3:
            h.target = api_path
        h.lists(directory_pages(world, rng.randint(1, 3)))


# ---------------------------------------------------------------------------- scrapers


def _address(world: World, rng: random.Random, cloud: float, vpn: float = 0.0) -> str:
    roll = rng.random()
    if roll < cloud:
        return world.net.cloud(rng)
    if roll < cloud + vpn:
        return world.net.vpn(rng)
    return world.net.residential(rng, v6=rng.random() < 0.15)


def _count(world: World, rng: random.Random) -> int:
    """Actors of a scraper class: 2-5 at scale 1.0, at least 2."""
    return world.count(rng.randint(2, 5), 2)


def naive(world: World) -> None:
    """A script walking profiles (pages or the API) in directory order, fast and steady,
    with a client library's user agent, no cookies and no assets."""
    plan = world.rng("plan:naive")
    people = world.directory.people
    for _ in range(_count(world, plan)):
        actor, rng = world.actor("naive")
        agent, language = library(rng)
        c = Client(
            world,
            actor,
            rng,
            _address(world, rng, 0.7),
            agent,
            language,
            assets=ASSETS_NONE,
        )
        pace = Pace.draw(rng, 0.2, 2.0, sigma=0.5)
        coverage = rng.uniform(0.3, 1.0)
        h = Harvester(
            world, c, rng, pace, _start(world, rng), round(len(people) * coverage), referer=False
        )
        h.target = api_path if rng.random() < 0.5 else profile_path
        h.json = h.target is api_path and rng.random() < 0.5
        h.stale = rng.uniform(0.01, 0.05) if rng.random() < 0.4 else 0.0
        if rng.random() < 0.35:
            h.lists(directory_pages(world))
        else:
            first = rng.randint(0, len(people) // 4) if rng.random() < 0.5 else 0
            h.people(people[first:])


def polite_crawler(world: World) -> None:
    """robots.txt first and obeyed, a crawl delay of 5-30 s, links followed from `/` to the
    directory's pages to profiles; no assets. Some follow the hidden links of `/` too."""
    plan = world.rng("plan:polite")
    for _ in range(_count(world, plan)):
        actor, rng = world.actor("polite_crawler")
        if rng.random() < 0.5:
            agent, language = crawler_script(rng), None
        else:
            agent = browser(rng, mobile=False)
            language = accept_language(rng, agent.family) if rng.random() < 0.5 else None
        ip = _address(world, rng, 0.6)
        c = Client(world, actor, rng, ip, agent, language, assets=ASSETS_NONE)
        delay = rng.uniform(10, 30) if rng.random() < 0.6 else rng.uniform(5, 30)  # Crawl-delay 10
        pace = Pace(delay, rng.uniform(0.02, 0.3))
        h = Harvester(
            world,
            c,
            rng,
            pace,
            _start(world, rng, 0.3),
            len(world.directory.people),
            shuffle=rng.random() < 0.3,
            referer=rng.random() < 0.6,
        )
        h.get("/robots.txt")
        h.get("/")
        h.last_url = SITE_ORIGIN + "/"
        if rng.random() < 0.5:
            for path in _hidden_links(world):
                if robots_allowed(path):
                    h.get(path, "", SITE_ORIGIN + "/")
        followers = rng.random() < 0.3

        def pages() -> Iterator[tuple[str, str]]:
            for number in range(1, world.site.pages + 1):
                if number > 1 and (number - 1) % 40 == 0:
                    yield "/robots.txt", ""
                yield "/directory", page_query(number)

        for path, query in pages():
            if h.done:
                break
            if path == "/robots.txt":
                h.get(path)
                continue
            response = h.get(path, query, h.last_url)
            h.last_url = url(path, query)
            h.people(response.people, h.last_url)
            if followers:
                for person in response.people[:3]:
                    if h.done:
                        break
                    h.get(profile_path(person) + "/followers", "", url(profile_path(person)))


def ua_rotating(world: World) -> None:
    """Browser user agents rotated every 1-10 requests from one address (or a few),
    harvesting profiles; now and then a fake stylesheet or script request."""
    plan = world.rng("plan:rotating")
    people = world.directory.people
    for _ in range(_count(world, plan)):
        actor, rng = world.actor("ua_rotating")
        addresses = [
            _address(world, rng, 0.6) for _ in range(1 if rng.random() < 0.6 else rng.randint(2, 4))
        ]
        agent = browser(rng)
        language = accept_language(rng, agent.family)
        c = Client(
            world,
            actor,
            rng,
            addresses[0],
            agent,
            language,
            assets=ASSETS_NONE,
        )
        every = sorted((rng.randint(1, 10), rng.randint(1, 10)))
        rotate = Rotation(
            rng,
            (every[0], every[1]),
            addresses,
            language=rng.random() < 0.5,
        )
        pace = Pace.draw(rng, 0.5, 4.0)
        h = Harvester(
            world,
            c,
            rng,
            pace,
            _start(world, rng),
            rng.randint(1500, 5000),
            before=rotate,
            shuffle=rng.random() < 0.5,
            fake_assets=rng.uniform(0.0, 0.5),
        )
        mode = rng.random()
        if mode < 0.5:
            h.lists(directory_pages(world, rng.randint(1, 5)))
        elif mode < 0.75:
            h.searches(_name_terms(world, rng), visit=1.0)
        else:
            order = list(people)
            rng.shuffle(order)
            h.people(order)


def _name_terms(world: World, rng: random.Random) -> list[str]:
    """Distinct first names and surnames of the directory, in random order."""
    words = sorted({w.lower() for p in world.directory.people for w in p.name.split()})
    rng.shuffle(words)
    return words


def _letter_terms(rng: random.Random) -> list[str]:
    """A walk over all two- or three-letter terms, in a randomised alphabet from a random
    starting point."""
    letters = list("abcdefghijklmnopqrstuvwxyz")
    if rng.random() < 0.5:
        rng.shuffle(letters)
    length = 2 if rng.random() < 0.6 else 3
    terms = ["".join(t) for t in product(letters, repeat=length)]
    start = rng.randrange(len(terms)) if rng.random() < 0.6 else 0
    return terms[start:] + terms[:start]


def search_enumerator(world: World) -> None:
    """Search terms aa, ab, ac... (or aaa...), paging through every result; headless or
    browser user agent."""
    plan = world.rng("plan:search")
    for _ in range(_count(world, plan)):
        actor, rng = world.actor("search_enumerator")
        roll = rng.random()
        agent = headless(rng, declared=roll < 0.4) if roll < 0.6 else browser(rng, mobile=False)
        language = accept_language(rng, agent.family) if rng.random() < 0.7 else None
        assets = ASSETS_LIGHT if rng.random() < 0.3 else ASSETS_NONE
        c = Client(
            world,
            actor,
            rng,
            _address(world, rng, 0.8),
            agent,
            language,
            assets=assets,
        )
        h = Harvester(world, c, rng, Pace.draw(rng, 0.5, 5.0), _start(world, rng), 10**9)
        h.max_sent = rng.randint(1000, 4000)
        visit = 0.0 if rng.random() < 0.6 else rng.uniform(0.05, 0.3)
        h.searches(_letter_terms(rng), visit=visit)


def _area_codes() -> list[str]:
    """The North American area codes the directory's phone numbers use, in order."""
    codes: list[str] = []
    k = 0
    while True:
        code = fictional_phone(k * 100 + 1)[2:5]
        if codes and code == codes[0]:
            return codes
        codes.append(code)
        k += 1


def _candidates(world: World, rng: random.Random, n: int) -> Iterator[str]:
    """Contacts to try: sequential fictional phone numbers, or a list mixing a few real
    contacts (2-10 %) with plausible misses (fictional numbers, example-domain emails)."""
    people = world.directory.people
    codes = _area_codes()
    hit_rate = rng.uniform(0.02, 0.10)
    if rng.random() < 0.4:  # walk whole blocks of numbers, a few in areas the site's people use
        used = codes[: len(people) // 100 + 1]
        spaced = rng.random() < 0.5
        for _ in range(n // 100 + 1):
            code = rng.choice(used) if rng.random() < hit_rate / 0.9 else rng.choice(codes)
            for suffix in range(100):
                yield f"+1 {code}-555-01{suffix:02d}" if spaced else f"+1{code}55501{suffix:02d}"
        return
    kind = rng.choice(("phone", "email", "both"))
    firsts = sorted({p.name.split()[0].lower() for p in people})
    lasts = sorted({p.name.split()[-1].lower() for p in people})
    for _ in range(n):
        email = kind == "email" or (kind == "both" and rng.random() < 0.5)
        if rng.random() < hit_rate:
            person = rng.choice(people)
            yield person.email if email else person.phone
            continue
        while True:
            if email:
                first, last = rng.choice(firsts), rng.choice(lasts)
                local = rng.choice(
                    (
                        f"{first}.{last}",
                        f"{first}{last}",
                        f"{first[0]}{last}",
                        f"{first}.{last}{rng.randint(1, 99)}",
                    )
                )
                candidate = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
            elif rng.random() < 0.3:
                candidate = f"+447700900{rng.randint(0, 999):03d}"
            else:
                candidate = f"+1{rng.choice(codes)}55501{rng.randint(0, 99):02d}"
            if world.directory.lookup(candidate) is None:
                yield candidate
                break


def contact_enumerator(world: World) -> None:
    """Lists of candidate phone numbers or emails fed to `/find`, mostly misses."""
    plan = world.rng("plan:contact")
    for _ in range(_count(world, plan)):
        actor, rng = world.actor("contact_enumerator")
        if rng.random() < 0.5:
            agent, language = library(rng)
        else:
            agent = browser(rng)
            language = accept_language(rng, agent.family)
        c = Client(
            world,
            actor,
            rng,
            _address(world, rng, 0.5, 0.3),
            agent,
            language,
            assets=ASSETS_NONE,
        )
        if rng.random() < 0.3:  # with an account of its own
            c.session = session_id(rng)
            c.account = world.new_username(rng)
            c.account_created = float(int(world.start - rng.uniform(3, 400) * DAY))
        h = Harvester(
            world,
            c,
            rng,
            Pace.draw(rng, 0.3, 3.0),
            _start(world, rng),
            10**9,
            referer=rng.random() < 0.3,
        )
        h.last_url = url("/find")
        for contact in _candidates(world, rng, rng.randint(1000, 4000)):
            if h.done:
                break
            h.get("/find", page_query(1, q=contact), h.last_url)


def _signed_up(world: World, c: Client, rng: random.Random, t: float) -> float:
    """GET /signup, POST it (303: a new account, logged in), land on `/`; when that ended."""
    end = c.page(t, "/signup")[1]
    t = end + rng.uniform(3, 60)
    c.signup(t, world.new_username(rng), url("/signup"))
    t += rng.uniform(0.05, 0.4)
    end = c.page(t, "/", referer=url("/signup"))[1]
    return end + rng.uniform(1, 20)


def new_account_harvester(world: World) -> None:
    """Signs up, then visits hundreds of profiles within hours while logged in."""
    plan = world.rng("plan:newaccount")
    for _ in range(_count(world, plan)):
        actor, rng = world.actor("new_account_harvester")
        roll = rng.random()
        if roll < 0.7:
            agent = browser(rng)
            language: str | None = accept_language(rng, agent.family)
            assets = rng.choice((ASSETS_FULL, ASSETS_LIGHT, ASSETS_NONE))
        elif roll < 0.85:
            agent, language, assets = (
                headless(rng, rng.random() < 0.5),
                "en-US,en;q=0.9",
                ASSETS_FULL,
            )
        else:
            (agent, language), assets = library(rng), ASSETS_NONE
        c = Client(
            world, actor, rng, _address(world, rng, 0.2, 0.3), agent, language, assets=assets
        )
        t = _signed_up(world, c, rng, _start(world, rng))
        pace = Pace(rng.uniform(3, 20), rng.uniform(0.3, 0.9))
        h = Harvester(world, c, rng, pace, t, rng.randint(200, 800), shuffle=rng.random() < 0.4)
        h.last_url = SITE_ORIGIN + "/"
        if rng.random() < 0.3:
            h.target = api_path
        mode = rng.random()
        if mode < 0.5:
            h.lists(directory_pages(world, rng.randint(1, world.site.pages)))
        elif mode < 0.7:
            h.searches(_name_terms(world, rng), visit=1.0)
        else:
            h.people([world.popular(rng) for _ in range(h.budget * 2)])
        if not h.done:  # the directory's end came first: go round again from the start
            h.lists(directory_pages(world))


def _slices(
    rng: random.Random, people: Sequence[Person], parts: int, coverage: float
) -> list[list[Person]]:
    """Disjoint, shuffled slices of `coverage` of the directory, one per part."""
    order = list(people)
    rng.shuffle(order)
    order = order[: max(parts, round(len(order) * coverage))]
    return [order[i::parts] for i in range(parts)]


def account_farm(world: World) -> None:
    """Dozens of sign-ups from one /24 (or one IPv6 /48) within hours; each account then
    harvests a little. One campaign id per farm."""
    plan = world.rng("plan:farm")
    for _ in range(world.count(plan.randint(1, 2), 1)):
        campaign = world.campaign("account_farm")
        crng = world.rng("campaign:" + campaign)
        accounts = max(8, round(crng.randint(20, 60) * min(1.0, 2 * world.scale)))
        roll = crng.random()
        source = (
            world.net.block48(crng)
            if roll < 0.3
            else world.net.block24(crng, "cloud" if roll < 0.7 else "residential")
        )
        agents = [browser(crng, mobile=False) for _ in range(1 if crng.random() < 0.4 else 3)]
        language = accept_language(crng, agents[0].family)
        assets = crng.choice((ASSETS_LIGHT, ASSETS_NONE))
        start = _start(world, crng, 0.4)
        spread = crng.uniform(1, 6) * HOUR
        slices = _slices(crng, world.directory.people, accounts, crng.uniform(0.05, 0.3))
        for i in range(accounts):
            actor, rng = world.actor("account_farm", campaign=campaign)
            agent = rng.choice(agents)
            c = Client(world, actor, rng, source(rng), agent, language, assets=assets)
            t = _signed_up(world, c, rng, start + rng.random() * spread)
            t += rng.uniform(0, 2 * HOUR) if rng.random() < 0.5 else 0
            pace = Pace(crng.uniform(2, 20), rng.uniform(0.2, 0.8))
            h = Harvester(world, c, rng, pace, t, rng.randint(10, 40))
            h.people(slices[i])


def low_and_slow_accounts(world: World) -> None:
    """20-100 accounts, each logged in from changing addresses and viewing 20-80 profiles a
    day at a human-ish pace; together they cover the directory with little overlap."""
    plan = world.rng("plan:lowslow")
    for _ in range(world.count(plan.randint(1, 2), 1)):
        campaign = world.campaign("low_and_slow_accounts")
        crng = world.rng("campaign:" + campaign)
        accounts = max(8, round(crng.randint(20, 100) * min(1.0, 2 * world.scale)))
        assets = crng.choice((ASSETS_FULL, ASSETS_LIGHT, ASSETS_NONE))
        tz = crng.choice((1.0, 2.0, 3.0, 8.0, -5.0))
        slices = _slices(crng, world.directory.people, accounts, crng.uniform(0.5, 1.0))
        for i in range(accounts):
            actor, rng = world.actor("low_and_slow_accounts", campaign=campaign)
            agent = browser(rng)
            c = Client(
                world, actor, rng, "", agent, accept_language(rng, agent.family), assets=assets
            )
            c.fetch_metadata = assets == ASSETS_FULL  # a campaign that loads it all drives browsers
            if rng.random() < 0.5:  # a member's account, its password bought or phished
                account, created = world.member(rng)
            else:  # its own, made earlier: recently or long ago
                age = rng.uniform(1, 30) if rng.random() < 0.5 else rng.uniform(90, 1500)
                account, created = world.new_username(rng), float(int(world.start - age * DAY))
            per_day = rng.randint(20, 80)
            todo = list(slices[i])
            sessions = rng.uniform(1, 3)
            last = world.start - HOUR
            for t in world.day_times(rng, sessions, tz):
                if not todo:
                    break
                t = max(t, last + rng.uniform(600, 3 * HOUR))
                c.new_visit(keep_session=False)
                c.ip = (
                    _address(world, rng, 0.0, 0.3) if rng.random() < 0.6 else world.net.mobile(rng)
                )
                end = c.page(t, "/login")[1]
                t = end + rng.uniform(3, 15)
                c.login(t, account, created, url("/login"))
                end = c.page(t + rng.uniform(0.05, 0.3), "/", referer=url("/login"))[1]
                pace = Pace(rng.uniform(10, 45), rng.uniform(0.4, 0.9))
                budget = round(per_day / sessions * rng.uniform(0.7, 1.3))
                h = Harvester(world, c, rng, pace, end + rng.uniform(2, 20), max(1, budget))
                h.last_url = SITE_ORIGIN + "/"
                batch = todo[: h.budget]
                for person in batch:
                    if h.done:
                        break
                    if rng.random() < 0.25:
                        first = person.name.split()[0]
                        h.get("/search", page_query(1, q=first), h.last_url)
                        h.last_url = url("/search", page_query(1, q=first))
                    h.get(profile_path(person), "", h.last_url)
                    h.fetched += 1
                todo = todo[h.fetched :]
                last = h.t


def distributed(world: World) -> None:
    """Hundreds of residential addresses, one or two requests each an hour, one shared
    fingerprint, complementary coverage of the directory. One campaign id."""
    plan = world.rng("plan:distributed")
    for _ in range(world.count(plan.randint(1, 2), 1)):
        campaign = world.campaign("distributed")
        crng = world.rng("campaign:" + campaign)
        agent = browser(crng)
        language = accept_language(crng, agent.family)
        api = crng.random() < 0.2
        accept = JSON_ACCEPT if api else agent.page_accept()
        referer = crng.choice(("", "", "https://www.google.com/"))
        addresses = world.count(crng.randint(200, 600), 20)
        slices = _slices(crng, world.directory.people, addresses, crng.uniform(0.6, 1.0))
        start = _start(world, crng, 0.3)
        seen: set[str] = set()
        for i in range(addresses):
            actor, rng = world.actor("distributed", campaign=campaign)
            ip = world.net.residential(rng, v6=rng.random() < 0.1)
            while ip in seen:
                ip = world.net.residential(rng)
            seen.add(ip)
            c = Client(world, actor, rng, ip, agent, language, assets=ASSETS_NONE)
            t = start + rng.uniform(0, 4 * HOUR)
            per_hour = rng.uniform(1, 2)
            for person in slices[i]:
                path = api_path(person) if api else profile_path(person)
                c.send(t, path, referer=referer, accept=accept)
                t += rng.uniform(0.7, 1.3) / per_hour * HOUR


def headless_harvester(world: World) -> None:
    """Headless Chrome (declared or not) loading assets like a browser, pausing 3-20 s like a
    person, harvesting many profiles over hours."""
    plan = world.rng("plan:headless")
    for _ in range(_count(world, plan)):
        actor, rng = world.actor("headless")
        declared = rng.random() < 0.5
        agent = headless(rng, declared)
        language = (
            rng.choice(("en-US,en;q=0.9", "en-GB,en;q=0.9", None)) if declared else "en-US,en;q=0.9"
        )
        c = Client(
            world,
            actor,
            rng,
            _address(world, rng, 0.8),
            agent,
            language,
            lazy_images=rng.randint(4, 20),
            fetch_metadata=True,
        )
        if rng.random() < 0.3:  # logged in with an account of its own
            c.session = session_id(rng)
            c.account = world.new_username(rng)
            c.account_created = float(int(world.start - rng.uniform(2, 900) * DAY))
        pace = Pace(rng.uniform(3, 20), rng.uniform(0.3, 0.8))
        h = Harvester(
            world,
            c,
            rng,
            pace,
            _start(world, rng),
            rng.randint(800, 2500),
            shuffle=rng.random() < 0.3,
        )
        if rng.random() < 0.3:  # every /u/ link of the home page, the invisible ones too
            h.get("/")
            for path in _hidden_links(world)[:-1]:
                h.get(path, "", SITE_ORIGIN + "/")
        mode = rng.random()
        if mode < 0.5:
            h.lists(directory_pages(world, rng.randint(1, 10)))
        elif mode < 0.75:
            h.max_sent = 4 * h.budget
            h.searches((search_term(rng, world) for _ in range(10**6)), visit=1.0, max_pages=5)
        else:
            queue = deque([world.popular(rng)])
            while queue and not h.done:
                person = queue.popleft()
                if person.id in h.skip:
                    continue
                h.people([person], h.last_url)
                followers = h.get(
                    profile_path(person) + "/followers", "", url(profile_path(person))
                )
                h.last_url = url(profile_path(person) + "/followers")
                queue.extend(followers.people)
