"""The simulator's shared machinery: records, the world one run builds, and clients.

A `World` holds what every actor shares (the site oracle, address sources, popularity, the
usernames taken) and collects the requests. A `Client` is one program or browser of one actor:
it sends requests with its address, headers, cookie and login, and, when it is a browser, loads
each page's assets after it. Every actor draws from its own `random.Random`, seeded from the
run's seed and the actor's id; nothing uses the global random state.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from .people import DAY, Directory, Person
from .traffic_agents import Agent
from .traffic_net import Networks
from .traffic_site import FAVICON, SCRIPT, STYLESHEET, Response, Site, url

HOUR = 3600.0


@dataclass(slots=True)
class SimRequest:
    """One simulated request and the site's answer to it."""

    time: float
    actor: str
    ip: str
    method: str
    path: str
    query: str
    user_agent: str
    referer: str
    accept: str
    accept_language: str | None
    session: str | None
    account: str | None
    account_created: float | None
    status: int
    bytes: int
    #: Sent by a browser engine, which adds fetch metadata (Sec-Fetch-*) in live mode.
    fetch_metadata: bool = False
    #: The ids of the people the response showed (none for an empty search, a miss, a form).
    shown: tuple[int, ...] = ()
    #: For a page of people, the usernames it listed: what the site reports as disclosed
    #: (`Protection.disclose`), which only the site can say. None for other pages.
    listed: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Ground truth about one actor: its class, its human group, its campaign."""

    id: str
    cls: str
    group: str | None = None
    campaign: str | None = None


#: Activity by local hour of people at leisure (evening peak) and at work.
LEISURE = (
    0.35, 0.2, 0.12, 0.08, 0.06, 0.07, 0.15, 0.35, 0.55, 0.6, 0.6, 0.65,
    0.75, 0.7, 0.6, 0.6, 0.65, 0.75, 0.85, 0.95, 1.0, 0.95, 0.8, 0.55,
)  # fmt: skip
WORK = (
    0, 0, 0, 0, 0, 0, 0, 0.05, 0.4, 1.0, 1.0, 1.0,
    0.5, 0.8, 1.0, 1.0, 0.9, 0.5, 0.15, 0.05, 0, 0, 0, 0,
)  # fmt: skip
_LEISURE_CUM = list(accumulate(LEISURE))
_WORK_CUM = list(accumulate(WORK))


class World:
    """One simulation run: shared state and the requests collected so far."""

    def __init__(
        self, directory: Directory, seed: int, start: float, hours: float, scale: float
    ) -> None:
        self.directory = directory
        self.seed = seed
        self.start = start
        self.end = start + hours * HOUR
        self.scale = scale
        self.site = Site(directory)
        self.net = Networks()
        self.requests: list[SimRequest] = []
        self.actors: dict[str, Actor] = {}
        self._numbers: dict[str, int] = {}
        plan = self.rng("plan")
        ranked = list(directory.people)
        plan.shuffle(ranked)
        self._ranked = ranked
        self._popularity = list(accumulate(1.0 / (rank + 3) for rank in range(len(ranked))))
        self._taken: set[str] = set(directory.by_username)
        self._members: set[str] = set()

    @property
    def span(self) -> float:
        """Simulated seconds."""
        return self.end - self.start

    def rng(self, name: str) -> random.Random:
        """A random stream of its own for `name`, the same for the same seed."""
        return random.Random(f"scrapeguard-traffic:{self.seed}:{name}")

    def count(self, n: float, low: int = 1) -> int:
        """`n` actors at scale 1.0, scaled (at least `low`)."""
        return max(low, round(n * self.scale))

    def actor(
        self, cls: str, group: str | None = None, campaign: str | None = None
    ) -> tuple[str, random.Random]:
        """Register a new actor of `cls`; its id and its random stream."""
        number = self._numbers.get(cls, 0) + 1
        self._numbers[cls] = number
        actor_id = f"{cls}-{number}"
        self.actors[actor_id] = Actor(actor_id, cls, group, campaign)
        return actor_id, self.rng("actor:" + actor_id)

    def campaign(self, cls: str) -> str:
        """A new campaign id of `cls`."""
        key = "campaign:" + cls
        number = self._numbers.get(key, 0) + 1
        self._numbers[key] = number
        return f"{cls}-c{number}"

    def popular(self, rng: random.Random) -> Person:
        """Someone people look at, Zipf-like: a few people are looked at a lot."""
        r = rng.random() * self._popularity[-1]
        return self._ranked[bisect_right(self._popularity, r)]

    def member(self, rng: random.Random, older_than: float = 0.0) -> tuple[str, float]:
        """The account of a directory member no other actor uses, created at least `older_than`
        seconds before the window (either wish is dropped when no member fits it); the site
        knows accounts by username."""
        people = self.directory.people
        tries = 0
        while True:
            person = people[int(rng.random() * len(people))]
            tries += 1
            if tries < 500 and person.username in self._members:
                continue
            if tries < 1000 and person.created > self.start - older_than:
                continue
            self._members.add(person.username)
            return person.username, float(int(person.created))

    def new_username(self, rng: random.Random) -> str:
        """A username nobody has: no member's, none handed out before in this run."""
        people = self.directory.people
        while True:
            first, *_, last = people[int(rng.random() * len(people))].name.lower().split()
            first, last = _plain(first), _plain(last) or "x"
            if not first:
                continue
            pattern = rng.randrange(5)
            if pattern == 0:
                name = f"{first}.{last[0]}{rng.randint(1, 99)}"
            elif pattern == 1:
                name = f"{first}{last}{rng.randint(1, 999)}"
            elif pattern == 2:
                name = f"{first[0]}{last}{rng.randint(1960, 2008)}"
            elif pattern == 3:
                name = f"{first}_{last}{rng.choice(('', '_', 'x'))}{rng.randint(0, 99)}"
            else:
                name = f"{first}{rng.randint(100, 99999)}"
            name = name[:30]
            if len(name) >= 3 and name not in self._taken:
                self._taken.add(name)
                return name

    def day_times(
        self, rng: random.Random, per_day: float, tz_hours: float, work: bool = False
    ) -> list[float]:
        """Start times in the window of a person's visits, `per_day` a day on average, by the
        activity of their local hour (leisure or working hours, weekdays only)."""
        out: list[float] = []
        cum = _WORK_CUM if work else _LEISURE_CUM
        offset = tz_hours * HOUR
        first_day = math.floor((self.start + offset) / DAY)
        last_day = math.floor((self.end + offset) / DAY)
        for day in range(first_day, last_day + 1):
            if work and (day + 3) % 7 >= 5:  # 1970-01-01 was a Thursday
                continue
            whole = int(per_day)
            n = whole + (1 if rng.random() < per_day - whole else 0)
            for _ in range(n):
                hour = bisect_right(cum, rng.random() * cum[-1])
                t = day * DAY - offset + (hour + rng.random()) * HOUR
                if self.start <= t < self.end:
                    out.append(t)
        out.sort()
        return out

    def days(self, tz_hours: float, weekdays: bool = False) -> list[float]:
        """Local midnights (as epoch seconds) of the days the window touches in a time zone."""
        offset = tz_hours * HOUR
        first = math.floor((self.start + offset) / DAY)
        last = math.floor((self.end + offset) / DAY)
        return [
            day * DAY - offset
            for day in range(first, last + 1)
            if not (weekdays and (day + 3) % 7 >= 5)  # 1970-01-01 was a Thursday
        ]

    def finish(self) -> tuple[list[SimRequest], dict[str, Actor]]:
        """Requests inside the window in time order, and the actors that made any."""
        kept = [r for r in self.requests if self.start <= r.time < self.end]
        kept.sort(key=lambda r: r.time)
        seen = {r.actor for r in kept}
        return kept, {k: a for k, a in self.actors.items() if k in seen}


