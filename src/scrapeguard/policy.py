"""The policy: detector settings, thresholds that map a risk score to actions, data limits,
partners, and shadow mode for the whole policy or per rule.

Read from the `policy:` section of a YAML file (see docs/policy.md); `load_policy` checks the
whole section and reports every error at once, with file and line.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from dataclasses import dataclass, field, fields
from typing import Any, Final

from .config import Document, Errors, load_file
from .detectors import DETECTORS, Detector
from .detectors.breadth import Breadth
from .enforce.lists import AccessList
from .site import TOP_LEVEL_KEYS

#: Actions in increasing strength. `decoy` serves canary data to actors past the block
#: threshold, so it ranks above `block`.
ACTIONS: Final = (
    "allow",
    "degrade",
    "challenge",
    "require_login",
    "cap",
    "tarpit",
    "throttle",
    "block",
    "decoy",
)
RANK: Final = {a: i for i, a in enumerate(ACTIONS)}
SCORED_ACTIONS = ("degrade", "challenge", "tarpit", "throttle", "block", "decoy")
MODES = ("shadow", "enforce")

DEFAULT_THRESHOLDS = {"challenge": 40.0, "throttle": 60.0, "block": 85.0}
DEFAULT_DURATIONS = {
    "allow": 0.0,
    "degrade": 3600.0,
    "challenge": 3600.0,
    "require_login": 86400.0,
    "cap": 3600.0,
    "tarpit": 1800.0,
    "throttle": 600.0,
    "block": 86400.0,
    "decoy": 7 * 86400.0,
}


@dataclass(frozen=True)
class Threshold:
    """Score at or above which `action` applies; `shadow` only records it."""

    action: str
    score: float
    shadow: bool = False


@dataclass(frozen=True)
class Limit:
    """A data limit the regulators ask for: past `limit` people, `then` applies."""

    name: str
    limit: float
    then: str
    guests_only: bool = False
    per: str = "day"
    shadow: bool = False


@dataclass
class Partner:
    """An allow-listed client: who it is, why it may collect, how much, until when."""

    name: str
    purpose: str
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(default_factory=list)
    accounts: frozenset[str] = frozenset()
    user_agent: re.Pattern[str] | None = None
    people_per_day: float = 0
    expires: float | None = None

    def matches(self, ip: str, account: str | None, user_agent: str) -> bool:
        """Whether a request comes from this partner."""
        if self.user_agent is not None and not self.user_agent.search(user_agent):
            return False
        if account is not None and account in self.accounts:
            return True
        if self.networks:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                return False
            return any(addr in n for n in self.networks)
        return False


@dataclass(frozen=True)
class BreakerSettings:
    """When a rule's blocks exceed `factor` × their recent baseline (and `min_blocks` in one
    `bucket`), the rule goes back to shadow mode and an alert is raised."""

    enabled: bool = True
    factor: float = 3.0
    bucket: float = 600.0
    history: int = 144
    min_blocks: int = 20


@dataclass
class Policy:
    """A validated policy, ready for the engine."""

    mode: str = "shadow"
    thresholds: list[Threshold] = field(
        default_factory=lambda: [Threshold(a, s) for a, s in DEFAULT_THRESHOLDS.items()]
    )
    durations: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DURATIONS))
    shadow_rules: frozenset[str] = frozenset()
    limits: list[Limit] = field(
        default_factory=lambda: [Limit("guest-people-per-day", 300, "require_login", True)]
    )
    max_page: int = 0
    max_results: int = 0
    partners: list[Partner] = field(default_factory=list)
    detector_settings: dict[str, Any] = field(default_factory=dict)
    blocklist: AccessList = field(default_factory=lambda: AccessList("blocklist"))
    allowlist: AccessList = field(default_factory=lambda: AccessList("allowlist"))
    degrade_fields: frozenset[str] = frozenset({"email", "phone"})
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    traits_act_alone: bool = False
    #: People an actor may receive before its looks act, when one of them gives software
    #: away (`Detector.tells`); 0: never.
    traits_act_after: float = 10.0

    def build_detectors(self, directory_size: int = 0) -> list[Detector]:
        """Instantiate the enabled detectors with their settings, in run order."""
        out: list[Detector] = []
        for name, cls in DETECTORS.items():
            settings = self.detector_settings.get(name) or cls.settings_type()
            if not settings.enabled:
                continue
            if cls is Breadth:
                out.append(Breadth(settings, directory_size=directory_size))
            else:
                out.append(cls(settings))
        return out

    def is_shadow(self, rule: str) -> bool:
        """Whether signals of `rule` (`detector/rule`) are recorded but not enforced."""
        if not self.shadow_rules:
            return False
        return rule in self.shadow_rules or rule.partition("/")[0] in self.shadow_rules

    def action_for(self, score: float, enforced_only: bool) -> str:
        """The strongest thresholded action that `score` reaches."""
        best, best_rank = "allow", 0
        for t in self.thresholds:
            if score >= t.score and not (enforced_only and t.shadow):
                rank = RANK[t.action]
                if rank > best_rank:
                    best, best_rank = t.action, rank
        return best

    def partner_for(self, ip: str, account: str | None, user_agent: str) -> Partner | None:
        """The partner this request comes from, if any (expired ones included)."""
        for partner in self.partners:
            if partner.matches(ip, account, user_agent):
                return partner
        return None


def load_policy(path: str) -> Policy:
    """Read the `policy:` section of a YAML file; every problem is reported at once."""
    return policy_from_document(load_file(path))


_POLICY_KEYS = {
    "mode",
    "thresholds",
    "durations",
    "shadow_rules",
    "limits",
    "partners",
    "detectors",
    "blocklist",
    "allowlist",
    "degrade_fields",
    "breaker",
    "traits_act_alone",
    "traits_act_after",
}


def policy_from_document(doc: Document) -> Policy:
    """Build a `Policy` from the `policy:` section of a parsed document (defaults if absent)."""
    errors = Errors(doc)
    top = errors.mapping(doc.data, ())
    if top.get("site") is None:  # a policy file of its own; with a site, the site loader checks
        errors.unknown_keys(top, (), TOP_LEVEL_KEYS)
    spec = errors.mapping(top.get("policy"), ("policy",))
    errors.unknown_keys(spec, ("policy",), _POLICY_KEYS)
    p = ("policy",)
    policy = Policy()
    policy.mode = errors.choice(spec.get("mode"), (*p, "mode"), MODES, "shadow")
    if "thresholds" in spec:
        policy.thresholds = _thresholds(errors, spec["thresholds"], (*p, "thresholds"))
    durations = errors.mapping(spec.get("durations"), (*p, "durations"))
    errors.unknown_keys(durations, (*p, "durations"), set(ACTIONS))
    for action, value in durations.items():
        if action in ACTIONS:
            policy.durations[action] = errors.duration(value, (*p, "durations", action), 0)
    rules = errors.sequence(spec.get("shadow_rules"), (*p, "shadow_rules"))
    for i, rule in enumerate(rules):
        if str(rule).partition("/")[0] not in DETECTORS:
            errors.add(
                (*p, "shadow_rules", i), f"no detector named {str(rule).partition('/')[0]!r}"
            )
    policy.shadow_rules = frozenset(str(r) for r in rules)
    if "limits" in spec:
        _limits(errors, spec["limits"], (*p, "limits"), policy)
    policy.partners = [
        partner
        for i, item in enumerate(errors.sequence(spec.get("partners"), (*p, "partners")))
        if (partner := _partner(errors, item, (*p, "partners", i))) is not None
    ]
    policy.detector_settings = _detectors(errors, spec.get("detectors"), (*p, "detectors"))
    policy.shadow_rules |= {n for n, s in policy.detector_settings.items() if s.shadow}
    for name in ("blocklist", "allowlist"):
        _access_list(errors, spec.get(name), (*p, name), getattr(policy, name))
    if "degrade_fields" in spec:
        where = (*p, "degrade_fields")
        items = errors.sequence(spec["degrade_fields"], where)
        policy.degrade_fields = frozenset(
            errors.string(f, (*where, i)) for i, f in enumerate(items)
        )
    policy.breaker = _breaker(errors, spec.get("breaker"), (*p, "breaker"))
    policy.traits_act_alone = errors.boolean(
        spec.get("traits_act_alone"), (*p, "traits_act_alone"), False
    )
    policy.traits_act_after = errors.number(
        spec.get("traits_act_after"), (*p, "traits_act_after"), policy.traits_act_after
    )
    errors.raise_if_any()
    return policy


def _thresholds(errors: Errors, value: Any, path: tuple[str | int, ...]) -> list[Threshold]:
    out = []
    for action, spec in errors.mapping(value, path).items():
        where = (*path, action)
        if action not in SCORED_ACTIONS:
            errors.add(where, f"unknown action; expected one of: {', '.join(SCORED_ACTIONS)}")
            continue
        shadow = False
        if isinstance(spec, dict):
            errors.unknown_keys(spec, where, {"score", "shadow"})
            shadow = errors.boolean(spec.get("shadow"), (*where, "shadow"), False)
            spec = spec.get("score")
            where = (*where, "score")
            if spec is None:
                errors.add(where, "is required")
                continue
        out.append(Threshold(action, errors.number(spec, where, 100, 0, 100), shadow))
    scores = {t.action: t.score for t in out}
    if "decoy" in scores and scores["decoy"] < scores.get("block", 100):
        errors.add(
            (*path, "decoy"),
            "decoy is only for actors past the block threshold: its "
            "score must be at least the block score",
        )
    order = [a for a in ("challenge", "throttle", "block") if a in scores]
    for weaker, stronger in zip(order, order[1:], strict=False):
        if scores[weaker] > scores[stronger]:
            errors.add(
                (*path, stronger),
                f"{stronger} score ({scores[stronger]:g}) is below the "
                f"{weaker} score ({scores[weaker]:g})",
            )
    return out


def _limits(errors: Errors, value: Any, path: tuple[str | int, ...], policy: Policy) -> None:
    spec = errors.mapping(value, path)
    errors.unknown_keys(spec, path, {"guest", "people_per_hour", "people_per_day", "search"})
    limits: list[Limit] = [] if "guest" in spec else list(Policy().limits)
    guest = spec.get("guest")
    if guest is not None and guest is not False:
        g = errors.mapping(guest, (*path, "guest"))
        errors.unknown_keys(g, (*path, "guest"), {"people_per_day", "then", "shadow"})
        limits.append(
            Limit(
                "guest-people-per-day",
                errors.number(g.get("people_per_day"), (*path, "guest", "people_per_day"), 100, 1),
                errors.choice(
                    g.get("then"), (*path, "guest", "then"), ACTIONS[1:], "require_login"
                ),
                guests_only=True,
                shadow=errors.boolean(g.get("shadow"), (*path, "guest", "shadow"), False),
            )
        )
    for per in ("hour", "day"):
        key = f"people_per_{per}"
        if key not in spec:
            continue
        item = spec[key]
        where = (*path, key)
        if not isinstance(item, dict):
            item = {"limit": item}
        errors.unknown_keys(item, where, {"limit", "then", "shadow"})
        limits.append(
            Limit(
                f"people-per-{per}",
                errors.number(item.get("limit"), (*where, "limit"), 1000, 1),
                errors.choice(item.get("then"), (*where, "then"), ACTIONS[1:], "throttle"),
                per=per,
                shadow=errors.boolean(item.get("shadow"), (*where, "shadow"), False),
            )
        )
    search = errors.mapping(spec.get("search"), (*path, "search"))
    errors.unknown_keys(search, (*path, "search"), {"max_page", "max_results"})
    policy.max_page = int(
        errors.number(search.get("max_page"), (*path, "search", "max_page"), 0, 0)
    )
    policy.max_results = int(
        errors.number(search.get("max_results"), (*path, "search", "max_results"), 0, 0)
    )
    policy.limits = limits


def _partner(errors: Errors, value: Any, path: tuple[str | int, ...]) -> Partner | None:
    spec = errors.mapping(value, path)
    if not spec:
        return None
    errors.unknown_keys(spec, path, {"name", "match", "purpose", "people_per_day", "expires"})
    name = errors.string(spec.get("name"), (*path, "name"), "partner")
    if "name" not in spec:
        errors.add(path, "a partner needs a name")
    purpose = errors.string(spec.get("purpose"), (*path, "purpose"))
    if not purpose:
        errors.add(path, f"partner {name!r} needs a purpose (why it may collect personal data)")
    match = errors.mapping(spec.get("match"), (*path, "match"))
    errors.unknown_keys(match, (*path, "match"), {"ip", "account", "user_agent"})
    networks = []
    for i, cidr in enumerate(errors.sequence(match.get("ip"), (*path, "match", "ip"))):
        try:
            networks.append(ipaddress.ip_network(str(cidr), strict=False))
        except ValueError:
            errors.add((*path, "match", "ip", i), f"not an IP address or CIDR range: {cidr!r}")
    accounts = frozenset(
        str(a) for a in errors.sequence(match.get("account"), (*path, "match", "account"))
    )
    agent = None
    if match.get("user_agent") is not None:
        try:
            agent = re.compile(str(match["user_agent"]))
        except (re.error, OverflowError, RecursionError) as exc:  # a{9999999999}, ((((…
            errors.add((*path, "match", "user_agent"), f"invalid regular expression: {exc}")
    if not networks and not accounts:
        errors.add(
            (*path, "match"), "match needs ip ranges or accounts (a user agent alone can be forged)"
        )
    quota = errors.number(spec.get("people_per_day"), (*path, "people_per_day"), 0, 0)
    expires = _date_end(errors, spec.get("expires"), (*path, "expires"))
    if "expires" not in spec:
        errors.add(path, f"partner {name!r} needs an expiry date (expires: YYYY-MM-DD)")
    return Partner(name, purpose, networks, accounts, agent, quota, expires)


def _access_list(errors: Errors, value: Any, path: tuple[str | int, ...], out: AccessList) -> None:
    """Entries like `{ip: 203.0.113.0/24, expires: 2027-01-31, reason: ...}` or `{account: x}`."""
    for i, item in enumerate(errors.sequence(value, path)):
        where = (*path, i)
        spec = errors.mapping(item if isinstance(item, dict) else {"ip": item}, where)
        errors.unknown_keys(spec, where, {"ip", "account", "expires", "reason"})
        kinds = [k for k in ("ip", "account") if k in spec]
        if len(kinds) != 1:
            errors.add(where, "an entry needs exactly one of ip or account")
            continue
        expires = _date_end(errors, spec.get("expires"), (*where, "expires"))
        reason = errors.string(spec.get("reason"), (*where, "reason"))
        try:
            out.add(str(spec[kinds[0]]), kind=kinds[0], expires=expires, reason=reason)
        except ValueError as exc:
            errors.add((*where, kinds[0]), str(exc))


def _date_end(errors: Errors, raw: Any, path: tuple[str | int, ...]) -> float | None:
    """The end (UTC) of the day `raw` names, as epoch seconds; None when absent."""
    if raw is None:
        return None
    try:
        day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        errors.add(path, f"must be a date like 2027-06-30, got {raw!r}")
        return None
    return dt.datetime.combine(day, dt.time.max, dt.UTC).timestamp()


def _breaker(errors: Errors, value: Any, path: tuple[str | int, ...]) -> BreakerSettings:
    if isinstance(value, bool):
        return BreakerSettings(enabled=value)
    spec = errors.mapping(value, path)
    errors.unknown_keys(spec, path, {"enabled", "factor", "bucket", "history", "min_blocks"})
    d = BreakerSettings()
    return BreakerSettings(
        errors.boolean(spec.get("enabled"), (*path, "enabled"), d.enabled),
        errors.number(spec.get("factor"), (*path, "factor"), d.factor, 1.5),
        errors.duration(spec.get("bucket"), (*path, "bucket"), d.bucket),
        int(errors.number(spec.get("history"), (*path, "history"), d.history, 1)),
        int(errors.number(spec.get("min_blocks"), (*path, "min_blocks"), d.min_blocks, 1)),
    )


def _detectors(errors: Errors, value: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
    spec = errors.mapping(value, path)
    errors.unknown_keys(spec, path, set(DETECTORS))
    out: dict[str, Any] = {}
    for name, raw in spec.items():
        cls = DETECTORS.get(name)
        if cls is None:
            continue
        where = (*path, name)
        if isinstance(raw, bool):
            raw = {"enabled": raw}
        settings = errors.mapping(raw, where)
        names = cls.setting_names()
        errors.unknown_keys(settings, where, set(names))
        values: dict[str, Any] = {}
        for f in fields(cls.settings_type):
            if f.name not in settings:
                continue
            item, at = settings[f.name], (*where, f.name)
            if f.type in ("bool", bool):
                values[f.name] = errors.boolean(item, at, f.default)  # type: ignore[arg-type]
            elif f.type in ("str", str):  # a file, relative to the policy file's folder
                value = errors.string(item, at, f.default)  # type: ignore[arg-type]
                folder = os.path.dirname(errors.doc.source)
                exists = os.path.isfile(errors.doc.source)
                values[f.name] = os.path.join(folder, value) if value and exists else value
            elif f.name in cls.durations:
                values[f.name] = errors.duration(item, at, f.default)  # type: ignore[arg-type]
            else:
                values[f.name] = errors.number(item, at, f.default, 0)  # type: ignore[arg-type]
        out[name] = cls.settings_type(**values)
        for setting, problem in cls.check(out[name]).items():
            errors.add((*where, setting), problem)
    return out
