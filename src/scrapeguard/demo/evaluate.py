"""`scrapeguard eval`: score the engine against the simulator's ground truth.

Every request of a labelled log goes through `Guard.evaluate` in log order (an enforce-mode
policy, so decisions held against an actor apply to its later requests, as in production).
A request that a decision in force stops is first made what an inline integration would have
recorded (`refused`: the refusal's status, nobody disclosed), so that what a stopped client
asks for afterwards adds no people to its counts, its network's or its campaign's. A page
past a paging cap is refused inline too (`cap`), but reaches the guard as the log has it:
the simulator does not react to refusals, and its people go on to open the profiles such a
page listed, as if they had seen it.
Each decision's `action` says whether the request was stopped:

- blocked: block, decoy, throttle, tarpit;
- challenged: challenge, require_login;
- degrade and cap (a data limit: a page past the paging cap, people past a quota) are not
  stops; a capped request shows nobody, a degraded one shows people without some fields.

Static assets go through the guard as well but are not scored: they disclose nobody, and a
site's web server often serves them without asking the app (or scrapeguard); a unit's
requests below are the others.

A *unit* is what gets scored: one actor of the ground truth, or for the campaign classes
(`classes.CAMPAIGN_CLASSES`) one campaign, all its members' requests merged in log order.
Actors without a request in the log are left out.

- stop index: the earliest stopped request (in the unit's own order) from which at least
  90 % of the unit's remaining requests were stopped; `requests_to_stop` is that index + 1,
  and the unit is `stopped` when there is one;
- `people_served`: distinct people disclosed to the unit by requests that were not stopped,
  over the whole run: the people the truth says each response showed (`shown`), else what
  the engine read from the log (where a list page whose members are unknown counts its page
  size once: an upper bound);
- `blocked` / `challenged`: some request was blocked / some was challenged and none blocked;
- `linked_after` (campaigns): seconds from the campaign's first request until one decision,
  against one actor key (a campaign, a network, a device), stopped requests of two of its
  members: from then on the engine treats them as one.

Per class: recall is the share of units stopped; precision is TP / (TP + FP) where TP are the
class's stopped units and FP, the same for every class, the humans and verified good bots that
were blocked or challenged at least once (so precision mixes campaign units and single actors,
and is left out for good bots themselves).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from ..detectors.volume import Volume
from ..engine import Guard
from ..errors import ScrapeguardError
from ..events import RequestEvent
from ..site import Kind
from .classes import (
    CAMPAIGN_CLASSES,
    GOOD_BOT,
    HUMAN,
    HUMAN_GROUPS,
    MALICIOUS,
    UNVERIFIABLE_CRAWLER,
)

RESULT_VERSION = 1
STOP_PERCENT = 90
"""A unit is stopped from the first request after which this share of its requests were."""

BLOCKING = frozenset({"block", "decoy", "throttle", "tarpit"})
CHALLENGING = frozenset({"challenge", "require_login"})
_SERVED, _CHALLENGED, _BLOCKED = 0, 1, 2  # what happened to one request
#: The status of an inline refusal per action (`enforce.pages`); 403 for the others.
REFUSAL_STATUS = {"throttle": 429, "tarpit": 429, "require_login": 401}

#: Classes scored per unit, in table order.
SCORED = (*MALICIOUS, UNVERIFIABLE_CRAWLER, GOOD_BOT)
#: Human groups held to the tighter per-group target (all but the easy ones).
HARD_GROUPS = tuple(g for g in HUMAN_GROUPS if g not in ("anonymous", "logged_in"))
QUICK_CLASSES = ("naive", "ua_rotating", "search_enumerator", "contact_enumerator")
QUICK_PEOPLE = 20
CAMPAIGN_PEOPLE = 500
PEOPLE_LISTED = 10  # people stopped that the terminal report names
LINKED_CLASSES = ("distributed", "account_farm")
LINK_SECONDS = 3600.0
RECALL_TARGET = 0.9
HUMAN_BLOCKED_TARGET = 0.001
HUMAN_CHALLENGED_TARGET = 0.02
GROUP_TARGET = 0.01


class EvalError(ScrapeguardError):
    """The log and the ground truth do not fit together, or the truth file is unusable."""


class Actor(Protocol):
    """One actor of the ground truth, as the simulator describes it."""

    @property
    def id(self) -> str: ...

    @property
    def cls(self) -> str: ...

    @property
    def group(self) -> str | None: ...

    @property
    def campaign(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TruthActor:
    """An actor read from a ground-truth file by `read_truth`."""

    id: str
    cls: str
    group: str | None = None
    campaign: str | None = None


@dataclass(frozen=True, slots=True)
class Truth:
    """A ground-truth file read by `read_truth`: its actors, the actor of each log line, and
    (when the file says them) the ids of the people each line's response showed and the
    number of people on the site."""

    actors: dict[str, TruthActor]
    labels: list[str]
    shown: list[list[int]] | None = None
    directory_size: int | None = None


def read_truth(path: str) -> Truth:
    """The actors of a ground-truth file, the actor of each log line and what each showed."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        actors = {
            str(key): TruthActor(str(key), str(a["class"]), a.get("group"), a.get("campaign"))
            for key, a in doc["actors"].items()
        }
        labels = [str(label) for label in doc["requests"]]
        shown = doc.get("shown")
        if shown is not None:
            shown = [[int(person) for person in people] for people in shown]
            if len(shown) != len(labels):
                raise ValueError(f"{len(shown):,} shown for {len(labels):,} requests")
        size = doc.get("directory_size")
        directory_size = None if size is None else int(size)
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EvalError(f"{path} is not a ground-truth file: {exc!r}") from None
    return Truth(actors, labels, shown, directory_size)


