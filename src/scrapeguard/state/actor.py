"""What scrapeguard remembers about one actor, and how one request updates it.

`ActorState.observe` is the only code that changes an actor's counters. It is pure: the time
is the event's own, so replaying a log gives the same state as seeing the traffic inline.
"""

from __future__ import annotations

import math
import sys
from array import array
from typing import Any, Final

from ..events import CAMPAIGN, SIGNATURE_CAMPAIGN, RequestEvent
from ..reasons import Words, words
from ..site import Access, Kind, looked_up

HOUR: Final = 3600.0
DAY: Final = 86400.0

# Bounded containers: an actor cannot grow our memory without limit.
MAX_EXACT_SUBJECTS = 20_000
MAX_NETWORKS = 16  # networks an account's `Reading` remembers
MAX_LISTED = 1000  # people shown on list pages an account's `Reading` remembers
MAX_WAITING = 60  # profiles an account's `Reading` keeps to judge once popularity is known
BLOOM_BITS: Final = 1 << 21
MAX_SMALL_SET: Final = 256
MAX_REASONS: Final = 8
LONG_PAUSE: Final = 60.0
#: Accounts younger than this count toward "accounts used from one address"; older ones are
#: established members.
NEW_ACCOUNT_AGE = 30 * 86400.0
#: An address used by this many established members is treated as shared.
SHARED_MEMBERS: Final = 3
#: Route kinds whose requests update the `Extra` counters.
COUNTED_ROUTES: Final = frozenset({Kind.SEARCH, Kind.LIST, Kind.LOOKUP, Kind.SIGNUP, Kind.LOGIN})
WINDOW_FROM: Final = 3  # distinct people from which an actor's hourly and daily windows are kept
#: Marks the key of a subject that was only listed (a subject shown in full is kept as is).
LISTED: Final = "\x00"
#: How one search term follows the one before in a walk (`_step`).
EXTENSION: Final = 1
SIBLING: Final = 2
NEW_STEM = 3
SHORT_TERM: Final = 3  # letters: a term this short is a probe, not a name
#: The counts a shared backend (`redis://`) keeps for every actor, in the order `adopt` takes.
SHARED_FIELDS: tuple[str, ...] = (
    "first",
    "last",
    "requests",
    "pages",
    "statics",
    "cookieless",
    "personal",
    "people",
    "profile_views",
    "profile_repeats",
    "distinct",
    "seen",
    "fresh",
    "people_hour",
    "people_day",
    "hour0",
    "hour1",
    "hour2",
    "day0",
    "day1",
    "day2",
    "lookups",
    "lookup_misses",
    "signups0",
    "signups1",
    "signups2",
    "logins0",
    "logins1",
    "logins2",
    "account_count",
    "member_count",
)


class Window:
    """A sliding-window counter: the fixed window that began at `start`, its count
    (`current`) and the count of the window before it (`previous`).

    Its estimate weighs the previous fixed window by how much of it still overlaps the
    sliding window ending now (the sliding-window counter approximation).
    """

    __slots__ = ("start", "current", "previous")

    def __init__(self, start: float = 0.0, current: float = 0.0, previous: float = 0.0) -> None:
        self.start = start
        self.current = current
        self.previous = previous

    def add(self, now: float, size: float, amount: float) -> float:
        """Add `amount` at `now` to a window `size` seconds long; return the estimate."""
        start = self.start
        if now >= start + size:
            self.previous = self.current if now < start + 2 * size else 0.0
            self.start = now - (now - start) % size if start else now
            self.current = 0.0
        self.current += amount
        # A request timed before the window began (a slow one, logged late) is in it wholly.
        overlap = min(1.0 - (now - self.start) / size, 1.0)
        return self.previous * max(overlap, 0.0) + self.current

    def value(self, now: float, size: float) -> float:
        """The estimate at `now`, without changing the window (a detector's read)."""
        return Window(self.start, self.current, self.previous).add(now, size, 0.0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Window) and (self.start, self.current, self.previous) == (
            other.start,
            other.current,
            other.previous,
        )

    def __repr__(self) -> str:
        return f"Window({self.start!r}, {self.current!r}, {self.previous!r})"