@dataclass(frozen=True, slots=True)
class Pace:
    """An automated client's gaps between requests: log-normal around `mean` seconds with
    spread `sigma`, plus a pause every `pause_every` requests (0: never)."""

    mean: float
    sigma: float
    pause_every: int = 0
    pause: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def draw(cls, rng: random.Random, low: float, high: float, sigma: float = 0.6) -> Pace:
        """A pace with its mean in [low, high] s and randomised regularity and pauses."""
        every = rng.randint(50, 600) if rng.random() < 0.4 else 0
        return cls(rng.uniform(low, high), rng.uniform(0.03, sigma), every, (5.0, 240.0))

    def gap(self, rng: random.Random, n: int) -> float:
        """The gap after the `n`-th request."""
        gap = self.mean * math.exp(rng.gauss(0.0, self.sigma) - self.sigma * self.sigma / 2)
        if self.pause_every and n % self.pause_every == 0:
            gap += rng.uniform(*self.pause)
        return gap


def _plain(word: str) -> str:
    """`word` with only what a username may hold."""
    return "".join(c for c in word if c.isascii() and (c.isalnum() or c in "-"))


def think(rng: random.Random, median: float, sigma: float, cap: float = 900.0) -> float:
    """A log-normal pause around `median` seconds."""
    return min(cap, median * math.exp(rng.gauss(0.0, sigma)))


