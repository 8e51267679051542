"""Training the session model on labelled traffic (needs scikit-learn: the `model` extra).

Labelled traffic is a log with a ground truth that names the actor of every line, as
`scrapeguard simulate` writes it (docs/model.md says how to label a site's own traffic). It is
replayed through the engine, in shadow mode, and every actor's session features are taken at
its 1st, 2nd, 3rd, 5th, 10th, 20th, 50th… page and at its last, so the model learns to judge
short visits as well as long ones. Class `human` is labelled 0, every other class (the
simulator's scraper classes and impostors, or a site's own, e.g. `scraper`) 1; crawlers
(`good_bot`, `unverifiable_crawler`) and actors that share their principal (a cookieless
address used by several people) are left out. The people weigh as much as all scrapers
together, and each scraper class as much as any other, so that a class with many sessions does
not drown the rare ones.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..demo.classes import GOOD_BOT, HUMAN, UNVERIFIABLE_CRAWLER
from ..detectors.model import ModelSettings
from ..engine import Guard
from ..errors import ScrapeguardError
from ..events import RequestEvent
from ..policy import Policy
from ..site import Kind, SiteModel
from ..state import MemoryState
from ..state.actor import ActorState
from .features import NAMES, session_features
from .model import FORMAT, VERSION, SessionModel, average_path, parse_model

#: Classes left out of training: crawlers answer for themselves, by name.
CRAWLERS = (GOOD_BOT, UNVERIFIABLE_CRAWLER)
SNAPSHOT_PAGES = frozenset({1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000})
TREES = 150
DEPTH = 3
LEARNING_RATE = 0.1
ISOLATION_TREES = 100
ISOLATION_SAMPLES = 256
SEED = 0


@dataclass
class Sessions:
    """Feature rows of labelled sessions: `label` 1 for automation; `cls` the class, `actor`
    the truth actor, `pages` and `people` the pages it had requested and the distinct people
    it had received when the row was taken."""

    rows: list[list[float]] = field(default_factory=list)
    label: list[int] = field(default_factory=list)
    cls: list[str] = field(default_factory=list)
    actor: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    people: list[int] = field(default_factory=list)

    def extend(self, other: Sessions) -> None:
        """Add the rows of `other`."""
        for f in fields(self):
            getattr(self, f.name).extend(getattr(other, f.name))

    def subset(self, keep: Sequence[bool]) -> Sessions:
        """The rows where `keep` is true."""
        pick = [i for i, k in enumerate(keep) if k]
        return Sessions(*([getattr(self, f.name)[i] for i in pick] for f in fields(self)))


def _sklearn() -> Any:
    try:
        import sklearn.ensemble  # type: ignore[import-untyped]
    except ImportError:
        raise ScrapeguardError(
            "training a model needs scikit-learn: pip install 'scrapeguard[model]'"
        ) from None
    return sklearn.ensemble


def sessions_of(
    events: Iterable[RequestEvent],
    owners: Sequence[str],
    classes: Mapping[str, str],
    site: SiteModel,
    policy: Policy,
) -> Sessions:
    """Replay `events` (the actor of the i-th is `owners[i]`, its class `classes[actor]`)
    through a shadow-mode engine and take the session features of each principal."""
    off = {**policy.detector_settings, "model": ModelSettings(enabled=False)}
    guard = Guard(site, replace(policy, mode="shadow", detector_settings=off), MemoryState())
    out = Sessions()
    owner_of: dict[str, str] = {}
    mixed: set[str] = set()
    latest: dict[str, int] = {}

    def state(key: str) -> ActorState:
        found = guard.state.get(key)
        assert found is not None  # `evaluate_all` counted it
        return found

    def take(key: str, actor: str) -> None:
        s = state(key)
        out.rows.append(session_features(s))
        out.label.append(0 if classes[actor] == HUMAN else 1)
        out.cls.append(classes[actor])
        out.actor.append(actor)
        out.pages.append(s.pages)
        out.people.append(s.distinct)

    for i, (event, access, _) in enumerate(guard.evaluate_all(events)):
        if access.kind == Kind.STATIC:
            continue
        actor = owners[i]
        if classes.get(actor, CRAWLERS[0]) in CRAWLERS:
            continue
        key = principal_key(event)
        if owner_of.setdefault(key, actor) != actor:
            mixed.add(key)
            continue
        if key in mixed:
            continue
        pages = state(key).pages
        if pages in SNAPSHOT_PAGES:
            take(key, actor)
            latest.pop(key, None)
        else:
            latest[key] = pages
    for key in latest:  # each session's last page, when not taken already
        if key not in mixed:
            take(key, owner_of[key])
    return out


def principal_key(event: RequestEvent) -> str:
    """The actor the engine judges a request's client by: account, else session, else address."""
    if event.account is not None:
        return "account:" + event.account
    if event.session is not None:
        return "session:" + event.session
    return "ip:" + event.ip