@dataclass
class ActorScore:
    """How the engine did against one unit: an actor, or a whole campaign (`members` > 1).

    For a campaign, `id` is the campaign's name."""

    id: str
    cls: str
    group: str | None
    campaign: str | None
    requests: int
    stopped: bool
    blocked: bool
    challenged: bool
    requests_to_stop: int | None
    people_served: int
    members: int = 1
    linked_after: float | None = None
    first_stop: FirstStop | None = None


@dataclass(frozen=True, slots=True)
class FirstStop:
    """The unit's first stopped request (1-based, in its own order; static assets not counted)
    and the decision that stopped it: what a person reviewing a false positive asks first."""

    request: int
    action: str
    key: str
    origin: str
    reasons: tuple[str, ...]


@dataclass
class ClassScore:
    """The units of one class, together. Shares are None when there is no unit."""

    cls: str
    units: int
    stopped: int
    recall: float | None
    precision: float | None
    median_requests_to_stop: float | None
    median_people_served: float | None
    max_people_served: int | None
    blocked: int  # units with a blocked request
    challenged: int  # units with a challenged request and no blocked one
    linked: int = 0  # campaigns whose members were linked
    max_linked_after: float | None = None  # the slowest link, in seconds


@dataclass
class HumanScore:
    """How many of a group of people were blocked or challenged at least once."""

    group: str
    actors: int
    blocked: float | None
    challenged: float | None
    fpr: float | None  # blocked or challenged


@dataclass
class EvalResult:
    """Everything `scrapeguard eval` reports."""

    units: list[ActorScore]
    classes: dict[str, ClassScore]
    humans: HumanScore
    groups: dict[str, HumanScore]
    false_positives: int
    lines: int
    seconds: float
    mode: str
    simulated: int  # requests whose action was not enforced (shadowed rules, tripped breaker)
    account_quota: float | None  # the volume detector's account quota per day, when enabled
    page_size: int  # the largest list or search page of the site model
    #: Requests per operator whose crawlers were left unverified for want of a current list.
    crawler_ranges_needed: dict[str, int]


@dataclass(slots=True)
class _Unit:
    id: str
    cls: str
    group: str | None
    campaign: str | None
    members: int = 0
    outcomes: bytearray = field(default_factory=bytearray)
    served: dict[str | int, int] = field(default_factory=dict)
    first: float | None = None
    linked_after: float | None = None
    stopped_by: dict[str, str] = field(default_factory=dict)  # decision key -> first member
    first_stop: FirstStop | None = None


