"""Metrics: the registry renders valid Prometheus text exposition 0.0.4, checked line by line."""

from __future__ import annotations

import math
import re

import pytest

from scrapeguard.metrics import CONTENT_TYPE, OTHER, Registry

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
VALUE = r"[+-]?Inf|NaN|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
HELP_LINE = re.compile(rf"# HELP ({NAME}) ((?:[^\\\n]|\\[\\n])*)")
TYPE_LINE = re.compile(rf"# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)")
SAMPLE_LINE = re.compile(rf"({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? ({VALUE})")
PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
UNESCAPE = re.compile(r"\\([\\\"n])")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def unescape(text: str) -> str:
    return UNESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], text)


def parse(text: str) -> tuple[dict[str, str], dict[str, str], Samples]:
    """Strictly parse an exposition: returns help texts, types and samples (label values
    unescaped). Fails on any malformed line, a TYPE after its samples, a repeated family, a
    sample outside its family, and on histograms that are not cumulative or lack +Inf."""
    assert text.endswith("\n")
    helps: dict[str, str] = {}
    types: dict[str, str] = {}
    samples: Samples = {}
    family = ""
    for line in text[:-1].split("\n"):
        if m := HELP_LINE.fullmatch(line):
            assert m[1] not in helps, f"second HELP for {m[1]}"
            helps[m[1]], family = unescape(m[2]), m[1]
        elif m := TYPE_LINE.fullmatch(line):
            assert m[1] not in types, f"second TYPE for {m[1]}"
            assert m[1] == family, "TYPE must follow its HELP, before the samples"
            types[m[1]] = m[2]
        elif m := SAMPLE_LINE.fullmatch(line):
            name = m[1]
            suffixes = ("_bucket", "_sum", "_count") if types.get(family) == "histogram" else ()
            assert name == family or name in {family + s for s in suffixes}, line
            labels = tuple((k, unescape(v)) for k, v in PAIR.findall(m[2] or ""))
            assert len({k for k, _ in labels}) == len(labels), f"repeated label in {line}"
            key = (name, labels)
            assert key not in samples, f"repeated series {line}"
            samples[key] = float(m[3].replace("Inf", "inf"))
        else:
            pytest.fail(f"not a valid exposition line: {line!r}")
    for name, kind in types.items():
        if kind == "histogram":
            check_histogram(name, samples)
    return helps, types, samples


def check_histogram(name: str, samples: Samples) -> None:
    series: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    for (sample, labels), value in samples.items():
        if sample == name + "_bucket":
            le = dict(labels)["le"]
            rest = tuple(p for p in labels if p[0] != "le")
            series.setdefault(rest, []).append((float(le.replace("Inf", "inf")), value))
    assert series, f"{name} has no buckets"
    for labels, buckets in series.items():
        bounds = [b for b, _ in buckets]
        counts = [c for _, c in buckets]
        assert bounds == sorted(bounds) and bounds[-1] == math.inf
        assert counts == sorted(counts), f"{name} buckets are not cumulative"
        assert samples[(name + "_count", labels)] == counts[-1]
        assert (name + "_sum", labels) in samples


@pytest.mark.parametrize(
    "text",
    [
        "# TYPE a counter\na 1\n",  # no HELP before TYPE
        "# HELP a x\n# TYPE a counter\nb 1\n",  # a sample outside its family
        '# HELP a x\n# TYPE a gauge\na{l="x"y"} 1\n',  # an unescaped quote
        '# HELP a x\n# TYPE a gauge\na{l="x\\q"} 1\n',  # an unknown escape
        "# HELP a x\n# TYPE a gauge\na 1.2.3\n",
        "# HELP a x\n# TYPE a gauge\na 1",  # no final newline
        '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\n'
        "h_sum 1\nh_count 1\n",  # not cumulative
        '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',  # no +Inf
    ],
)
def test_the_checker_rejects_invalid_expositions(text: str) -> None:
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        parse(text)


