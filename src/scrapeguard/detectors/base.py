"""What every detector shares: the context it reads, the signal it emits, its settings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, final

from mypy_extensions import mypyc_attr

from ..events import RequestEvent
from ..reasons import Words, words
from ..site import Access
from ..state.actor import ActorState


@final
class Signal:
    """Evidence against one actor: `rule` names it (`enumeration/sequential-ids`), `weight`
    (0-100) says how strongly it alone suggests scraping, `reason` says why, in words, and
    `scope` which of the request's actors it is about. `why` is the reason as the detector
    gave it, perhaps not yet written (see `scrapeguard.reasons`). Never changed once made."""

    __slots__ = ("rule", "weight", "why", "scope")

    def __init__(self, rule: str, weight: float, reason: Words, scope: str) -> None:
        self.rule = rule
        self.weight = weight
        self.why = reason
        self.scope = scope

    @property
    def reason(self) -> str:
        """Why, in words."""
        return words(self.why)

    def _values(self) -> tuple[str, float, str, str]:
        return (self.rule, self.weight, self.reason, self.scope)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return Signal, self._values()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signal) and self._values() == other._values()

    def __repr__(self) -> str:
        return f"Signal{self._values()!r}"


@dataclass(slots=True)
class Context:
    """Everything a detector may read about one request. Detectors never write to it."""

    event: RequestEvent
    access: Access
    now: float
    ip: ActorState
    net: ActorState
    wider: tuple[ActorState, ...]  # IPv6 only: the /56 and the /48
    account: ActorState | None
    session: ActorState | None
    device: ActorState | None
    fingerprint: ActorState | None  # only where header traits are known
    campaign: ActorState | None  # see `events.campaign_key`
    principal: ActorState
    principal_kind: str
    shared: bool
    origin: frozenset[str]
    crawler: Any
    known_people: int
    new_people: int
    #: Whether the site's page assets reach scrapeguard (see `Guard.assets_seen`): when a CDN
    #: serves them, every browser looks like one that loads none.
    assets_seen: bool = True
    stack: ActorState | None = None  # see `events.stack_key`
    #: Whether the client is a crawler verified against its operator's published ranges.
    verified_crawler: bool = False
    #: For a profile: 1 when the person is in the long tail of the site's attention, 0 in
    #: its head, -1 when not judged (`state.popularity`; set by the engine).
    tail: int = -1
    #: For a profile: whether the site names the people its list and search pages show
    #: (inline, or a log's `disclosed` field), so that a profile no page showed the client can
    #: be told apart (set by the engine).
    lists_named: bool = False

    def __init__(
        self,
        event: RequestEvent,
        access: Access,
        now: float,
        ip: ActorState,
        net: ActorState,
        wider: tuple[ActorState, ...],
        account: ActorState | None,
        session: ActorState | None,
        device: ActorState | None,
        fingerprint: ActorState | None,
        campaign: ActorState | None,
        principal: ActorState,
        principal_kind: str,
        shared: bool,
        origin: frozenset[str],
        crawler: Any,
        known_people: int,
        new_people: int,
        assets_seen: bool = True,
        stack: ActorState | None = None,
    ) -> None:
        # Written out: mypyc compiles this one, not the one @dataclass would generate.
        self.event = event
        self.access = access
        self.now = now
        self.ip = ip
        self.net = net
        self.wider = wider
        self.account = account
        self.session = session
        self.device = device
        self.fingerprint = fingerprint
        self.campaign = campaign
        self.principal = principal
        self.principal_kind = principal_kind
        self.shared = shared
        self.origin = origin
        self.crawler = crawler
        self.known_people = known_people
        self.new_people = new_people
        self.assets_seen = assets_seen
        self.stack = stack
        self.verified_crawler = crawler is not None and crawler.status == "verified"
        self.tail = -1
        self.lists_named = False

    @property
    def logged_in(self) -> bool:
        """Whether the request came from a logged-in account."""
        return self.account is not None


@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass
class Settings:
    """Base of detector settings; every field is a number, a boolean, a duration (seconds) or
    a file name (relative to the policy file)."""

    enabled: bool = True
    shadow: bool = False
    weight: float = 1.0


@mypyc_attr(allow_interpreted_subclasses=True)
class Detector:
    """A detector turns a request in context into signals. Subclasses set `name`, `settings_type`
    and implement `evaluate`; they keep no state of their own."""

    name: ClassVar[str] = ""
    settings_type: ClassVar[type[Settings]] = Settings
    durations: ClassVar[frozenset[str]] = frozenset()
    #: Route kinds this detector looks at (None: every kind but static assets).
    kinds: ClassVar[frozenset[str] | None] = None
    #: Whether it only has something to say when the request disclosed people new to the actor.
    needs_new_people: ClassVar[bool] = False
    #: Rules that describe how a client looks, not what it takes: together they never reach
    #: the first action threshold without evidence of harvesting (the engine caps them).
    traits: ClassVar[frozenset[str]] = frozenset()
    #: Traits that give software away, unlike looks that people have too (a VPN, no images
    #: for a screen reader, no cookies where a site sets none, an even pace): once an actor
    #: showing one has received the data of `policy.traits_act_after` people, its looks may
    #: act (see `Guard`).
    tells: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings: Any = settings if settings is not None else self.settings_type()
        self._rules: dict[str, str] = {}  # rule -> "<detector>/<rule>"

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        """Return the signals this request raises (an empty tuple when none)."""
        raise NotImplementedError

    @classmethod
    def check(cls, settings: Settings) -> dict[str, str]:
        """Problems with `settings` that their types do not show, by setting name."""
        return {}

    def signal(self, rule: str, weight: float, reason: Words, scope: str) -> Signal:
        """Build a signal named `<detector>/<rule>`, scaled by the detector's weight setting
        (`reason`: its text, or a `Later` that writes it when read)."""
        name = self._rules.get(rule)
        if name is None:
            name = self._rules[rule] = f"{self.name}/{rule}"
        settings: Settings = self.settings  # typed: `Any` would be read the generic way
        scale = settings.weight
        w = weight * scale
        return Signal(name, 100.0 if w > 100.0 else w if w > 0.0 else 0.0, reason, scope)

    @classmethod
    def setting_names(cls) -> list[str]:
        """Names of this detector's settings."""
        return [f.name for f in fields(cls.settings_type)]