def evaluate(
    events: Iterable[RequestEvent],
    labels: Sequence[str],
    actors: Mapping[str, Actor],
    guard: Guard,
    shown: Sequence[Sequence[int]] | None = None,
) -> EvalResult:
    """Run `events` through `guard` in order; `labels[i]` names the actor of the i-th event
    and `shown[i]`, when given, the ids of the people its response showed."""
    units: dict[tuple[str, ...], _Unit] = {}
    unit_of: dict[str, _Unit] = {}
    for actor in actors.values():
        if actor.cls in CAMPAIGN_CLASSES and actor.campaign is not None:
            key: tuple[str, ...] = ("campaign", actor.cls, actor.campaign)
            name, group = actor.campaign, None
        else:
            key, name, group = ("actor", actor.id), actor.id, actor.group
        unit = units.get(key)
        if unit is None:
            unit = units[key] = _Unit(name, actor.cls, group, actor.campaign)
        unit.members += 1
        unit_of[actor.id] = unit
    started = time.perf_counter()
    enabled = gc.isenabled()
    gc.disable()  # as in analyze.replay: millions of long-lived states, no cycles
    try:
        lines, simulated = _run(events, labels, unit_of, guard, shown)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    seconds = time.perf_counter() - started
    scores = [_score(u) for u in units.values() if u.outcomes]
    return _summarise(scores, lines, seconds, simulated, guard)


def _run(
    events: Iterable[RequestEvent],
    labels: Sequence[str],
    unit_of: Mapping[str, _Unit],
    guard: Guard,
    shown: Sequence[Sequence[int]] | None,
) -> tuple[int, int]:
    decide = guard.evaluate
    count = len(labels)
    lines = simulated = 0
    for event in events:
        if lines >= count:
            raise EvalError(f"the log has more requests than the truth labels ({count:,})")
        label = labels[lines]
        unit = unit_of.get(label)
        if unit is None:
            raise EvalError(f"request {lines + 1:,}: actor {label!r} is not in the truth")
        lines += 1
        held = guard.held(event).enforced
        if held in BLOCKING or held in CHALLENGING:
            event = refused(event, held)
        access, decision = decide(event)
        action = decision.action
        if action != decision.enforced:
            simulated += 1
        if unit.first is None:
            unit.first = event.time
        if access.kind == Kind.STATIC:
            continue
        if action in BLOCKING or action in CHALLENGING:
            unit.outcomes.append(_BLOCKED if action in BLOCKING else _CHALLENGED)
            if unit.first_stop is None:
                reasons = tuple(str(r) for r in decision.reasons)
                unit.first_stop = FirstStop(
                    len(unit.outcomes), action, decision.key, decision.origin, reasons
                )
            if unit.members > 1 and unit.linked_after is None:
                _link(unit, decision.key, label, event.time)
        else:
            unit.outcomes.append(_SERVED)
            if action == "cap":  # a data limit's refusal: not a stop, nobody shown
                continue
            served = unit.served
            if shown is not None:
                for person in shown[lines - 1]:
                    served[person] = 1
            else:
                for d in access.disclosures:
                    if d.subject not in served:
                        served[d.subject] = d.people
    if lines != count:
        raise EvalError(f"the log has {lines:,} requests but the truth labels {count:,}")
    return lines, simulated


def refused(event: RequestEvent, action: str) -> RequestEvent:
    """`event` as an inline integration would have recorded it had it refused the request
    before the app ran, for a decision in force of `action`: the refusal's status, nobody's
    data. The simulator writes its log as if nothing were stopped; inline, a refused request
    adds no people to its client's counts (nor to its network's or its campaign's)."""
    return replace(event, status=REFUSAL_STATUS.get(action, 403), disclosed=())


def _link(unit: _Unit, key: str, member: str, now: float) -> None:
    """Note that the decision against `key` stopped `member` of a campaign `unit`."""
    first = unit.stopped_by.setdefault(key, member)
    if first != member and unit.first is not None:
        unit.linked_after = now - unit.first
        unit.stopped_by.clear()