def test_counter_gauge_and_histogram_render_as_valid_exposition() -> None:
    r = Registry()
    requests = r.counter("sg_requests_total", "Requests decided.", ("action",))
    r.counter("sg_errors_total", "Errors.")
    actors = r.gauge("sg_actors", "Actors in memory.")
    latency = r.histogram("sg_decide_seconds", "Time to decide.", [0.001, 0.01, 0.1])
    requests.inc("allow")
    requests.inc("allow")
    requests.inc("block", amount=2.5)
    actors.set(value=42)
    for v in (0.0005, 0.001, 0.005, 0.05, 3.0):
        latency.observe(v)
    helps, types, samples = parse(r.render())
    assert types == {
        "sg_requests_total": "counter",
        "sg_errors_total": "counter",
        "sg_actors": "gauge",
        "sg_decide_seconds": "histogram",
    }
    assert helps["sg_actors"] == "Actors in memory."
    assert samples[("sg_requests_total", (("action", "allow"),))] == 2
    assert samples[("sg_requests_total", (("action", "block"),))] == 2.5
    assert samples[("sg_errors_total", ())] == 0  # an unlabelled series exists from the start
    assert samples[("sg_actors", ())] == 42
    buckets = {
        dict(k[1])["le"]: v for k, v in samples.items() if k[0] == "sg_decide_seconds_bucket"
    }
    assert buckets == {"0.001": 2, "0.01": 3, "0.1": 4, "+Inf": 5}  # upper bounds inclusive
    assert samples[("sg_decide_seconds_count", ())] == 5
    assert samples[("sg_decide_seconds_sum", ())] == pytest.approx(3.0565)
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"


def test_labelled_histogram_buckets_are_cumulative_per_series() -> None:
    r = Registry()
    h = r.histogram("sg_people", "People per response.", [1, 10, 100], ("kind",))
    for v in (0, 1, 2, 50, 500):
        h.observe(v, "list")
    h.observe(3, "profile")
    _, _, samples = parse(r.render())

    def bucket(kind: str, le: str) -> float:
        return samples[("sg_people_bucket", (("kind", kind), ("le", le)))]

    assert [bucket("list", le) for le in ("1.0", "10.0", "100.0", "+Inf")] == [2, 3, 4, 5]
    assert [bucket("profile", le) for le in ("1.0", "10.0", "100.0", "+Inf")] == [0, 1, 1, 1]
    assert samples[("sg_people_sum", (("kind", "list"),))] == 553


def test_label_values_and_help_are_escaped() -> None:
    r = Registry()
    c = r.counter("sg_paths_total", 'Paths with "quotes", a \\ and a\nnewline.', ("path",))
    nasty = 'a\\b"c\nd}{,=e'
    c.inc(nasty)
    text = r.render()
    assert '\\\\b\\"c\\nd' in text
    assert '# HELP sg_paths_total Paths with "quotes", a \\\\ and a\\nnewline.\n' in text
    helps, _, samples = parse(text)
    assert samples[("sg_paths_total", (("path", nasty),))] == 1
    assert helps["sg_paths_total"] == 'Paths with "quotes", a \\ and a\nnewline.'


def test_special_values_render_as_go_floats() -> None:
    r = Registry()
    g = r.gauge("sg_values", "Values.", ("which",))
    for which, value in (("inf", math.inf), ("ninf", -math.inf), ("nan", math.nan)):
        g.set(which, value=value)
    g.set("big", value=1e300)
    text = r.render()
    assert 'sg_values{which="inf"} +Inf\n' in text
    assert 'sg_values{which="ninf"} -Inf\n' in text
    assert 'sg_values{which="nan"} NaN\n' in text
    parse(text)