def session_id(rng: random.Random) -> str:
    """A session cookie value."""
    return f"{rng.getrandbits(128):032x}"


#: How much of a page's assets a browser loads: none, stylesheet and script, or all
#: (including avatars, lazily: the first `lazy_images` of a list).
ASSETS_NONE = 0
ASSETS_LIGHT = 1
ASSETS_FULL = 2


@dataclass(slots=True)
class Client:
    """One browser or program of one actor, and the state it keeps between requests."""

    world: World
    actor: str
    rng: random.Random
    ip: str
    agent: Agent
    accept_language: str | None
    assets: int = ASSETS_FULL
    lazy_images: int = 12
    session: str | None = None
    account: str | None = None
    account_created: float | None = None
    images: set[int] = field(default_factory=set)
    favicon: bool = False
    #: A browser engine (a person's browser, a driven or headless one), not a program that
    #: only borrows a browser's user agent: it sends fetch metadata.
    fetch_metadata: bool = False

    def send(
        self,
        t: float,
        path: str,
        query: str = "",
        *,
        referer: str = "",
        accept: str | None = None,
    ) -> Response:
        """Send one GET at `t` with the client's cookie and login; record it."""
        response = self.world.site.respond("GET", path, query, viewer=self.account)
        self._record(t, "GET", path, query, referer, accept, response)
        return response

    def _record(
        self,
        t: float,
        method: str,
        path: str,
        query: str,
        referer: str,
        accept: str | None,
        response: Response,
    ) -> None:
        self.world.requests.append(
            SimRequest(
                round(t, 3),
                self.actor,
                self.ip,
                method,
                path,
                query,
                self.agent.user_agent,
                referer,
                self.agent.page_accept() if accept is None else accept,
                self.accept_language,
                self.session,
                self.account,
                self.account_created,
                response.status,
                response.bytes,
                self.fetch_metadata,
                tuple([p.id for p in response.people]),
                tuple([p.username for p in response.people]) if response.listing else None,
            )
        )

    def page(
        self,
        t: float,
        path: str,
        query: str = "",
        *,
        referer: str = "",
    ) -> tuple[Response, float]:
        """Load a page and (a browser) its assets; the response and when loading ended."""
        response = self.send(t, path, query, referer=referer)
        if self.assets == ASSETS_NONE:
            return response, t
        return response, self.load_assets(t, url(path, query), response)

    def load_assets(self, t: float, page_url: str, response: Response) -> float:
        """Request a page's stylesheet, script, favicon and avatars just after it."""
        rng, end = self.rng, t
        wanted = [STYLESHEET, SCRIPT]
        if self.assets == ASSETS_FULL:
            if not self.favicon:
                self.favicon = True
                wanted.append(FAVICON)
            for person in response.people[: self.lazy_images]:
                avatar = person.id % 64
                if avatar not in self.images:
                    self.images.add(avatar)
                    wanted.append(person.photo)
        for i, asset in enumerate(wanted):
            when = t + (0.02 + rng.random() * 0.3 if i < 2 else 0.1 + rng.random() * 0.8)
            self.send(when, asset, referer=page_url, accept=self.agent.asset_accept(asset))
            end = max(end, when)
        return end

    def new_visit(self, keep_session: bool) -> None:
        """A new visit: the image cache is cold again; the cookie stays if `keep_session`."""
        self.images = set()
        self.favicon = False
        if not keep_session:
            self.session = None
            self.account = None
            self.account_created = None

    def login(
        self, t: float, account: str, created: float, referer: str, ok: bool = True
    ) -> Response:
        """POST /login; on success the site rotates the session and knows the account."""
        form = {"username": account, "ok": "1" if ok else "0"}
        response = self.world.site.respond("POST", "/login", viewer=self.account, form=form)
        if response.status == 303:
            self.account, self.account_created = account, created
        self._record(t, "POST", "/login", "", referer, None, response)
        if response.status == 303:
            self.session = session_id(self.rng)
        return response

    def signup(self, t: float, username: str, referer: str) -> Response:
        """POST /signup for `username`; on success a new account, created now, logged in."""
        form = {"username": username}
        response = self.world.site.respond("POST", "/signup", viewer=self.account, form=form)
        if response.status == 303:
            self.account = username
            self.account_created = float(int(t))
        self._record(t, "POST", "/signup", "", referer, None, response)
        if response.status == 303:
            self.session = session_id(self.rng)
        return response