def stop_index(stopped: Sequence[int]) -> int | None:
    """The earliest index of a truthy (stopped) item from which at least `STOP_PERCENT` % of
    the remaining items are truthy, or None.

    The item itself must be stopped: otherwise a long blocked tail would place the stop
    before the first request that was actually stopped."""
    found = None
    suffix = 0
    for i in range(len(stopped) - 1, -1, -1):
        if stopped[i]:
            suffix += 1
            if suffix * 100 >= STOP_PERCENT * (len(stopped) - i):
                found = i
    return found


def _score(u: _Unit) -> ActorScore:
    first = stop_index(u.outcomes)
    blocked = _BLOCKED in u.outcomes
    return ActorScore(
        id=u.id,
        cls=u.cls,
        group=u.group,
        campaign=u.campaign,
        requests=len(u.outcomes),
        stopped=first is not None,
        blocked=blocked,
        challenged=not blocked and _CHALLENGED in u.outcomes,
        requests_to_stop=None if first is None else first + 1,
        people_served=sum(u.served.values()),
        members=u.members,
        linked_after=u.linked_after,
        first_stop=u.first_stop,
    )


def _summarise(
    scores: list[ActorScore], lines: int, seconds: float, simulated: int, guard: Guard
) -> EvalResult:
    humans = [s for s in scores if s.cls == HUMAN]
    bots = [s for s in scores if s.cls == GOOD_BOT]
    false_positives = sum(1 for s in (*humans, *bots) if s.blocked or s.challenged)
    classes = {
        cls: _class_score(cls, [s for s in scores if s.cls == cls], false_positives)
        for cls in SCORED
    }
    groups = {g: _human_score(g, [s for s in humans if s.group == g]) for g in HUMAN_GROUPS}
    volume = next((d for d in guard.detectors if isinstance(d, Volume)), None)
    pages = [r.page_size for r in guard.site.routes if r.kind in (Kind.LIST, Kind.SEARCH)]
    return EvalResult(
        units=scores,
        classes=classes,
        humans=_human_score("all", humans),
        groups=groups,
        false_positives=false_positives,
        lines=lines,
        seconds=seconds,
        mode=guard.policy.mode,
        simulated=simulated,
        account_quota=None if volume is None else float(volume.settings.account_per_day),
        page_size=max(pages, default=0),
        crawler_ranges_needed=guard.needs_ranges(),
    )


def _class_score(cls: str, units: list[ActorScore], false_positives: int) -> ClassScore:
    stopped = [u for u in units if u.stopped]
    n = len(units)
    tp = len(stopped)
    precision = None
    if cls != GOOD_BOT and tp + false_positives:
        precision = tp / (tp + false_positives)
    people = [u.people_served for u in units]
    links = [u.linked_after for u in units if u.linked_after is not None]
    return ClassScore(
        cls=cls,
        units=n,
        stopped=tp,
        recall=tp / n if n else None,
        precision=precision,
        median_requests_to_stop=_median(
            [u.requests_to_stop for u in stopped if u.requests_to_stop is not None]
        ),
        median_people_served=_median(people),
        max_people_served=max(people) if people else None,
        blocked=sum(u.blocked for u in units),
        challenged=sum(u.challenged for u in units),
        linked=len(links),
        max_linked_after=max(links) if links else None,
    )


def _human_score(group: str, people: list[ActorScore]) -> HumanScore:
    n = len(people)
    if not n:
        return HumanScore(group, 0, None, None, None)
    blocked = sum(p.blocked for p in people)
    challenged = sum(p.challenged for p in people)
    return HumanScore(group, n, blocked / n, challenged / n, (blocked + challenged) / n)


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


# Output -----------------------------------------------------------------------------------


