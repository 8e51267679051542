"""`Guard`: the one place where a request becomes a decision.

The flow is always the same, whether the request comes from the middleware, the forward-auth
service or a log replay: classify the route, derive the actor keys, count the request in the
actors' state (one batched call), run the detectors, score, apply the policy. The engine does
no I/O; time is the event's own, stamped by the caller from its clock.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from mypy_extensions import mypyc_attr

from .detectors import Context, Detector, Signal
from .detectors.base import plural, rounded, thousands
from .detectors.goodbots import worse_bot
from .detectors.long_tail import LongTail
from .enforce.breaker import Breaker, Trip
from .enforce.lists import ListEntry
from .events import (
    CAMPAIGN,
    SIGNATURE_CAMPAIGN,
    STACK_CAMPAIGN,
    ActorKind,
    RequestEvent,
    campaign_key,
    fingerprint_of,
    ipv6_prefixes,
    network_of,
    stack_key,
)
from .policy import RANK, Limit, Policy
from .reasons import Later, Words, words
from .site import LISTING_KINDS, PEOPLE_KINDS, Access, Kind, SiteModel
from .state import MemoryState
from .state.actor import ActorState
from .state.popularity import Popularity

NO_TAGS: Final[frozenset[str]] = frozenset()
BLOCK_RANK: Final = RANK["block"]
CAP_RANK: Final = RANK["cap"]
CHALLENGE_RANK: Final = RANK["challenge"]
#: Counter names of each action: (issued, simulated).
ACTION_COUNTERS: Final = {a: (f"action/{a}/issued", f"action/{a}/simulated") for a in RANK}
WARM_UP_ADDRESS = "192.0.2.1"
WARM_UP_CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SIGNATURE_KINDS: Final = PEOPLE_KINDS | {Kind.STATIC}
#: The rule of the weightless signal that says why looks acted (`Guard._told`).
TELLS_RULE = "policy/traits-act-after"
#: Page assets count as seen until this many pages went by with fewer than one asset request
#: per `ASSET_PAGES` pages: then they are served from elsewhere (a CDN) and reach no one here.
ASSETS_CHECKED_AFTER: Final = 500
ASSET_PAGES: Final = 100
#: Addresses `Guard._address` remembers (then it starts again).
MAX_REMEMBERED_ADDRESSES: Final = 100_000
#: The IPv6 networks an address is counted in, narrowest first (/64 is its `net:` key).
IPV6_WIDTHS: Final = (64, 56, 48)


@dataclass(slots=True)
class Decision:
    """What to do about one request, and why.

    `action` is what the full policy reaches; `enforced` is what to actually do (`allow` in
    shadow mode, or a weaker action when only shadowed rules reached `action`); `simulated`
    says the two differ. `key` is the actor the decision applies to (`ip:203.0.113.9`).
    `reasons` are put into words when read (`why` holds them as given: see `scrapeguard.reasons`).
    """

    action: str
    scope: str
    key: str
    ttl: float
    origin: str
    why: tuple[Words, ...]
    score: int
    simulated: bool
    enforced: str
    time: float

    def __init__(
        self,
        action: str,
        scope: str,
        key: str,
        ttl: float,
        origin: str,
        why: tuple[Words, ...],
        score: int,
        simulated: bool,
        enforced: str,
        time: float,
    ) -> None:
        # Written out: mypyc compiles this one, not the one @dataclass would generate.
        self.action = action
        self.scope = scope
        self.key = key
        self.ttl = ttl
        self.origin = origin
        self.why = why
        self.score = score
        self.simulated = simulated
        self.enforced = enforced
        self.time = time

    def values(self) -> tuple[Any, ...]:
        """The arguments that make this decision again, its reasons in words (to send it to
        another process, or another node)."""
        return (
            self.action,
            self.scope,
            self.key,
            self.ttl,
            self.origin,
            self.reasons,
            self.score,
            self.simulated,
            self.enforced,
            self.time,
        )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return Decision, self.values()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decision) and self.values() == other.values()

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why, in words: the strongest reason first."""
        return tuple([words(r) for r in self.why])

    @property
    def value(self) -> str:
        """The actor the decision applies to, without its kind (`203.0.113.9`)."""
        return self.key.partition(":")[2]

    @property
    def expires(self) -> float:
        """When the decision stops applying (event time)."""
        return self.time + self.ttl

    @property
    def rank(self) -> int:
        """Strength of the enforced action, for picking the strongest of several."""
        return RANK[self.enforced]

    @property
    def reference(self) -> str:
        """A short id to show the visitor instead of the private reasons."""
        raw = f"{self.key}|{self.time:.3f}|{self.origin}".encode()
        return hashlib.blake2b(raw, digest_size=6).hexdigest()