def ramp(value: float, start: float, full: float, low: float, high: float) -> float:
    """Weight rising linearly from `low` at `start` to `high` at `full` (clamped)."""
    if value <= start:
        return low
    if value >= full:
        return high
    return low + (high - low) * (value - start) / (full - start)


def plural(count: float, word: str) -> str:
    """`1 person`, `2 people`, `3 profiles` — numbers with thousands separators."""
    n = int(count)
    if word == "person":
        return thousands(n) + (" person" if n == 1 else " people")
    if n == 1:
        return "1 " + word
    return f"{thousands(n)} {word}{'es' if word.endswith(('s', 'sh', 'ch', 'x')) else 's'}"


def thousands(n: float) -> str:
    """`n` rounded to a whole number, with commas between thousands: `1,234,567` (what
    `f"{n:,.0f}"` writes, without the cost of a format specification, for the few reasons
    still written on the request's path)."""
    text = str(abs(rounded(n)))
    if len(text) > 3:
        head = len(text) % 3 or 3
        parts = [text[:head]]
        for i in range(head, len(text), 3):
            parts.append(text[i : i + 3])
        text = ",".join(parts)
    return "-" + text if n < 0 else text


def rounded(n: float) -> int:
    """`round(n)`: the nearest whole number, halves to even; compiled, where the builtin is a
    generic call under mypyc."""
    whole = int(n)
    rest = abs(n - whole)  # exact: a float minus its integer part
    if rest > 0.5 or (rest == 0.5 and whole % 2):
        whole += 1 if n > 0 else -1
    return whole