def result_document(r: EvalResult) -> dict[str, Any]:
    """The `--json` document: human figures, then per class, then the targets."""
    return {
        "version": RESULT_VERSION,
        "lines": r.lines,
        "seconds": round(r.seconds, 3),
        "mode": r.mode,
        "simulated": r.simulated,
        "humans": r.humans.actors,
        "human_fpr": r.humans.fpr,
        "human_blocked": r.humans.blocked,
        "human_challenged": r.humans.challenged,
        "groups": {g: _human_entry(h) for g, h in r.groups.items()},
        "false_positives": r.false_positives,
        "classes": {cls: _class_entry(r.classes[cls]) for cls in MALICIOUS},
        "good_bot": _class_entry(r.classes[GOOD_BOT]),
        "unverifiable_crawler": _class_entry(r.classes[UNVERIFIABLE_CRAWLER]),
        "crawler_ranges_needed": r.crawler_ranges_needed,
        "units": [
            {
                "id": u.id,
                "class": u.cls,
                "group": u.group,
                "members": u.members,
                "requests": u.requests,
                "requests_to_stop": u.requests_to_stop,
                "people_served": u.people_served,
                "linked_after": u.linked_after,
                "blocked": u.blocked,
                "challenged": u.challenged,
                "first_stop": None if u.first_stop is None else asdict(u.first_stop),
            }
            for u in r.units
            if u.cls != HUMAN or u.first_stop is not None  # every person stopped, to review
        ],
        "targets": [
            {"target": target, "met": met, "figure": figure}
            for target, met, figure in check_targets(r)
        ],
    }


def _class_entry(c: ClassScore) -> dict[str, Any]:
    return {
        "actors": c.units,
        "stopped": c.stopped,
        "recall": c.recall,
        "precision": c.precision,
        "median_requests_to_stop": c.median_requests_to_stop,
        "profiles_before_block": c.median_people_served,
        "max_profiles_before_block": c.max_people_served,
        "blocked": c.blocked / c.units if c.units else None,
        "challenged": c.challenged / c.units if c.units else None,
        "linked": c.linked,
        "max_linked_after": c.max_linked_after,
    }


def _human_entry(h: HumanScore) -> dict[str, Any]:
    return {"actors": h.actors, "blocked": h.blocked, "challenged": h.challenged, "fpr": h.fpr}


def check_targets(r: EvalResult) -> list[tuple[str, bool, str]]:
    """(target, met, figure) for each target of the evaluation; unmeasurable ones are missed."""
    out: list[tuple[str, bool, str]] = []
    for cls in QUICK_CLASSES:
        c = r.classes[cls]
        target = f"{cls} stopped within {QUICK_PEOPLE} profiles"
        if not c.units:
            out.append(_unmeasured(target, "no actors"))
            continue
        met = c.recall == 1 and (c.max_people_served or 0) <= QUICK_PEOPLE
        out.append((target, met, _recall_and_people(c)))
    c = r.classes["new_account_harvester"]
    target = "new_account_harvester stopped at the account quota"
    if r.account_quota is None:
        out.append(_unmeasured(target, "the volume detector is off"))
    elif not c.units:
        out.append(_unmeasured(target, "no actors"))
    else:
        met = (c.max_people_served or 0) <= r.account_quota + r.page_size
        quota = f"; quota {r.account_quota:,.0f} a day + a page of {r.page_size}"
        out.append((target, met, _recall_and_people(c) + quota))
    for cls in LINKED_CLASSES:
        c = r.classes[cls]
        target = f"{cls} campaigns stopped before {CAMPAIGN_PEOPLE} people"
        if not c.units:
            out.append(_unmeasured(target, "no campaigns"))
        else:
            met = (c.max_people_served or 0) < CAMPAIGN_PEOPLE
            out.append((target, met, _recall_and_people(c)))
        target = f"{cls} campaigns linked within one simulated hour"
        if not c.units:
            out.append(_unmeasured(target, "no campaigns"))
        else:
            slowest = c.max_linked_after
            met = c.linked == c.units and slowest is not None and slowest <= LINK_SECONDS
            figure = f"{c.linked} of {c.units} linked"
            if slowest is not None:
                figure += f", the slowest after {slowest / 60:,.0f} min"
            out.append((target, met, figure))
    held = {*QUICK_CLASSES, "new_account_harvester", *LINKED_CLASSES}
    for cls in MALICIOUS:
        if cls in held:
            continue
        c = r.classes[cls]
        target = f"{cls} recall ≥ {RECALL_TARGET}"
        if not c.units or c.recall is None:
            out.append(_unmeasured(target, "no actors"))
        else:
            out.append(
                (target, c.recall >= RECALL_TARGET, f"{c.recall:.2f} ({c.stopped} of {c.units})")
            )
    h = r.humans
    for target, share, limit in (
        (f"humans blocked ≤ {HUMAN_BLOCKED_TARGET:.1%}", h.blocked, HUMAN_BLOCKED_TARGET),
        (
            f"humans challenged ≤ {HUMAN_CHALLENGED_TARGET:.0%}",
            h.challenged,
            HUMAN_CHALLENGED_TARGET,
        ),
    ):
        out.append(_share_target(target, share, limit, h.actors))
    for g in HARD_GROUPS:
        gs = r.groups[g]
        target = f"{g} humans blocked or challenged ≤ {GROUP_TARGET:.0%}"
        out.append(_share_target(target, gs.fpr, GROUP_TARGET, gs.actors))
    bots = r.classes[GOOD_BOT]
    if not bots.units:
        out.append(_unmeasured("good bots never blocked or challenged", "no good bots"))
    else:
        harmed = bots.blocked + bots.challenged
        figure = f"{harmed} of {bots.units} blocked or challenged"
        if harmed and r.crawler_ranges_needed:
            lists = ", ".join(r.crawler_ranges_needed)
            figure += f"; left unverified, their lists being stale or missing: {lists}"
        out.append(("good bots never blocked or challenged", harmed == 0, figure))
    return out