def weights(s: Sessions) -> list[float]:
    """Sample weights: the people weigh as much as all scraper classes together, and each
    scraper class as much as any other."""
    counts = Counter(s.cls)
    scrapers = max(sum(1 for c in counts if c != HUMAN), 1)
    return [(scrapers if c == HUMAN else 1.0) / counts[c] for c in s.cls]


def train(s: Sessions, description: str) -> dict[str, Any]:
    """Train both ensembles on `s` and return the model document (`model.parse_model`)."""
    gbm, forest = fit(s)
    return export(gbm, forest, s, description)


def fit(s: Sessions) -> tuple[Any, Any]:
    """The scikit-learn classifier and isolation forest (trained on the people) for `s`."""
    if not any(s.label) or all(s.label):
        raise ScrapeguardError("training needs sessions of people and of scrapers")
    ensemble = _sklearn()
    gbm = ensemble.GradientBoostingClassifier(
        n_estimators=TREES,
        max_depth=DEPTH,
        learning_rate=LEARNING_RATE,
        subsample=0.8,
        random_state=SEED,
    )
    gbm.fit(s.rows, s.label, sample_weight=weights(s))
    people = _people(s)
    forest = ensemble.IsolationForest(
        n_estimators=ISOLATION_TREES,
        max_samples=min(ISOLATION_SAMPLES, len(people)),
        random_state=SEED,
    )
    forest.fit(people)
    return gbm, forest


def export(gbm: Any, forest: Any, s: Sessions, description: str) -> dict[str, Any]:
    """The model document of a fitted classifier and isolation forest, with the range of
    each feature among the people of `s`."""
    people = _people(s)
    prior = gbm.init_.class_prior_
    return {
        "format": FORMAT,
        "version": VERSION,
        "description": description,
        "features": list(NAMES),
        "classifier": {
            "base": math.log(prior[1] / prior[0]),
            "trees": [_boosted(t[0].tree_, gbm.learning_rate) for t in gbm.estimators_],
        },
        "isolation": {
            "samples": int(forest.max_samples_),
            "trees": [
                _isolation(t.tree_, [int(i) for i in f])
                for t, f in zip(forest.estimators_, forest.estimators_features_, strict=True)
            ],
        },
        "human_range": {
            "low": [_percentile(people, i, 0.01) for i in range(len(NAMES))],
            "high": [_percentile(people, i, 0.99) for i in range(len(NAMES))],
        },
        "trained_on": _summary(s),
    }


def _people(s: Sessions) -> list[list[float]]:
    return [r for r, y in zip(s.rows, s.label, strict=True) if not y]


def _boosted(tree: Any, rate: float) -> dict[str, list[Any]]:
    return {
        "feature": [max(int(f), 0) for f in tree.feature],
        "threshold": [float(t) for t in tree.threshold],
        "left": [int(v) for v in tree.children_left],
        "right": [int(v) for v in tree.children_right],
        "value": [float(v[0][0]) * rate for v in tree.value],
    }


