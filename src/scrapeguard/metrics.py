"""Prometheus metrics without a dependency: counters, gauges, histograms and a registry that
renders the text exposition format 0.0.4.

Updates are cheap enough for every request: a series is a dict entry keyed by the tuple of its
label values, a histogram finds its bucket by bisection. Nothing is locked. Metrics are
per process: a server with several worker processes has one registry in each, so scrape each
process or aggregate them upstream. With threads, two updates of one series that race may
rarely lose one of them (the GIL makes `+=` on a dict entry almost, not quite, atomic);
rendering copies each metric's series first, so it is safe while other threads update.

Each metric keeps at most `max_series` label sets; updates for further label sets are folded
into one series whose every label value is `other`, so a label fed from visitor input cannot
exhaust memory.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OTHER = "other"

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class _Metric:
    """What every metric has: a name, a help text, label names and the cardinality cap."""

    kind = ""

    def __init__(self, name: str, help: str, labels: tuple[str, ...], max_series: int) -> None:
        self.name = name
        self.help = help
        self.labels = labels
        self._max_series = max_series
        self._other = (OTHER,) * len(labels)

    def _admit(self, labels: tuple[str, ...], count: int) -> tuple[str, ...]:
        """The key a new label set is stored under, given `count` series exist already."""
        if len(labels) != len(self.labels):
            raise ValueError(
                f"{self.name} takes {len(self.labels)} label values, got {len(labels)}"
            )
        return labels if count < self._max_series else self._other

    def header(self) -> str:
        """The HELP and TYPE lines."""
        return f"# HELP {self.name} {_escape_help(self.help)}\n# TYPE {self.name} {self.kind}\n"

    def samples(self) -> Iterator[str]:
        """The sample lines, each ending in a newline."""
        raise NotImplementedError

    def _labelled(self, values: tuple[str, ...], extra: str = "") -> str:
        """`{name="value",…}` for a series, or an empty string for an unlabelled one."""
        pairs = [f'{n}="{_escape_value(v)}"' for n, v in zip(self.labels, values, strict=True)]
        if extra:
            pairs.append(extra)
        return "{" + ",".join(pairs) + "}" if pairs else ""


class Counter(_Metric):
    """A value that only goes up: requests seen, decisions taken."""

    kind = "counter"

    def __init__(self, name: str, help: str, labels: tuple[str, ...], max_series: int) -> None:
        super().__init__(name, help, labels, max_series)
        self._values: dict[tuple[str, ...], float] = {} if labels else {(): 0.0}

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        """Add `amount` (not negative) to the series of these label values."""
        if amount < 0:
            raise ValueError(f"{self.name}: a counter cannot decrease (amount {amount})")
        values = self._values
        if labels in values:
            values[labels] += amount
        else:
            key = self._admit(labels, len(values))
            values[key] = values.get(key, 0.0) + amount

    def value(self, *labels: str) -> float:
        """The current value of a series (0 for one never updated)."""
        return self._values.get(labels, 0.0)

    def samples(self) -> Iterator[str]:
        for labels, value in list(self._values.items()):
            yield f"{self.name}{self._labelled(labels)} {_number(value)}\n"


class Gauge(_Metric):
    """A value that goes up and down, either set by the application or read from `callback`
    at render time (an unlabelled gauge then, such as the number of actors in memory)."""

    kind = "gauge"

    def __init__(
        self,
        name: str,
        help: str,
        labels: tuple[str, ...],
        max_series: int,
        callback: Callable[[], float] | None = None,
    ) -> None:
        if callback is not None and labels:
            raise ValueError(f"{name}: a gauge read from a callback has no labels")
        super().__init__(name, help, labels, max_series)
        self._callback = callback
        self._values: dict[tuple[str, ...], float] = {} if labels else {(): 0.0}

    def set(self, *labels: str, value: float) -> None:
        """Set the series of these label values to `value`."""
        if self._callback is not None:
            raise ValueError(f"{self.name} is read from its callback and cannot be set")
        values = self._values
        values[labels if labels in values else self._admit(labels, len(values))] = value

    def value(self, *labels: str) -> float:
        """The current value of a series (the callback's for a callback gauge)."""
        if self._callback is not None:
            return self._callback()
        return self._values.get(labels, 0.0)

    def samples(self) -> Iterator[str]:
        if self._callback is not None:
            yield f"{self.name} {_number(self._callback())}\n"
            return
        for labels, value in list(self._values.items()):
            yield f"{self.name}{self._labelled(labels)} {_number(value)}\n"


class _Series:
    """One histogram series: observations per bucket (not cumulative; the last is +Inf)."""

    __slots__ = ("counts", "sum")

    def __init__(self, buckets: int) -> None:
        self.counts = [0] * (buckets + 1)
        self.sum = 0.0


class Histogram(_Metric):
    """Observations counted in fixed buckets (upper bounds, inclusive), with their sum."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        help: str,
        buckets: Sequence[float],
        labels: tuple[str, ...],
        max_series: int,
    ) -> None:
        if "le" in labels:
            raise ValueError(f"{name}: 'le' is reserved for histogram buckets")
        bounds = [float(b) for b in buckets]
        if bounds and bounds[-1] == math.inf:
            bounds.pop()
        if not bounds:
            raise ValueError(f"{name}: a histogram needs at least one finite bucket")
        if not all(math.isfinite(b) for b in bounds) or any(
            a >= b for a, b in zip(bounds, bounds[1:], strict=False)
        ):
            raise ValueError(f"{name}: buckets must be finite and strictly increasing: {buckets}")
        super().__init__(name, help, labels, max_series)
        self._bounds = bounds
        self._le = [f'le="{_number(b)}"' for b in bounds] + ['le="+Inf"']
        self._series: dict[tuple[str, ...], _Series] = {} if labels else {(): _Series(len(bounds))}

    def observe(self, value: float, *labels: str) -> None:
        """Count `value` in the series of these label values."""
        series = self._series.get(labels)
        if series is None:
            key = self._admit(labels, len(self._series))
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _Series(len(self._bounds))
        series.counts[bisect_left(self._bounds, value)] += 1
        series.sum += value

    def samples(self) -> Iterator[str]:
        name = self.name
        for labels, series in list(self._series.items()):
            counts, total = list(series.counts), series.sum
            cumulative = 0
            for le, count in zip(self._le, counts, strict=True):
                cumulative += count
                yield f"{name}_bucket{self._labelled(labels, le)} {cumulative}\n"
            plain = self._labelled(labels)
            yield f"{name}_sum{plain} {_number(total)}\n{name}_count{plain} {cumulative}\n"


class Registry:
    """The metrics of one process, rendered together for a scrape.

    `max_series` caps the label sets of each metric (see the module docstring).
    """

    def __init__(self, max_series: int = 1000) -> None:
        if max_series < 1:
            raise ValueError(f"max_series must be at least 1, got {max_series}")
        self.max_series = max_series
        self._metrics: list[_Metric] = []
        self._names: set[str] = set()

    def counter(self, name: str, help: str, labels: tuple[str, ...] = ()) -> Counter:
        """A new counter; `name` conventionally ends in `_total`."""
        metric = Counter(name, help, labels, self.max_series)
        self._register(metric, (name,))
        return metric

    def gauge(
        self,
        name: str,
        help: str,
        labels: tuple[str, ...] = (),
        callback: Callable[[], float] | None = None,
    ) -> Gauge:
        """A new gauge, set by the application or, with `callback`, read at render time."""
        metric = Gauge(name, help, labels, self.max_series, callback)
        self._register(metric, (name,))
        return metric

    def histogram(
        self, name: str, help: str, buckets: Sequence[float], labels: tuple[str, ...] = ()
    ) -> Histogram:
        """A new histogram with these bucket upper bounds (+Inf is always added)."""
        metric = Histogram(name, help, buckets, labels, self.max_series)
        self._register(metric, (name, f"{name}_bucket", f"{name}_sum", f"{name}_count"))
        return metric

    def render(self) -> str:
        """Every metric in the text exposition format 0.0.4 (serve it as `CONTENT_TYPE`)."""
        out: list[str] = []
        for metric in self._metrics:
            out.append(metric.header())
            out.extend(metric.samples())
        return "".join(out)

    def _register(self, metric: _Metric, names: tuple[str, ...]) -> None:
        """Check the metric's name and label names, and that its sample names are free."""
        if not _METRIC_NAME.fullmatch(metric.name):
            raise ValueError(f"invalid metric name {metric.name!r}")
        labels = metric.labels
        for label in labels:
            if not _LABEL_NAME.fullmatch(label) or label.startswith("__"):
                raise ValueError(f"{metric.name}: invalid label name {label!r}")
        if len(set(labels)) != len(labels):
            raise ValueError(f"{metric.name}: repeated label names {labels}")
        taken = self._names.intersection(names)
        if taken:
            raise ValueError(f"{metric.name}: the name {min(taken)!r} is already registered")
        self._names.update(names)
        self._metrics.append(metric)


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