class Sketch:
    """Set membership for the subjects an actor has seen.

    Exact up to `MAX_EXACT_SUBJECTS` keys, then a Bloom filter: its rare false "already seen"
    answers only ever undercount, never overcount, what a scraper took.
    """

    __slots__ = ("keys", "bloom", "max_exact")

    def __init__(self, max_exact: int = MAX_EXACT_SUBJECTS) -> None:
        self.keys: set[str] | None = set()
        self.bloom: bytearray | None = None
        self.max_exact = max_exact

    def add(self, key: str) -> bool:
        """Add `key`; return True if it was not seen before."""
        keys = self.keys
        if keys is not None:
            if key in keys:
                return False
            keys.add(key)
            if len(keys) > self.max_exact:
                self._to_bloom(keys)
            return True
        return self._bloom_add(key)

    def has(self, key: str) -> bool:
        """Whether `key` was added (past the exact limit, rarely True for one that was not)."""
        keys = self.keys
        if keys is not None:
            return key in keys
        bloom = self.bloom
        assert bloom is not None
        h = hash(key)
        for i in range(3):
            bit = (h >> (i * 21)) % BLOOM_BITS
            if not bloom[bit >> 3] & (1 << (bit & 7)):
                return False
        return True

    def _to_bloom(self, keys: set[str]) -> None:
        self.bloom = bytearray(BLOOM_BITS // 8)
        self.keys = None
        for k in keys:
            self._bloom_add(k)

    def _bloom_add(self, key: str) -> bool:
        bloom = self.bloom
        assert bloom is not None
        h = hash(key)
        new = False
        for i in range(3):
            bit = (h >> (i * 21)) % BLOOM_BITS
            byte, mask = bit >> 3, 1 << (bit & 7)
            if not bloom[byte] & mask:
                bloom[byte] |= mask
                new = True
        return new


class Counted:
    """A weighted distinct count: how many people the distinct subjects stand for."""

    __slots__ = ("sketch", "total")

    def __init__(self, max_exact: int = MAX_EXACT_SUBJECTS) -> None:
        self.sketch = Sketch(max_exact)
        self.total = 0

    def add(self, key: str, weight: int) -> None:
        """Count `weight` people for `key` unless it was counted before."""
        if self.sketch.add(key):
            self.total += weight


def _added(seen: Sketch | str | None, key: str) -> tuple[Sketch | str, bool]:
    """Add `key` to an actor's subjects (None, one key as a plain string, or a Sketch): the
    subjects after, and whether `key` was new."""
    if seen is None:
        return key, True  # most actors only ever see one subject: a plain string holds it
    if isinstance(seen, str):
        if key == seen:
            return seen, False
        sketch = Sketch()
        sketch.add(seen)
        sketch.add(key)
        return sketch, True
    return seen, seen.add(key)


def _has(seen: Sketch | str | None, key: str) -> bool:
    """Whether an actor's subjects (as `_added` keeps them) hold `key`."""
    if seen is None:
        return False
    if isinstance(seen, str):
        return key == seen
    return seen.has(key)


class HeldReason:
    """The reason an actor holds for one rule: the strongest weight it fired with, in words."""

    __slots__ = ("rule", "weight", "reason")

    def __init__(self, rule: str, weight: float, reason: Words) -> None:
        self.rule = rule
        self.weight = weight
        self.reason = reason


class Extra:
    """Rarely needed counters, allocated only for actors that use search, lookup or sign-up."""

    __slots__ = (
        "short_terms",
        "walk",
        "siblings",
        "last_term",
        "max_page",
        "deep_pages",
        "last_page",
        "page_run",
        "max_run",
        "lookups",
        "lookup_misses",
        "signups",
        "logins",
        "accounts",
        "account_count",
    )

    def __init__(self) -> None:
        self.short_terms = 0
        self.walk = 0
        self.siblings = 0  # the current run of sibling terms (aa→ab→aq), see `_step`
        self.last_term = ""
        self.max_page = 0
        self.deep_pages = 0
        self.last_page = 0
        self.page_run = 0
        self.max_run = 0
        self.lookups = 0
        self.lookup_misses = 0
        # Sign-up and login windows (`Window`) and accounts seen, made on first use.
        self.signups: Window | None = None
        self.logins: Window | None = None
        self.accounts: set[str] | None = None
        self.account_count = 0


class Reading:
    """Whom an account reads: the profiles it first opened once the site's popularity was
    known (`state.popularity`), those of people in the long tail, the networks (at most
    `MAX_NETWORKS`) it opened them from, and, where the site names the people its list and
    search pages showed, the people recently shown to it (at most `MAX_LISTED`) and how many
    tail profiles it opened of people no page had shown it (meaningless once a page of people
    it opened named nobody: `unnamed`). Profiles it opened before popularity was known wait
    to be judged (`waiting`, at most `MAX_WAITING`)."""

    __slots__ = (
        "profiles",
        "tail",
        "networks",
        "unlisted",
        "listed",
        "listed_before",
        "unnamed",
        "waiting",
    )

    def __init__(self) -> None:
        self.profiles = 0
        self.tail = 0
        self.networks: list[str] = []
        self.unlisted = 0
        self.listed = array("I")
        self.listed_before = array("I")
        #: A list, search or lookup page whose people were not named reached the account.
        self.unnamed = False
        #: (person, network, whether no page had shown them) per profile opened before the
        #: site's popularity was known.
        self.waiting: list[tuple[str, str, bool]] | None = None

    def note(self, tail: int, network: str, unlisted: int = 0) -> None:
        """Count a profile first opened from `network` (`tail`: 1 if in the long tail;
        `unlisted`: 1 if also of a person no page had shown the account)."""
        self.profiles += 1
        self.tail += tail
        self.unlisted += unlisted
        networks = self.networks
        if len(networks) < MAX_NETWORKS and network not in networks:
            networks.append(network)

    def wait(self, subject: str, network: str, unlisted: bool) -> None:
        """Keep a profile opened before popularity was known, to be judged once it is."""
        waiting = self.waiting
        if waiting is None:
            waiting = self.waiting = []
        if len(waiting) < MAX_WAITING:
            waiting.append((subject, network, unlisted))

    def show(self, subject: str) -> None:
        """Remember that a list, search or lookup page showed `subject` to the account; the
        older half is forgotten when `MAX_LISTED` are remembered. Kept as 32-bit hashes, 4
        bytes each (a collision can only hide an unlisted profile, never invent one)."""
        listed = self.listed
        listed.append(hash(subject) & 0xFFFFFFFF)
        if len(listed) >= MAX_LISTED // 2:
            self.listed_before = listed
            self.listed = array("I")

    def was_shown(self, subject: str) -> bool:
        """Whether a page recently showed `subject` to the account."""
        h = hash(subject) & 0xFFFFFFFF
        return h in self.listed or h in self.listed_before


class ActorState:
    """Counters, windows and the last verdict for one actor key."""

    __slots__ = (
        "key",
        "first",
        "last",
        "requests",
        "pages",
        "statics",
        "personal",
        "profile_views",
        "profile_repeats",
        "people",
        "subjects",
        "distinct",
        "seen",
        "hour",
        "day",
        "seq_last",
        "seq_run",
        "seq_max",
        "gaps",
        "gap_mean",
        "gap_m2",
        "max_gap",
        "streak",
        "last_page",
        "cookieless",
        "referred",
        "errors",
        "extra",
        "peak",
        "held_reasons",
        "verdict",
        "read_robots",
        "listed",
        "members",
        "member_count",
        "bot",
        "account_created",
        "people_hour",
        "people_day",
        "fresh",
        "agent",
        "agent_changes",
        "kept",
        "aggregate",
        "campaign",
        "learned",
        "reading",
    )

    def __init__(self, key: str, now: float) -> None:
        self.key = key
        self.first = now
        self.last = now
        self.requests = 0
        self.pages = 0
        self.statics = 0
        self.personal = 0
        self.profile_views = 0
        self.profile_repeats = 0
        self.people = 0
        self.subjects: Sketch | str | None = None
        self.distinct = 0
        self.seen = 0.0
        self.hour: Window | None = None
        self.day: Window | None = None
        self.people_hour = 0.0
        self.people_day = 0.0
        self.seq_last = -1
        self.seq_run = 0
        self.seq_max = 0
        self.gaps = 0
        self.gap_mean = 0.0
        self.gap_m2 = 0.0
        self.max_gap = 0.0
        self.streak = 0
        self.last_page = 0.0
        self.cookieless = 0
        self.referred = 0
        self.errors = 0
        self.extra: Extra | None = None
        self.peak = 0
        #: At most one reason per rule (`note_reason`).
        self.held_reasons: list[HeldReason] | None = None
        self.fresh = 0
        self.agent = ""
        self.agent_changes = 0
        #: Requests for people's data that carried a session cookie: at an address, the
        #: reading of people who keep the site's cookie (per process, like `agent_changes`).
        self.kept = 0
        self.campaign = key.startswith(CAMPAIGN)
        self.aggregate = aggregates(key)
        self.verdict = "allow"
        self.read_robots = False
        self.listed = False  # whether `subjects` holds anyone only listed (`LISTED`)
        self.members: set[str] | None = None
        self.member_count = 0
        self.bot: str | None = None
        self.account_created: float | None = None
        #: The session model's last verdict: (pages when judged, its signals).
        self.learned: tuple[int, list[Any]] | None = None
        self.reading: Reading | None = None  # accounts only: see `detectors.long_tail`

    @property
    def distinct_people(self) -> int:
        """Distinct people whose data this actor received (each list page counted by size)."""
        return self.distinct

    @property
    def counted_people(self) -> float:
        """Distinct people as quotas count them: a person listed on a list or search page
        counts as its route's `counts_as` (a fraction), a profile as one."""
        return self.seen

    def more(self) -> Extra:
        """The rarely used counters, created on first use."""
        if self.extra is None:
            self.extra = Extra()
        return self.extra

    def observe(self, event: RequestEvent, access: Access, now: float) -> None:
        """Count one request; `fresh` becomes the number of people it disclosed that were new
        to this actor."""
        self.requests += 1
        if now > self.last:
            self.last = now
        elif now < self.first:
            self.first = now
        kind = access.kind
        self.fresh = 0
        if kind == Kind.STATIC:
            self.statics += 1
            if self.campaign:
                self.note_member(accounts_noted(self.key, event, access, now)[1])
            return
        self.pages += 1
        if kind == Kind.ROBOTS:
            self.read_robots = True
        if event.account is not None or self.campaign:
            account, member = accounts_noted(self.key, event, access, now)
            if account:
                self.note_account(account)
            if member:
                self.note_member(member)
        if self.aggregate:
            # A network or a campaign aggregates many clients: only what their rules read
            # (people, sign-ups, logins) is kept; rhythm, id order and user agents are per client.
            if kind == Kind.SIGNUP or kind == Kind.LOGIN:
                self._observe_route(event, access, now)
            if access.disclosures:
                self.fresh = self._disclose(access, now)
            return
        self._time_page(now)
        if event.headers is not None and event.session is None:
            self.cookieless += 1
        if event.referer:
            self.referred += 1
        if event.status >= 400:
            self.errors += 1
        if kind in COUNTED_ROUTES:
            self._observe_route(event, access, now)
        if access.disclosures:
            new = self._disclose(access, now)
            self.fresh = new
            if event.session is not None:
                self.kept += 1
            agent = event.user_agent
            # At an address, the client followed is the one that keeps no cookie: colleagues
            # who keep theirs interleave their browsers there, one person each.
            if agent != self.agent and (event.session is None or not self.key.startswith("ip:")):
                if self.agent:
                    self.agent_changes += 1
                self.agent = sys.intern(agent)  # one copy of each: each request brings its own
        number = access.subject_number
        if number is not None:
            # seq_run counts steps of 1-3 in one direction: positive up, negative down. The
            # first id (seq_last -1: ids are never negative) is no step, whatever its value.
            last = self.seq_last
            step = number - last if last >= 0 else 0
            run = self.seq_run
            if 0 < step <= 3 and run >= 0:
                run += 1
            elif -3 <= step < 0 and run <= 0:
                run -= 1
            else:
                run = 1 if 0 < step <= 3 else -1 if -3 <= step < 0 else 0
            self.seq_run = run
            if abs(run) > self.seq_max:
                self.seq_max = abs(run)
            self.seq_last = number

    def _disclose(self, access: Access, now: float) -> int:
        """Count what `access` disclosed; return the people it newly counted toward quotas.

        A person shown in full (a profile) counts one; a person only listed counts the route's
        `weight`. Being listed first does not make a profile free: its first full view counts
        one, so walking a listing's profiles costs what opening them directly costs. A person
        only listed is kept under `LISTED`, so that an actor that only opens profiles (the
        most) keeps one key per person.
        """
        self.personal += 1
        self.people += access.people
        full = access.weight >= 1.0
        new = counted = 0
        seen = self.subjects
        for d in access.disclosures:
            if full:  # kept as the subject itself
                seen, first = _added(seen, d.subject)
                if first:
                    counted += d.people
                    if not self.listed or not _has(seen, LISTED + d.subject):
                        new += d.people
            elif not _has(seen, d.subject):  # a listed person, unless seen in full before
                seen, first = _added(seen, LISTED + d.subject)
                if first:
                    self.listed = True
                    counted += d.people
                    new += d.people
        self.subjects = seen
        if access.kind == Kind.PERSON:
            self.profile_views += 1
            if not counted:  # opened in full before; a person only listed before is no repeat
                self.profile_repeats += 1
        self.distinct += new
        if counted:
            amount = counted * access.weight  # listed people count toward quotas as a fraction
            self.seen += amount
            hour, day = self.hour, self.day
            if hour is None or day is None:
                if self.distinct < WINDOW_FROM:
                    # Too few people to matter for any quota; windows start (seeded with
                    # everyone seen so far) once they could, which keeps most actors small.
                    self.people_hour = self.people_day = self.seen
                    return counted
                hour = self.hour = Window(now, self.seen - amount)
                day = self.day = Window(now, self.seen - amount)
            self.people_hour = hour.add(now, HOUR, amount)
            self.people_day = day.add(now, DAY, amount)
        return counted

    def adopt(self, shared: list[float]) -> None:
        """Take the counts that a shared backend holds for this actor, summed over every
        process, in the order of `SHARED_FIELDS` (a window not started yet starts at 0).
        What depends on the order of one client's requests (rhythm, id runs, paging and search
        walks, user agent changes) stays as this process saw it."""
        v = shared
        self.first = min(self.first, v[0])
        self.last = max(self.last, v[1])
        self.requests = int(v[2])
        self.pages = int(v[3])
        self.statics = int(v[4])
        self.cookieless = int(v[5])
        self.personal = int(v[6])
        self.people = int(v[7])
        self.profile_views = int(v[8])
        self.profile_repeats = int(v[9])
        self.distinct = int(v[10])
        self.seen = v[11]
        self.fresh = int(v[12])
        self.people_hour = v[13]
        self.people_day = v[14]
        self.hour = _window(v[15], v[16], v[17])
        self.day = _window(v[18], v[19], v[20])
        if any(v[21:30]):
            x = self.more()
            x.lookups = int(v[21])
            x.lookup_misses = int(v[22])
            if any(v[23:26]):
                x.signups = Window(v[23], v[24], v[25])
            if any(v[26:29]):
                x.logins = Window(v[26], v[27], v[28])
            x.account_count = int(v[29])
        self.member_count = int(v[30])

    def _time_page(self, now: float) -> None:
        last = self.last_page
        if not last:
            self.last_page = now
            return
        gap = now - last
        if gap < 0:  # a slow request logged late: the pace is measured from the latest page
            return
        self.last_page = now
        if gap > self.max_gap:
            self.max_gap = gap
        if gap >= LONG_PAUSE:
            self.streak = 0
            return
        self.streak += 1
        self.gaps += 1
        delta = gap - self.gap_mean
        self.gap_mean += delta / self.gaps
        self.gap_m2 += delta * (gap - self.gap_mean)

    def _observe_route(self, event: RequestEvent, access: Access, now: float) -> None:
        """Count what search, list, lookup, sign-up and login requests reveal."""
        kind = access.kind
        x = self.more()
        if kind == Kind.SEARCH or kind == Kind.LIST:
            if access.page > x.max_page:
                x.max_page = access.page
            if access.page > 1:
                x.deep_pages += 1
            # Runs of next-page steps: a walk through the listing, not a jump to its last page.
            step = access.page > 1 and access.page == x.last_page + 1
            x.page_run = x.page_run + 1 if step else 0
            x.last_page = access.page
            if x.page_run > x.max_run:
                x.max_run = x.page_run
            term = access.term or ""
            if kind == Kind.SEARCH and term and term != x.last_term:
                if len(term) <= SHORT_TERM:
                    x.short_terms += 1
                how = _step(x.last_term, term)
                if how in (EXTENSION, SIBLING):
                    x.walk += 1
                if how == SIBLING:
                    x.siblings += 1
                elif not how:
                    x.siblings = 0
                x.last_term = term
        elif kind == Kind.LOOKUP:
            if looked_up(access, event.status):
                x.lookups += 1
                if access.miss:
                    x.lookup_misses += 1
        elif access.attempt:  # a sign-up or login attempt
            if kind == Kind.SIGNUP:
                if x.signups is None:
                    x.signups = Window()
                x.signups.add(now, DAY, 1)
            else:
                if x.logins is None:
                    x.logins = Window()
                x.logins.add(now, DAY, 1)

    def note_member(self, member: str) -> None:
        """An established account (older than `NEW_ACCOUNT_AGE`) used this address; for a
        campaign, one of its client addresses loaded page assets."""
        members = self.members
        if members is None:
            members = self.members = set()
        if len(members) < (MAX_SMALL_SET if self.campaign else SHARED_MEMBERS):
            members.add(member)
            self.member_count = len(members)

    @property
    def shared_by_members(self) -> bool:
        """Several established accounts use this address: an office or a household, not one
        client (a farm's accounts are new)."""
        return self.member_count >= SHARED_MEMBERS

    def note_reason(self, rule: str, weight: float, reason: Words) -> None:
        """Keep `reason` for `rule` unless a stronger one is held; at most `MAX_REASONS`
        rules are kept, the weakest going first."""
        held = self.held_reasons
        if held is None:  # a list, not a dict: most actors that have any have one or two
            self.held_reasons = [HeldReason(rule, weight, reason)]
            return
        for h in held:
            if h.rule == rule:
                if weight >= h.weight:  # updated in place: rules fire again and again
                    h.weight = weight
                    h.reason = reason
                return
        held.append(HeldReason(rule, weight, reason))
        if len(held) > MAX_REASONS:  # the weakest goes (the first held, of equals)
            weakest, low = 0, math.inf
            for i, h in enumerate(held):
                if h.weight < low:
                    weakest, low = i, h.weight
            del held[weakest]

    def reasons(self) -> list[str]:
        """The reasons held for this actor, strongest first."""
        held = self.held_reasons
        if not held:
            return []
        written = [(h.weight, words(h.reason)) for h in held]
        return [reason for _, reason in sorted(written, reverse=True)]

    def note_account(self, account: str) -> None:
        """Remember that `account` was used from this actor (bounded)."""
        x = self.more()
        accounts = x.accounts
        if accounts is None:
            accounts = x.accounts = set()
        if len(accounts) < MAX_SMALL_SET:
            accounts.add(account)
            x.account_count = len(accounts)

    @property
    def gap_cv(self) -> float:
        """Coefficient of variation of the gaps between page requests (inf when unknown)."""
        if self.gaps < 2 or self.gap_mean <= 0:
            return math.inf
        return math.sqrt(self.gap_m2 / (self.gaps - 1)) / self.gap_mean


def aggregates(key: str) -> bool:
    """Whether actor `key` stands for many clients (a network, a campaign): only its people,
    sign-ups, logins and clients are counted, not what depends on one client's habits."""
    return key.startswith(("net:", CAMPAIGN))


def accounts_noted(key: str, event: RequestEvent, access: Access, now: float) -> tuple[str, str]:
    """(account, member) that a request makes actor `key` remember ("" for none).

    An account is remembered by the device it is used from, and by any actor it signs up or
    logs in from while new (or of unknown age): a farm creates accounts, an office full of
    colleagues logging in brings old ones. An established account is remembered as a member
    of the address it is used from. A campaign remembers its clients in place of accounts
    (the addresses of a signature campaign, the accounts of a new-accounts campaign), and in
    place of members the addresses that load page assets (static requests). Other actors
    remember nothing from a static request.
    """
    static = access.kind == Kind.STATIC
    if key.startswith(CAMPAIGN):
        if static:
            return "", event.ip
        client = event.ip if key.startswith(SIGNATURE_CAMPAIGN) else event.account
        return client or "", ""
    account = event.account
    if account is None or static:
        return "", ""
    created = event.account_created
    new = created is None or now - created < NEW_ACCOUNT_AGE
    noted = account if key.startswith("device:") or (new and access.attempt) else ""
    member = account if not new and key.startswith("ip:") else ""
    return noted, member


def _window(start: float, current: float, previous: float) -> Window | None:
    return Window(start, current, previous) if start else None


def _step(previous: str, term: str) -> int:
    """How `term` follows `previous` in a walk through the search box: `SIBLING` for the same
    term but its last letter (aa→ab, in any order, as a walk over a shuffled alphabet goes:
    ab→aq→ac), `EXTENSION` for a letter added (ab→abc) or a step back up to the next sibling
    of a shorter term (abz→ac), `NEW_STEM` for a short probe of the same length on another
    stem (cz→da, ff→mm: the walk goes on there), else 0: not a step of a walk."""
    if not previous:
        return 0
    if len(term) == len(previous) + 1 and term.startswith(previous):
        return EXTENSION
    if term == previous:
        return 0
    if not previous.startswith(term[:-1]):
        return NEW_STEM if len(term) == len(previous) <= SHORT_TERM else 0
    if len(term) == len(previous):
        return SIBLING
    return EXTENSION if term > previous else 0  # back up a level: abz→ac