def test_callback_gauge_is_read_at_render_time() -> None:
    r = Registry()
    size = [3]
    g = r.gauge("sg_state_actors", "Actors held.", callback=lambda: size[0])
    assert parse(r.render())[2][("sg_state_actors", ())] == 3
    size[0] = 7
    assert parse(r.render())[2][("sg_state_actors", ())] == 7
    assert g.value() == 7
    with pytest.raises(ValueError, match="callback"):
        g.set(value=1)
    with pytest.raises(ValueError, match="no labels"):
        r.gauge("sg_other", "x", ("a",), callback=lambda: 1.0)


def test_gauge_set_overwrites_and_counter_value_reads() -> None:
    r = Registry()
    g = r.gauge("sg_inflight", "In flight.", ("route",))
    g.set("/u", value=3)
    g.set("/u", value=1)
    c = r.counter("sg_total", "x", ("a", "b"))
    c.inc("x", "y", amount=4)
    assert g.value("/u") == 1 and g.value("/never") == 0
    assert c.value("x", "y") == 4
    assert parse(r.render())[2][("sg_inflight", (("route", "/u"),))] == 1


def test_cardinality_is_capped_and_the_rest_folded_into_other() -> None:
    r = Registry(max_series=3)
    c = r.counter("sg_by_ip_total", "x", ("ip", "kind"))
    h = r.histogram("sg_size", "x", [1], ("ip",))
    for i in range(10):
        c.inc(f"198.51.100.{i}", "guest")
        h.observe(2, f"198.51.100.{i}")
    c.inc("198.51.100.0", "guest")  # a series admitted before the cap keeps counting
    _, _, samples = parse(r.render())
    counter = {k[1]: v for k, v in samples.items() if k[0] == "sg_by_ip_total"}
    assert len(counter) == 4
    assert counter[(("ip", "198.51.100.0"), ("kind", "guest"))] == 2
    assert counter[(("ip", OTHER), ("kind", OTHER))] == 7
    assert samples[("sg_size_count", (("ip", OTHER),))] == 7
    assert sum(1 for k in samples if k[0] == "sg_size_count") == 4


def test_wrong_number_of_label_values_is_an_error() -> None:
    r = Registry()
    c = r.counter("sg_a_total", "x", ("a",))
    with pytest.raises(ValueError, match="1 label values, got 2"):
        c.inc("x", "y")
    with pytest.raises(ValueError, match="0 label values, got 1"):
        r.histogram("sg_h", "x", [1]).observe(1, "x")
    with pytest.raises(ValueError, match="decrease"):
        c.inc("x", amount=-1)


@pytest.mark.parametrize("name", ["", "1abc", "a-b", "a b", "é", "a\n"])
def test_invalid_metric_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="invalid metric name"):
        Registry().counter(name, "x")


@pytest.mark.parametrize("label", ["", "1a", "a:b", "__reserved", "a-b"])
def test_invalid_label_names_are_rejected(label: str) -> None:
    with pytest.raises(ValueError, match="invalid label name"):
        Registry().gauge("sg_g", "x", (label,))


def test_names_and_buckets_are_validated() -> None:
    r = Registry()
    r.histogram("sg_lat", "x", [0.1, 1, math.inf])  # an explicit +Inf is accepted
    with pytest.raises(ValueError, match="already registered"):
        r.counter("sg_lat_count", "x")
    with pytest.raises(ValueError, match="already registered"):
        r.gauge("sg_lat", "x")
    with pytest.raises(ValueError, match="repeated"):
        r.counter("sg_c", "x", ("a", "a"))
    with pytest.raises(ValueError, match="reserved"):
        r.histogram("sg_h1", "x", [1], ("le",))
    for bad in ([], [math.inf], [2, 1], [1, 1], [math.nan]):
        with pytest.raises(ValueError, match="bucket"):
            r.histogram("sg_h2", "x", bad)
    with pytest.raises(ValueError, match="max_series"):
        Registry(max_series=0)
    r.counter("sg_c", "x")  # a name rejected before is still free
    assert Registry().render() == ""