def _unmeasured(target: str, why: str) -> tuple[str, bool, str]:
    return target, False, f"not measured ({why})"


def _recall_and_people(c: ClassScore) -> str:
    return (
        f"recall {c.recall or 0:.2f} ({c.stopped} of {c.units}), "
        f"at most {c.max_people_served or 0:,} people served"
    )


def _share_target(
    target: str, share: float | None, limit: float, actors: int
) -> tuple[str, bool, str]:
    if share is None:
        return _unmeasured(target, "no actors")
    return target, share <= limit, f"{share:.2%} of {actors:,}"


def format_table(r: EvalResult) -> str:
    """The terminal report: a row per class, the humans overall and per group, the targets."""
    lines = [
        f"scrapeguard eval — {r.lines:,} requests in {r.seconds:.1f} s (policy mode: {r.mode})"
    ]
    if r.simulated:
        lines.append(
            f"{r.simulated:,} decisions were not enforced (shadowed rules or a tripped breaker); "
            "they are scored by the action the policy reached"
        )
    lines.append("")
    lines.append(
        f"{'class':<22} {'units':>6} {'recall':>7} {'precision':>9} {'to stop':>8} "
        f"{'people med':>10} {'people max':>10}"
    )
    for cls in SCORED:
        c = r.classes[cls]
        lines.append(
            f"{cls:<22} {c.units:>6,} {_num(c.recall):>7} {_num(c.precision):>9} "
            f"{_num(c.median_requests_to_stop, 0):>8} {_num(c.median_people_served, 0):>10} "
            f"{_num(c.max_people_served, 0):>10}"
        )
    lines.append(
        "(to stop: median requests before the stop; people: served by requests not stopped)"
    )
    lines.append("")
    lines.append(f"{'humans':<22} {'actors':>6} {'blocked':>8} {'challenged':>10} {'either':>8}")
    for h in (r.humans, *r.groups.values()):
        lines.append(
            f"{h.group:<22} {h.actors:>6,} {_pct(h.blocked):>8} {_pct(h.challenged):>10} "
            f"{_pct(h.fpr):>8}"
        )
    stopped = []
    for u in r.units:
        first = u.first_stop
        if u.cls == HUMAN and first is not None:
            why = first.reasons[0] if first.reasons else first.origin
            stopped.append(f"  {u.id} ({u.group}): {first.action} {first.key}: {why[:100]}")
    if stopped:
        here = f" (the first {PEOPLE_LISTED} here)" if len(stopped) > PEOPLE_LISTED else ""
        lines.append("")
        lines.append(f"people stopped: {len(stopped):,}{here}, each with its first reason")
        lines.extend(stopped[:PEOPLE_LISTED])
    lines.append("")
    lines.append("targets")
    for target, met, figure in check_targets(r):
        lines.append(f"  {'met' if met else 'MISSED':<7} {target:<58} {figure}")
    return "\n".join(lines)


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"
