"""The session model: tree ensembles read from a JSON file and evaluated in plain Python.

A model file holds two ensembles over the session features (`features.NAMES`):

- a gradient-boosted classifier (`classifier`): how likely a session is automated, with each
  feature's share of that score (the path contributions of every tree), so that the reasons
  can name the features behind a verdict;
- an isolation forest trained on people only (`isolation`): how unlike any person a session is,
  for automation of a kind the classifier never saw.

The file is JSON (numbers and names only): loading one runs no code, unlike a pickle, so a
model file from elsewhere can at worst be wrong, never harmful. `load_model` checks every
array before use, so a damaged file is refused with a message instead of failing later.
"""

from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, final

from ..errors import ScrapeguardError
from .features import NAMES

FORMAT = "scrapeguard-session-model"
VERSION = 1
SHIPPED = "session_model.json"


class ModelError(ScrapeguardError):
    """A model file that cannot be used, and why."""


@final
class Node:
    """A node of a decision tree: a split (`x[feature] <= threshold` goes `left`, else `right`)
    or a leaf, whose children are itself. `value` is the prediction here (for the isolation
    forest, a leaf's path length). Linked, so that a walk follows references instead of
    looking up four arrays at every step."""

    def __init__(self, feature: int, threshold: float, value: float) -> None:
        self.feature = feature
        self.threshold = threshold
        self.value = value
        self.is_leaf = True
        self.left: Node = self
        self.right: Node = self

    def leaf(self, x: list[float]) -> Node:
        """The leaf `x` falls into, from this node down."""
        node = self
        while not node.is_leaf:
            node = node.left if x[node.feature] <= node.threshold else node.right
        return node

    def explain(self, x: list[float], shares: list[float]) -> None:
        """Add each split's change of value on the path of `x` to its feature's share."""
        node = self
        while not node.is_leaf:
            child = node.left if x[node.feature] <= node.threshold else node.right
            shares[node.feature] += child.value - node.value
            node = child


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the classifier says about one session (`SessionModel.shares` says why, and
    `SessionModel.unusual` how unlike people's it is)."""

    automated: float  # probability, 0-1
    outside: list[tuple[str, float, float, float]]  # (feature, value, low, high) off people's


@dataclass(frozen=True, slots=True)
class SessionModel:
    """A loaded model file."""

    source: str
    description: str
    base: float
    classifier: list[Node]  # the roots of the trees
    isolation: list[Node]
    isolation_norm: float  # c(n) of the isolation forest's sample size
    human_range: list[tuple[float, float]]  # per feature: people's 1st and 99th percentile

    def judge(self, x: list[float]) -> Verdict:
        """The classifier's probability for session features `x`, and the features outside
        the range of people's."""
        x = _single(x)
        logit = self.base
        for tree in self.classifier:
            logit += tree.leaf(x).value
        automated = 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
        outside = [
            (NAMES[i], v, lo, hi)
            for i, (v, (lo, hi)) in enumerate(zip(x, self.human_range, strict=True))
            if v < lo or v > hi
        ]
        return Verdict(automated, outside)

    def unusual(self, x: list[float]) -> float:
        """The isolation score of `x`, 0-1: above 0.5, a session unlike the people's the model
        was trained on (0 without an isolation forest)."""
        if not self.isolation:
            return 0.0
        x = _single(x)
        depth = 0.0
        for tree in self.isolation:
            depth += tree.leaf(x).value
        depth /= len(self.isolation)
        return float(2.0 ** (-depth / self.isolation_norm))

    def shares(self, x: list[float]) -> list[float]:
        """Each feature's part of the classifier's log-odds for `x` (the change of value at
        every split on it, over all trees): why `judge` rates a session as it does."""
        x = _single(x)
        shares = [0.0] * len(x)
        for tree in self.classifier:
            tree.explain(x, shares)
        return shares


def _single(x: list[float]) -> list[float]:
    """`x` in single precision, as scikit-learn compares features with thresholds."""
    return list(array("f", x))


def average_path(n: float) -> float:
    """c(n): the average path length of an unsuccessful search in a binary tree of n points
    (Liu et al.'s isolation forest normaliser)."""
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    return 2.0 * (math.log(n - 1.0) + 0.5772156649015329) - 2.0 * (n - 1.0) / n


def load_model(path: str = "") -> SessionModel:
    """The model in file `path`, or the one shipped with scrapeguard when `path` is empty.
    Raises ModelError saying what is wrong with the file."""
    if not path:
        return _shipped()
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ModelError(f"{path}: not a scrapeguard session model (not UTF-8 text)") from None
    except ValueError as exc:  # a path with a NUL character
        raise ModelError(f"cannot read model file {path!r}: {exc}") from None
    return parse_model(text, path)


@cache
def _shipped() -> SessionModel:
    text = resources.files("scrapeguard.data").joinpath(SHIPPED).read_text(encoding="utf-8")
    return parse_model(text, f"(shipped) {SHIPPED}")


def parse_model(text: str, source: str) -> SessionModel:
    """Check and build a model from the JSON `text` of file `source`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ModelError(f"{source}: not a scrapeguard session model (nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelError(f"{source}: not a scrapeguard session model (no format: {FORMAT})")
    if doc.get("version") != VERSION:
        raise ModelError(f"{source}: model version {doc.get('version')!r}; this is {VERSION}")
    names = doc.get("features")
    if names != list(NAMES):
        raise ModelError(
            f"{source}: trained on other features than this scrapeguard computes; "
            "retrain it with `scrapeguard model train`"
        )
    try:
        classifier = doc["classifier"]
        isolation = doc["isolation"]
        low, high = doc["human_range"]["low"], doc["human_range"]["high"]
        model = SessionModel(
            source,
            str(doc.get("description", "")),
            _number(classifier["base"]),
            [_tree(t, len(NAMES)) for t in classifier["trees"]],
            [_tree(t, len(NAMES)) for t in isolation["trees"]],
            average_path(_number(isolation["samples"])),
            [(_number(a), _number(b)) for a, b in zip(low, high, strict=True)],
        )
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ModelError(f"{source}: damaged model file ({type(exc).__name__}: {exc})") from None
    if not model.classifier or len(model.human_range) != len(NAMES):
        raise ModelError(f"{source}: damaged model file (no trees or feature ranges)")
    return model


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def _tree(spec: dict[str, Any], features: int) -> Node:
    """A tree whose arrays agree in length, whose features exist and whose children come after
    their parent (so that every walk ends at a leaf)."""
    left = [int(v) for v in spec["left"]]
    right = [int(v) for v in spec["right"]]
    feature = [int(v) for v in spec["feature"]]
    threshold = [_number(v) for v in spec["threshold"]]
    value = [_number(v) for v in spec["value"]]
    n = len(left)
    if not n or not len(right) == len(feature) == len(threshold) == len(value) == n:
        raise ValueError("tree arrays of different lengths")
    for i in range(n):
        if left[i] < 0:
            continue
        if not (i < left[i] < n and i < right[i] < n and 0 <= feature[i] < features):
            raise ValueError(f"node {i} points outside its tree")
    nodes = [Node(feature[i], threshold[i], value[i]) for i in range(n)]
    for i, node in enumerate(nodes):
        if left[i] >= 0:
            node.is_leaf = False
            node.left, node.right = nodes[left[i]], nodes[right[i]]
    return nodes[0]