ALLOW: Final = Decision("allow", "", "", 0.0, "default/allow", (), 0, False, "allow", 0.0)


class Address:
    """What the engine knows about one client address: its actor keys (itself, its /24, or
    its /64, /56 and /48: a subscriber's and a site's IPv6 prefixes) and, once asked, the
    tags of the networks it belongs to."""

    __slots__ = ("keys", "origin")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.origin: frozenset[str] | None = None


class Tally:
    """A count kept in place: a dict of counts boxes a new integer at every hit."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class NetworkInfo:
    """What the engine needs to know about addresses and crawlers (`PublishedNetworkInfo`
    answers from the shipped range lists). A base class, not a protocol, so that the compiled
    engine calls it directly; this base knows nothing."""

    def origin(self, ip: str) -> frozenset[str]:
        """Tags of the networks `ip` belongs to (`shared:*`, `datacenter`, `vpn`, `tor`)."""
        return NO_TAGS

    def crawler(self, user_agent: str, ip: str, now: float) -> Any:
        """A crawler verdict (with `status` and `reason`) or None for non-crawlers."""
        return None


@mypyc_attr(allow_interpreted_subclasses=True)
class NoNetworkInfo(NetworkInfo):
    """Knows nothing about networks or crawlers (for tests of other parts)."""


@mypyc_attr(allow_interpreted_subclasses=True)
class Guard:
    """Decides on requests: the engine shared by every integration and by log replay."""

    def __init__(
        self,
        site: SiteModel | None = None,
        policy: Policy | None = None,
        state: MemoryState | None = None,
        network: NetworkInfo | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.site = site if site is not None else SiteModel.default()
        self.policy = policy if policy is not None else Policy()
        self.state = state if state is not None else MemoryState()
        self.network = network if network is not None else _default_network(self.site)
        # Build the address and crawler tables now, not on the first request: inline, a
        # decision that takes longer than its time budget is not enforced.
        self.network.origin(WARM_UP_ADDRESS)
        self.network.crawler(WARM_UP_CRAWLER, WARM_UP_ADDRESS, 0.0)
        self.clock = clock
        self.detectors = self.policy.build_detectors(self.site.directory_size)
        campaign = next((d for d in self.detectors if d.name == "campaign"), None)
        self._young = None if campaign is None else float(campaign.settings.young)
        tail = next((d for d in self.detectors if isinstance(d, LongTail)), None)
        #: Site-wide attention per person, while the long-tail detector is on (per process).
        self.popularity = (
            None
            if tail is None
            else Popularity(
                tail.settings.head, int(tail.settings.ready_after), tail.settings.half_life
            )
        )
        if tail is not None:
            tail.popularity = self.popularity
        self._traits = frozenset(f"{d.name}/{r}" for d in self.detectors for r in d.traits)
        self._tells = frozenset(f"{d.name}/{r}" for d in self.detectors for r in d.tells)
        self._tells_after = self.policy.traits_act_after
        first = min((t.score for t in self.policy.thresholds), default=100.0)
        self._trait_cap = 100.0 if self.policy.traits_act_alone else max(0.0, first - 1.0)
        self._dispatch = {kind: self._detectors_for(kind) for kind in Kind.ALL}
        self._counts: dict[str, Tally] = {}  # see `counters`
        self.alerts: list[Trip] = []
        self._pages = 0
        self._statics = 0
        self._addresses: dict[str, Address] = {}  # see `_address`
        self._hits: dict[str, Tally] = {}  # signals raised, by rule (see `counters`)
        self._unverified: dict[str, Tally] = {}  # by crawler operator (see `needs_ranges`)
        self._enforce = self.policy.mode == "enforce"
        self.blocklist = self.policy.blocklist
        self.allowlist = self.policy.allowlist
        self.state.attach_lists(self.blocklist, self.allowlist)
        b = self.policy.breaker
        self.breaker = Breaker(b.factor, b.bucket, b.history, b.min_blocks) if b.enabled else None

    def block(
        self, value: str, *, kind: str = "ip", expires: float | None = None, reason: str = ""
    ) -> ListEntry:
        """Put an address, a range or (kind `account`) an account on the blocklist until
        `expires` (epoch seconds; None: until unblocked), in this process and, with shared
        state, on every node within a second. Raises ValueError for an invalid value, and
        ScrapeguardError when the shared state cannot be reached."""
        entry = self.blocklist.add(value, kind=kind, expires=expires, reason=reason, now=self.now())
        self.state.share_list(self.blocklist.name, kind, entry.value, entry)
        return entry

    def unblock(self, value: str, *, kind: str = "ip") -> bool:
        """Take `value` off the blocklist, as given to `block`, here and on every node; False
        when this process did not have it."""
        value = self.blocklist.normalise(value, kind=kind)
        found = self.blocklist.remove(value, kind=kind)
        self.state.share_list(self.blocklist.name, kind, value, None)
        return found

    def now(self) -> float:
        """The current time by the injected clock, for integrations stamping new events."""
        return self.clock()

    @property
    def assets_seen(self) -> bool:
        """Whether the site's page assets (images, styles, scripts) reach scrapeguard. When
        they do not (a CDN serves them), every browser looks like a client that loads none,
        so the rules that read asset loading (bare signature campaigns, no assets, the session
        model) stand down."""
        return self._pages < ASSETS_CHECKED_AFTER or self._statics * ASSET_PAGES >= self._pages

    def decide(self, event: RequestEvent) -> Decision:
        """Count `event`, evaluate it and return the decision for it."""
        return self.evaluate(event)[1]

    def held(self, event: RequestEvent) -> Decision:
        """The decision already in force against the actors of `event` (the access lists, then
        decisions recorded earlier), without counting `event`: what an integration checks
        before the app runs."""
        now = event.time
        if self.blocklist or self.allowlist:
            listed = self._listed(event, now)
            if listed is not None:
                return listed
        if not self.state.decisions:
            return ALLOW
        # No detector scores the fingerprint actor, so no decision is held against it yet.
        crawler = self.network.crawler(event.user_agent, event.ip, now)
        keys = self._keys(event, self.site.classify(event).kind, crawler, False)[0]
        ip = self.state.get(keys[0])
        return self._held(keys, now, event.account is not None, ip, counted=False)

    def evaluate(self, event: RequestEvent) -> tuple[Access, Decision]:
        """Like `decide`, also returning what the site model says the request touched."""
        return self._evaluate(event, self.site.classify(event))

    def evaluate_all(
        self, events: Iterable[RequestEvent], batch: int = 256
    ) -> Iterator[tuple[RequestEvent, Access, Decision]]:
        """`evaluate` every one of `events`, in order (log replay); yields each event with
        what it touched and its decision. A shared state backend counts each `batch` of
        requests in one round trip, the next batch travelling while this one is decided."""
        if not self.state.shared:
            for event in events:
                access, decision = self._evaluate(event, self.site.classify(event))
                yield event, access, decision
            return
        ahead: list[tuple[RequestEvent, Access]] = []
        chunk: list[tuple[RequestEvent, Access]] = []
        for event in events:
            chunk.append((event, self.site.classify(event)))
            if len(chunk) >= batch:
                self.state.prefetch([(self._counted_keys(e, a), e, a, e.time) for e, a in chunk])
                for e, a in ahead:
                    yield (e, *self._evaluate(e, a))
                ahead, chunk = chunk, []
        self.state.prefetch([(self._counted_keys(e, a), e, a, e.time) for e, a in chunk])
        for e, a in ahead + chunk:
            yield (e, *self._evaluate(e, a))

    def _counted_keys(self, event: RequestEvent, access: Access) -> list[str]:
        """The actor keys `_evaluate` counts `event` under."""
        if (self.blocklist or self.allowlist) and self._listed(event, event.time) is not None:
            return self._listed_keys(event)
        crawler = self.network.crawler(event.user_agent, event.ip, event.time)
        if access.kind == Kind.STATIC:
            return self._static_keys(event, crawler)
        return self._keys(event, access.kind, crawler)[0]

    def _listed_keys(self, event: RequestEvent) -> list[str]:
        ip_key = "ip:" + event.ip
        return [ip_key] if event.account is None else [ip_key, "account:" + event.account]

    def _static_keys(self, event: RequestEvent, crawler: Any) -> list[str]:
        keys = [self._address(event.ip).keys[0]]
        if event.account is not None:
            keys.append("account:" + event.account)
        if event.session is not None:
            keys.append("session:" + event.session)
        # So that a campaign knows whether its clients load assets.
        self._add_campaign_keys(keys, event, Kind.STATIC, crawler)
        return keys

    def _add_campaign_keys(
        self, keys: list[str], event: RequestEvent, kind: str, crawler: Any
    ) -> None:
        """Add to `keys` the campaigns `event` (a request of route `kind`; `crawler`: its
        crawler verdict) may belong to (`events.campaign_key`, `events.stack_key`), unless
        campaigns are off. A guest joins its signatures' campaigns only with requests for
        people's data and for page assets, and not when it declares itself a crawler (crawlers
        answer for themselves, by name)."""
        if self._young is None:
            return
        key = campaign_key(event, self._young)
        if key is None:
            return
        if event.account is not None:
            keys.append(key)
            return
        if kind not in SIGNATURE_KINDS or crawler is not None:
            return
        keys.append(key)
        stack = stack_key(event)
        if stack is not None:
            keys.append(stack)

    def _evaluate(self, event: RequestEvent, access: Access) -> tuple[Access, Decision]:
        now = event.time
        ip = event.ip
        if self.blocklist or self.allowlist:
            listed = self._listed(event, now)
            if listed is not None:  # a person decided: counted, not scored
                self.state.observe(self._listed_keys(event), event, access, now)
                return access, listed
        crawler = self.network.crawler(event.user_agent, ip, now)
        if crawler is not None and crawler.needs_ranges:
            _add_one(self._unverified, crawler.operator)
        if access.kind == Kind.STATIC:
            self._statics += 1
            keys = self._static_keys(event, crawler)
            states = self.state.observe(keys, event, access, now)
            if crawler is not None:  # the principal: account, else session, else address
                named = event.account is not None or event.session is not None
                _note_crawler(states[1 if named else 0], crawler)
            return access, self._held(keys, now, event.account is not None, states[0])
        self._pages += 1
        keys, known = self._keys(event, access.kind, crawler)
        wide = known == 4
        states = self.state.observe(keys, event, access, now)
        ip_state, net_state = states[0], states[1]
        wider = (states[2], states[3]) if wide else ()
        account = session = device = fingerprint = campaign = stack = None
        for i in range(known, len(keys)):  # in the order `_keys` makes them
            key, state = keys[i], states[i]
            if key.startswith("account:"):
                account = state
            elif key.startswith("session:"):
                session = state
            elif key.startswith("device:"):
                device = state
            elif key.startswith("fp:"):
                fingerprint = state
            elif key.startswith(STACK_CAMPAIGN):
                stack = state
            elif key.startswith(CAMPAIGN):
                campaign = state
        principal, principal_kind = (
            (account, ActorKind.ACCOUNT)
            if account is not None
            else (session, ActorKind.SESSION)
            if session is not None
            else (ip_state, ActorKind.IP)
        )
        origin = NO_TAGS if access.kind == Kind.OTHER else self._origin(ip)
        partner = (
            self.policy.partner_for(ip, event.account, event.user_agent)
            if (self.policy.partners)
            else None
        )
        if partner is not None:
            if partner.expires is None or now <= partner.expires:
                return access, self._partner(partner, principal, principal_kind, now)
            self._count(f"partner/{partner.name}/expired")  # then judged like anyone
        ctx = Context(
            event,
            access,
            now,
            ip_state,
            net_state,
            wider,
            account,
            session,
            device,
            fingerprint,
            campaign,
            principal,
            principal_kind,
            _is_shared(origin) or ip_state.shared_by_members,
            origin,
            crawler,
            self.state.known_people,
            principal.fresh,
            self.assets_seen,
            stack,
        )
        popularity = self.popularity
        if popularity is not None:
            if access.kind == Kind.PERSON:
                if access.disclosures:
                    ctx.tail = popularity.view(access.disclosures[0].subject, now)
                ctx.lists_named = popularity.lists_named
            elif event.disclosed is not None and access.kind in LISTING_KINDS:
                popularity.lists_named = True
        signals: list[Signal] = []
        always, with_people = self._dispatch[access.kind]
        for detector in always:
            found = detector.evaluate(ctx)
            if found:
                signals.extend(found)
        if principal.fresh:
            for detector in with_people:
                found = detector.evaluate(ctx)
                if found:
                    signals.extend(found)
        if signals and access.kind == Kind.OTHER:  # origin was skipped above; now it matters
            ctx.origin = self._origin(ip)
            ctx.shared = _is_shared(ctx.origin) or ip_state.shared_by_members
        return access, self._conclude(signals, ctx, keys)

    def _keys(
        self, event: RequestEvent, kind: str, crawler: Any, fingerprint: bool = True
    ) -> tuple[list[str], int]:
        """The actor keys of a request for a route of `kind` that is not a static asset (from
        a client with this `crawler` verdict), and how many of them are address keys (2 for
        IPv4, 4 for IPv6)."""
        keys = list(self._address(event.ip).keys)
        known = len(keys)
        if event.account is not None:
            keys.append("account:" + event.account)
        if event.session is not None:
            keys.append("session:" + event.session)
        if event.device is not None:
            keys.append("device:" + event.device)
        if fingerprint and (event.headers is not None or event.tls_fingerprint):
            # Header traits are known (inline, JSON logs): the fingerprint is worth an actor.
            # From a plain log it would only be the user agent, shared by thousands.
            keys.append("fp:" + fingerprint_of(event))
        self._add_campaign_keys(keys, event, kind, crawler)
        return keys, known

    def _detectors_for(self, kind: str) -> tuple[list[Detector], list[Detector]]:
        """The detectors that look at requests of `kind`: (always, only with new people)."""
        chosen = [d for d in self.detectors if d.kinds is None or kind in d.kinds]
        return (
            [d for d in chosen if not d.needs_new_people],
            [d for d in chosen if d.needs_new_people],
        )

    def _conclude(self, signals: list[Signal], ctx: Context, keys: list[str]) -> Decision:
        now = ctx.now
        policy = self.policy
        limit = self._limits(ctx) if ctx.new_people or ctx.access.page else None
        if not signals and limit is None:
            return self._held(keys, now, ctx.account is not None, ctx.ip)
        best: tuple[float, float, str, list[Signal]] | None = None
        if signals:
            grouped: dict[str, list[Signal]] = {}
            hits = self._hits
            for s in signals:
                same = grouped.get(s.scope)
                if same is None:
                    grouped[s.scope] = [s]
                else:
                    same.append(s)
                _add_one(hits, s.rule)
            breaker = self.breaker
            shadowing = bool(policy.shadow_rules) or (breaker is not None and breaker.any_tripped)
            for scope, group in grouped.items():
                full = _combine(group)
                enforced, acting = full, group  # acting: the signals not only recorded
                if shadowing:
                    acting = [s for s in group if not self._shadowed(s.rule)]
                    enforced = _combine(acting)
                # Looks alone (no cookies, an even pace, a hosting address) never act, nor do
                # they when the evidence beside them is only recorded (shadowed), until an
                # actor that gives software away has received the data of enough people.
                cap = self._trait_cap
                if full > cap and self._only_traits(group):
                    told = self._told(ctx, scope, group)
                    if told is None:
                        full = min(full, cap)
                        enforced = min(enforced, cap)
                    else:
                        group = [*group, told]
                if (
                    shadowing
                    and enforced > cap
                    and self._only_traits(acting)
                    and self._told(ctx, scope, acting) is None
                ):
                    enforced = cap
                _remember(_actor_of(ctx, scope), full, group)
                if best is None or full > best[0]:
                    best = (full, enforced, scope, group)
        action = enforced_action = "allow"
        score, origin, scope_kind, rule = 0, "default/allow", ctx.principal_kind, ""
        reasons: tuple[Words, ...] = ()
        if best is not None:
            full, enforced, scope_kind, group = best
            action = policy.action_for(full, enforced_only=False)
            score = rounded(full)
            enforced_action = policy.action_for(enforced, enforced_only=True)
            ranked = group if len(group) == 1 else _strongest_first(group)
            rule = ranked[0].rule
            origin = f"threshold/{action}" if action != "allow" else f"detector/{rule}"
            reasons = tuple([s.why for s in ranked])
        if limit is not None and RANK[limit[0]] > RANK[action]:
            action, origin, reason, shadow = limit
            rule = origin
            enforced_action = "allow" if shadow else action
            if self.breaker is not None and self.breaker.tripped(rule):
                enforced_action = "allow"
            reasons = (reason, *reasons)
            scope_kind = ctx.principal_kind

        actor = _actor_of(ctx, scope_kind)
        if action == "allow" and not reasons:
            return self._held(keys, now, ctx.account is not None, ctx.ip)
        if ctx.shared and scope_kind in (ActorKind.IP, ActorKind.NET):
            action, enforced_action, scope_kind, actor = self._spare_shared(
                ctx, action, enforced_action, scope_kind, actor
            )
        if not self._enforce:
            enforced_action = "allow"
        if RANK[action] > RANK.get(actor.verdict, 0):
            if self.breaker is not None and RANK[action] >= BLOCK_RANK > RANK[actor.verdict]:
                trip = self.breaker.record(rule, now)  # actors newly blocked, not requests
                if trip is not None:
                    self._trip(trip)
            actor.verdict = action
        decision = Decision(
            action,
            scope_kind,
            actor.key,
            policy.durations.get(action, 0.0),
            origin,
            reasons,
            score,
            enforced_action != action,
            enforced_action,
            now,
        )
        if action != "allow":
            self._count(ACTION_COUNTERS[action][decision.simulated])
        if enforced_action != "allow" and enforced_action != "cap":
            self.state.record_decision(decision)
        if actor.key.startswith(SIGNATURE_CAMPAIGN):  # how far it reaches this request
            decision = self._campaign_held(decision, keys, now, ctx.ip, ctx.ip.pages - 1) or ALLOW
        held = self._held(keys, now, ctx.account is not None, ctx.ip)
        return held if held.rank > decision.rank else decision

    def _only_traits(self, signals: list[Signal]) -> bool:
        """Whether every one of `signals` describes how a client looks (see `Detector.traits`)."""
        return all(s.rule in self._traits for s in signals)

    def _told(self, ctx: Context, scope: str, signals: list[Signal]) -> Signal | None:
        """When the looks in `signals` may act: one of them gives software away (a tell) and
        the actor they concern has received the data of `policy.traits_act_after` people. A
        signal of no weight that says so, to go with them; else None. A declared crawler
        gives nothing away (it says what it is): its own quota answers for it."""
        after = self._tells_after
        if after <= 0 or ctx.crawler is not None or not any(s.rule in self._tells for s in signals):
            return None
        people = _actor_of(ctx, scope).counted_people
        if people < after:
            return None
        return Signal(TELLS_RULE, 0.0, Later(_tells_words, people), scope)

    def _shadowed(self, rule: str) -> bool:
        """Whether `rule`'s signals are recorded only: by the policy, or tripped by the breaker."""
        return self.policy.is_shadow(rule) or (
            self.breaker is not None and self.breaker.tripped(rule)
        )

    def _trip(self, trip: Trip) -> None:
        """A rule blocked far more than usual: it goes back to shadow until a person resets
        it; its held decisions stop applying."""
        self._count(f"breaker/{trip.rule}/tripped")
        self.alerts.append(trip)

    def _listed(self, event: RequestEvent, now: float) -> Decision | None:
        """The allowlist or blocklist entry that covers `event`, as a decision."""
        entry = self.allowlist.match(event.ip, event.account, now) if self.allowlist else None
        action = "allow"
        if entry is None:
            entry = self.blocklist.match(event.ip, event.account, now) if self.blocklist else None
            action = "block"
            if entry is None:
                return None
        return _list_decision(entry, action, event, now, self.policy.durations["block"])

    @property
    def counters(self) -> Counter[str]:
        """How many times each rule hit (`detector/<rule>/hit`), each action was issued or
        simulated (`action/<action>/issued`), each breaker tripped, and how many requests of
        each operator's crawlers could not be verified for want of a current copy of its
        published ranges (`crawler/<operator>/needs-ranges`): a copy."""
        counted = Counter({name: tally.count for name, tally in self._counts.items()})
        for rule, tally in self._hits.items():
            counted[f"detector/{rule}/hit"] = tally.count
        for operator, count in self.needs_ranges().items():
            counted[f"crawler/{operator}/needs-ranges"] = count
        return counted

    def needs_ranges(self) -> dict[str, int]:
        """Requests per crawler operator that could not be verified because its published
        ranges are not installed or are too old for the requests' times."""
        return {operator: tally.count for operator, tally in sorted(self._unverified.items())}

    def _count(self, name: str) -> None:
        _add_one(self._counts, name)

    def _spare_shared(
        self, ctx: Context, action: str, enforced: str, scope: str, actor: ActorState
    ) -> tuple[str, str, str, ActorState]:
        """Many people share this address: never block it; act on the session when known."""
        if ctx.session is not None:
            return action, enforced, ActorKind.SESSION, ctx.session
        # Penalties become a challenge; a data limit (a capped page) stays what it is.
        if RANK[action] > CAP_RANK:
            action = "challenge"
        if RANK[enforced] > CAP_RANK:
            enforced = "challenge"
        return action, enforced, scope, actor

    def _limits(self, ctx: Context) -> tuple[str, str, Words, bool] | None:
        """The strongest data limit this request exceeds: (action, origin, reason, shadow)."""
        policy = self.policy
        p = ctx.principal
        found: tuple[str, str, Words, bool] | None = None
        # A shared address is many guests: the detectors weigh it instead of the limits.
        if ctx.new_people and not (ctx.shared and ctx.principal_kind == ActorKind.IP):
            verified = ctx.verified_crawler
            for limit in policy.limits:
                if limit.guests_only and (ctx.account is not None or verified):
                    continue
                count = p.people_day if limit.per == "day" else p.people_hour
                if count > limit.limit and (found is None or RANK[limit.then] > RANK[found[0]]):
                    reason = Later(_limit_words, count, limit)
                    found = (limit.then, f"limit/{limit.name}", reason, limit.shadow)
        if ctx.access.page and (found is None or RANK["cap"] > RANK[found[0]]):
            cap = self._search_cap(ctx.access)
            if cap is not None:
                found = ("cap", cap[0], cap[1], False)
        return found

    def _search_cap(self, access: Access) -> tuple[str, str] | None:
        """(origin, reason) when a list or search page lies past the paging or results cap."""
        policy = self.policy
        page = access.page
        if policy.max_page and page > policy.max_page:
            return (
                "limit/max-page",
                f"asked for page {thousands(page)}; paging stops at {thousands(policy.max_page)}",
            )
        size = access.size
        if policy.max_results and size and page * size > policy.max_results:
            shown = (page - 1) * size + 1
            return (
                "limit/max-results",
                f"asked for results from {thousands(shown)}; "
                f"results stop at {thousands(policy.max_results)}",
            )
        return None

    def capped(self, event: RequestEvent) -> Decision:
        """A `cap` decision when `event` asks for a page past the paging or results cap (known
        from the request alone, so an integration refuses it before the app runs), else
        ALLOW. Nothing is counted."""
        if not (self.policy.max_page or self.policy.max_results) or not event.query:
            return ALLOW
        access = self.site.classify(event)
        cap = self._search_cap(access) if access.page else None
        if cap is None:
            return ALLOW
        ttl = self.policy.durations["cap"]
        key = "ip:" + event.ip
        enforced = "cap" if self._enforce else "allow"
        return Decision(
            "cap",
            ActorKind.IP,
            key,
            ttl,
            cap[0],
            (cap[1],),
            0,
            enforced != "cap",
            enforced,
            event.time,
        )

    def _partner(self, partner: Any, principal: ActorState, kind: str, now: float) -> Decision:
        if partner.people_per_day and principal.people_day > partner.people_per_day:
            reason = (
                f"partner {partner.name} ({partner.purpose}) exceeded its quota of "
                f"{thousands(partner.people_per_day)} people per day"
            )
            enforced = "throttle" if self._enforce else "allow"
            return Decision(
                "throttle",
                kind,
                principal.key,
                self.policy.durations["throttle"],
                f"partner/{partner.name}/quota",
                (reason,),
                0,
                enforced != "throttle",
                enforced,
                now,
            )
        return Decision(
            "allow", kind, principal.key, 0.0, f"partner/{partner.name}", (), 0, False, "allow", now
        )

    def _held(
        self,
        keys: list[str],
        now: float,
        logged_in: bool,
        ip: ActorState | None,
        counted: bool = True,
    ) -> Decision:
        """The strongest decision still in force against any of `keys`, else ALLOW. `ip` is
        the state of the request's address (`counted`: including this request), which says
        whether it takes part in a signature campaign."""
        if not self.state.decisions:
            return ALLOW
        held = self.state.active_decision(keys, now)
        if held is not None and held.key.startswith(SIGNATURE_CAMPAIGN):
            seen = 0 if ip is None else ip.pages - counted  # page requests before this one
            held = self._campaign_held(held, keys, now, ip, seen)
        if held is None or (logged_in and held.enforced == "require_login"):
            return ALLOW
        return held

    def _campaign_held(
        self, held: Decision, keys: list[str], now: float, ip: ActorState | None, seen: int
    ) -> Decision | None:
        """How a signature campaign's decision applies to one request (`seen`: page requests
        of its address before it): in full to an address that behaves as the campaign does (no
        page assets); as a challenge at most to an address seen for the first time, which
        could be a person who has yet to load them; not at all to an address that loads page
        assets. A shared address (carrier NAT, iCloud Private Relay) carries many people's
        first pages: not at all on its first, a challenge at most after that. Not at all
        while the site's assets do not reach scrapeguard (`assets_seen`): a decision taken
        before that was known stops applying once it is."""
        others = ip is not None and ip.statics
        shared = not others and self._shared_address(keys[0], ip)
        if others or not self.assets_seen or (shared and seen <= 0):
            return self.state.active_decision([k for k in keys if k != held.key], now)
        return held if seen > 0 and not shared else _at_most_challenge(held)

    def _shared_address(self, ip_key: str, ip: ActorState | None) -> bool:
        """Whether the address of key `ip_key` (`ip:…`) is shared by many people."""
        return _is_shared(self._origin(ip_key[3:])) or (ip is not None and ip.shared_by_members)

    def _address(self, ip: str) -> Address:
        """What is known about a client address, remembered per address: clients come back."""
        address = self._addresses.get(ip)
        if address is None:
            if ":" in ip:
                keys = ("ip:" + ip, *["net:" + p for p in ipv6_prefixes(ip, IPV6_WIDTHS)])
            else:
                keys = ("ip:" + ip, "net:" + network_of(ip))
            if len(self._addresses) >= MAX_REMEMBERED_ADDRESSES:
                self._addresses.clear()
            address = self._addresses[ip] = Address(keys)
        return address

    def _origin(self, ip: str) -> frozenset[str]:
        """The tags of the networks `ip` belongs to (`NetworkInfo.origin`), once per address."""
        address = self._address(ip)
        origin = address.origin
        if origin is None:
            origin = address.origin = self.network.origin(ip)
        return origin