def _isolation(tree: Any, features: list[int]) -> dict[str, list[Any]]:
    """An isolation tree whose leaves hold the path length of a point that ends there."""
    left, right = tree.children_left, tree.children_right
    depth = [0] * tree.node_count
    for node in range(tree.node_count):
        if left[node] >= 0:
            depth[left[node]] = depth[right[node]] = depth[node] + 1
    return {
        "feature": [features[int(f)] if f >= 0 else 0 for f in tree.feature],
        "threshold": [float(t) for t in tree.threshold],
        "left": [int(v) for v in left],
        "right": [int(v) for v in right],
        "value": [
            depth[n] + average_path(int(tree.n_node_samples[n])) if left[n] < 0 else 0.0
            for n in range(tree.node_count)
        ],
    }


def _percentile(rows: list[list[float]], i: int, q: float) -> float:
    values = sorted(r[i] for r in rows)
    return round(values[min(int(q * len(values)), len(values) - 1)], 6)


def _summary(s: Sessions) -> dict[str, dict[str, int]]:
    rows = Counter(s.cls)
    actors = Counter(c for c, _ in set(zip(s.cls, s.actor, strict=True)))
    return {c: {"rows": rows[c], "actors": actors[c]} for c in sorted(rows)}


def model_of(document: dict[str, Any], source: str) -> SessionModel:
    """The loaded form of a freshly trained model document (checked like any file)."""
    return parse_model(json.dumps(document), source)


@dataclass(frozen=True)
class LeftOut:
    """How a model trained without class `cls` judged that class and unseen people: the share
    of actors flagged (probability ≥ `likely`) by their last page and at any page taken."""

    cls: str
    actors: int
    flagged_last: float
    flagged_any: float
    people: int
    people_flagged_last: float
    people_flagged_any: float


def leave_one_class_out(s: Sessions, settings: ModelSettings) -> list[LeftOut]:
    """Train once per scraper class without it (and without half of the people, chosen by a
    hash of their id) and measure how the model judges the class left out and those people,
    as the detector with `settings` would."""
    held_people = [c == HUMAN and _half(a) for c, a in zip(s.cls, s.actor, strict=True)]
    people = s.subset(held_people)
    out = []
    for cls in sorted({c for c in s.cls if c != HUMAN}):
        train_rows = s.subset([c != cls and not h for c, h in zip(s.cls, held_people, strict=True)])
        model = model_of(train(train_rows, f"without {cls}"), f"without {cls}")
        left = s.subset([c == cls for c in s.cls])
        last, anywhere = _flagged(model, left, settings)
        p_last, p_any = _flagged(model, people, settings)
        n, n_people = len(set(left.actor)), len(set(people.actor))
        out.append(LeftOut(cls, n, last, anywhere, n_people, p_last, p_any))
    return out


def _half(actor: str) -> bool:
    return hashlib.blake2b(actor.encode(), digest_size=2).digest()[0] % 2 == 1


def _flagged(model: SessionModel, s: Sessions, settings: ModelSettings) -> tuple[float, float]:
    """Shares of `s`'s actors flagged at their last row, and at any row, as the detector
    judges them (from `min_pages` pages and `min_people` people on)."""
    last: dict[str, tuple[int, bool]] = {}
    anywhere: set[str] = set()
    for row, actor, pages, people in zip(s.rows, s.actor, s.pages, s.people, strict=True):
        hit = (
            pages >= settings.min_pages
            and people >= settings.min_people
            and model.judge(row).automated >= settings.likely
        )
        if hit:
            anywhere.add(actor)
        if actor not in last or pages >= last[actor][0]:
            last[actor] = (pages, hit)
    n = max(len(last), 1)
    return sum(h for _, h in last.values()) / n, len(anywhere) / n