def _add_one(tallies: dict[str, Tally], name: str) -> None:
    tally = tallies.get(name)
    if tally is None:
        tally = tallies[name] = Tally()
    tally.count += 1


def _tells_words(people: float) -> str:
    return f"gives software away and received the data of {plural(people, 'person')}"


def _actor_of(ctx: Context, scope: str) -> ActorState:
    """The actor a signal's scope names; the principal when that actor is not in the request."""
    found: ActorState | None = None
    if scope == ActorKind.IP:
        found = ctx.ip
    elif scope == ActorKind.NET:
        found = ctx.net
    elif scope == ActorKind.ACCOUNT:
        found = ctx.account
    elif scope == ActorKind.SESSION:
        found = ctx.session
    elif scope == ActorKind.DEVICE:
        found = ctx.device
    elif scope == ActorKind.FINGERPRINT:
        found = ctx.fingerprint
    elif scope == ActorKind.CAMPAIGN:
        found = ctx.campaign
    elif scope == ActorKind.STACK:
        found = ctx.stack
    elif scope == "net56" and ctx.wider:
        found = ctx.wider[0]
    elif scope == "net48" and ctx.wider:
        found = ctx.wider[1]
    return found if found is not None else ctx.principal


def _at_most_challenge(decision: Decision) -> Decision:
    """`decision`, with any action stronger than a challenge made a challenge."""
    if decision.rank <= CHALLENGE_RANK and RANK[decision.action] <= CHALLENGE_RANK:
        return decision
    action = decision.action if RANK[decision.action] <= CHALLENGE_RANK else "challenge"
    enforced = decision.enforced if decision.rank <= CHALLENGE_RANK else "challenge"
    d = decision
    return Decision(
        action,
        d.scope,
        d.key,
        d.ttl,
        d.origin,
        d.why,
        d.score,
        action != enforced,
        enforced,
        d.time,
    )


def _list_decision(
    entry: ListEntry, action: str, event: RequestEvent, now: float, ttl: float
) -> Decision:
    kind = ActorKind.ACCOUNT if entry.kind == "account" else ActorKind.IP
    key = f"account:{event.account}" if entry.kind == "account" else f"ip:{event.ip}"
    listname = "allowlist" if action == "allow" else "blocklist"
    reason = f"on the {listname} ({entry.value})" + (f": {entry.reason}" if entry.reason else "")
    if entry.expires is not None:
        ttl = max(0.0, entry.expires - now)
    score = 100 if action == "block" else 0
    return Decision(action, kind, key, ttl, listname, (reason,), score, False, action, now)


def _limit_words(count: float, limit: Limit) -> str:
    who = "guests" if limit.guests_only else "anyone"
    return (
        f"received the data of {thousands(count)} people in a {limit.per}; "
        f"the limit for {who} is {thousands(limit.limit)}"
    )


def _is_shared(origin: frozenset[str]) -> bool:
    """Whether many people may stand behind an address with these origin tags."""
    return any(tag.startswith("shared") for tag in origin) if origin else False


def _combine(signals: list[Signal]) -> float:
    """Combine independent pieces of evidence: 1 - Π(1 - w/100), as a 0-100 score."""
    remaining = 1.0
    for s in signals:
        remaining *= 1.0 - s.weight / 100.0
    return 100.0 * (1.0 - remaining)


def _strongest_first(signals: list[Signal]) -> list[Signal]:
    """`signals` by weight, strongest first, equals in their order: what a stable sort gives,
    without the compiled build's call of a key function per signal (groups are small)."""
    ranked: list[Signal] = []
    for s in signals:
        i = len(ranked)
        while i > 0 and ranked[i - 1].weight < s.weight:
            i -= 1
        ranked.insert(i, s)
    return ranked


def _remember(actor: ActorState, score: float, signals: list[Signal]) -> None:
    if score > actor.peak:
        actor.peak = max(actor.peak, rounded(score))
    for s in signals:
        actor.note_reason(s.rule, s.weight, s.why)


def _note_crawler(actor: ActorState, crawler: Any) -> None:
    """Name a declared crawler seen only on static assets (no detector runs there)."""
    actor.bot = worse_bot(actor.bot, crawler.status)
    actor.note_reason(f"goodbots/{crawler.status}", 0.0, crawler.reason)


def _default_network(site: SiteModel) -> NetworkInfo:
    from .netinfo import PublishedNetworkInfo

    return PublishedNetworkInfo(site.shared_ranges)
