"""Property tests: configuration files, however broken, are judged as docs/policy.md and
docs/site-model.md promise: every mistake reported at once, each with its file and line, only
ever as a `ConfigError` (never a Python error from deep inside), and a valid file loads as
written, with the documented defaults for what it leaves out."""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from scrapeguard.config import MAX_ALIASED_VALUES, load_document, parse_duration
from scrapeguard.detectors import DETECTORS
from scrapeguard.enforce.settings import _KEYS as ENFORCE_KEYS
from scrapeguard.enforce.settings import EnforceSettings
from scrapeguard.errors import ConfigError
from scrapeguard.events import RequestEvent
from scrapeguard.integrations.loading import read_config
from scrapeguard.policy import _POLICY_KEYS, ACTIONS, Policy, policy_from_document
from scrapeguard.site import _ROUTE_KEYS, _SITE_KEYS, Kind, site_from_document

SOURCE = "hostile.yaml"
MESSAGE = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+): (?P<text>[^\n]+)$")
HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_all(text: str, source: str = SOURCE) -> Any:
    """Everything one configuration file configures, as the inline integrations and
    `scrapeguard check` read it, and the site and policy as `scrapeguard analyze --site` does."""
    doc = load_document(text, source)
    read_config(doc)
    site_from_document(doc)
    policy_from_document(doc)
    return doc


def config_errors(text: str, source: str = SOURCE) -> list[str]:
    """The messages of the `ConfigError` that `text` raises; [] when it loads. Any other
    exception fails the test."""
    try:
        load_all(text, source)
    except ConfigError as exc:
        return exc.messages
    return []


#: What YAML reads as the end of a line.
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def assert_well_reported(text: str, messages: list[str], source: str = SOURCE) -> None:
    """Each message names the file and a line of it, on one line."""
    last = len(LINE_BREAK.findall(text)) + 1
    for message in messages:
        m = MESSAGE.match(message)
        assert m is not None, message
        assert m["file"] == source, message
        assert 1 <= int(m["line"]) <= last, (message, last)


# -- hostile documents ---------------------------------------------------------------------

TRICKY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "10m",
        "1h",
        "7d",
        "2w",
        "10y",
        "-5m",
        "1e3s",
        "nan",
        "inf",
        "/u/{username}",
        "/u/{",
        "/u/{x}/{x}",
        "u/x",
        "(a|b)*[",
        "2027-13-45",
        "2027-06-30",
        "192.0.2.0/24",
        "10.0.0.0/33",
        "::1/129",
        "unix",
        "shadow",
        "enforce",
        "a{99999999999}",
        "\ufeff",
        "\t",
        "\x00",
        "é🙂",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    TRICKY_TEXT,
    st.dates(),
)
KEYS = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.floats())
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)


def section(known: set[str] | frozenset[str], values: st.SearchStrategy[Any] = JUNK) -> Any:
    """A mapping of some of the `known` keys (and maybe an unknown one) to `values`, or junk
    in the section's place."""
    return st.one_of(
        st.dictionaries(st.sampled_from(sorted(known)) | st.text(max_size=6), values, max_size=6),
        JUNK,
    )


ROUTE = section(_ROUTE_KEYS) | TRICKY_TEXT
PARTNER = st.fixed_dictionaries(
    {},
    optional={
        "name": JUNK,
        "purpose": JUNK,
        "match": section({"ip", "account", "user_agent"}),
        "people_per_day": JUNK,
        "expires": JUNK,
    },
)
DETECTOR_SETTINGS = st.dictionaries(
    st.sampled_from(sorted(DETECTORS)),
    st.one_of(
        st.booleans(),
        st.dictionaries(
            st.sampled_from(
                sorted({f.name for d in DETECTORS.values() for f in fields(d.settings_type)})
                + ["file"]
            ),
            JUNK,
            max_size=4,
        ),
        JUNK,
    ),
    max_size=4,
)
SITE = st.fixed_dictionaries(
    {},
    optional={
        **{k: st.lists(ROUTE, max_size=3) | JUNK for k in _SITE_KEYS},
        "directory_size": JUNK,
        "name": JUNK,
    },
)
POLICY = st.fixed_dictionaries(
    {},
    optional={
        **{k: JUNK for k in _POLICY_KEYS},
        "thresholds": section(set(ACTIONS), JUNK | section({"score", "shadow"})),
        "durations": section(set(ACTIONS)),
        "limits": section({"guest", "people_per_hour", "people_per_day", "search"}),
        "partners": st.lists(PARTNER | JUNK, max_size=3) | JUNK,
        "blocklist": st.lists(section({"ip", "account", "expires", "reason"}), max_size=3),
        "detectors": DETECTOR_SETTINGS | JUNK,
        "breaker": section({"enabled", "factor", "bucket", "history", "min_blocks"}),
    },
)
ENFORCE = st.fixed_dictionaries(
    {},
    optional={
        **{k: JUNK for k in ENFORCE_KEYS},
        "challenge": section({"difficulty", "ttl", "pass_ttl", "wait", "exempt"}),
        "tarpit": section({"delay", "concurrency"}),
    },
)
DOCUMENT = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "site": SITE | JUNK,
            "network": section({"trusted_proxies", "shared_ranges"}),
            "policy": POLICY | JUNK,
            "enforce": ENFORCE | JUNK,
            "retention": section({"decisions", "ledger", "alerts", "audit", "period"}),
        },
    ),
    JUNK,
)


def dump(data: Any, flow: bool | None) -> str:
    return yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)


@HOSTILE
@given(DOCUMENT, st.sampled_from([False, True, None]))
def test_any_document_loads_or_fails_with_file_and_line(data: Any, flow: bool | None) -> None:
    """A document of the right shape with junk at any key (lists for mappings, nulls, huge
    numbers, NaN, booleans for numbers, keys that are numbers or null, malformed routes,
    dates and ranges) loads, or fails with a `ConfigError` whose every message names the file
    and a line of it."""
    text = dump(data, flow)
    assert_well_reported(text, config_errors(text))


SPOILERS = st.sampled_from(
    ["\t", "\ufeff", "\x00", "\x85", "&a ", "*a", "*a ", "<<: ", "? ", "!!binary ", "!!int ", ":"]
    + ["{", "}", "[", "]", "- ", "#", "'", '"', "\n", "\n\n", " ", "    ", "%YAML 1.1\n", "---"]
)


@HOSTILE
@given(DOCUMENT, st.lists(st.tuples(st.integers(0, 10**6), SPOILERS), max_size=4))
def test_any_text_loads_or_fails_with_file_and_line(
    data: Any, spoilers: list[tuple[int, str]]
) -> None:
    """The same once the text itself is spoiled: tabs, byte order marks, control characters,
    stray anchors and aliases, merge keys, tags, brackets, quotes, directives."""
    text = dump(data, False)
    for at, spoiler in spoilers:
        at %= len(text) + 1
        text = text[:at] + spoiler + text[at:]
    assert_well_reported(text, config_errors(text))


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 12), st.integers(2, 12))
def test_an_alias_bomb_is_refused_quickly(depth: int, fanout: int) -> None:
    """A "billion laughs" document of nested aliases is refused with its line, in moments and
    small memory, however far it would expand; one that expands to a few values loads."""
    lines = ["a0: &a0 [lol]"]
    for i in range(1, depth + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fanout)}]")
    text = "\n".join(["policy:", *("  " + line for line in lines)]) + "\n"
    started = time.monotonic()
    messages = config_errors(text)
    assert time.monotonic() - started < 2.0
    assert_well_reported(text, messages)
    size, repeated = 2, 0  # values in a0: the list and its item
    for _ in range(depth):
        repeated += fanout * size
        size = 1 + fanout * size
    if repeated > MAX_ALIASED_VALUES:
        assert any("aliases" in m for m in messages), messages
    else:
        assert any("policy.a0: unknown setting" in m for m in messages), messages


# -- several mistakes at once --------------------------------------------------------------

BASE = yaml.safe_load(
    (Path(__file__).parent / "testdata" / "config" / "good-site.yaml").read_text()
)

#: A mistake: where to make it (the path down the document), the wrong value, and the dotted
#: path its message names.
MISTAKES: list[tuple[tuple[str | int, ...], Any, str]] = [
    (("policy", "mode"), "enforced", "policy.mode"),
    (("policy", "thresholds", "block"), 150, "policy.thresholds.block"),
    (("policy", "durations", "block"), "10 parsecs", "policy.durations.block"),
    (("policy", "traits_act_after"), math.nan, "policy.traits_act_after"),
    (("policy", "breaker", "factor"), True, "policy.breaker.factor"),
    (("policy", "partners", 0, "expires"), "2027-13-45", "policy.partners.0.expires"),
    (("policy", "blocklist"), [{"ip": "999.1.1.1"}], "policy.blocklist.0.ip"),
    (("policy", "degrade_fields"), [""], "policy.degrade_fields.0"),
    (("site", "directory_size"), -10, "site.directory_size"),
    (("site", "personal_data", 0, "route"), "u/{username}", "site.personal_data.0.route"),
    (("site", "robots_disallow"), ["admin"], "site.robots_disallow.0"),
    (("site", "lookup", 0, "miss_status"), [600], "site.lookup.0.miss_status.0"),
    (("network", "trusted_proxies"), ["10.0.0.0/33"], "network.trusted_proxies.0"),
    (("network", "shared_ranges"), ["unix"], "network.shared_ranges.0"),
    (("enforce", "on_error"), "maybe", "enforce.on_error"),
    (("enforce", "tarpit", "delay"), "1y", "enforce.tarpit.delay"),
    (("enforce", "metrics_allow"), ["localhost"], "enforce.metrics_allow.0"),
    (("retention", "period"), "forever", "retention.period"),
    (("policy", "typo"), 1, "policy.typo"),
    (("sitee",), {}, "sitee"),
]


def line_of(text: str, path: tuple[str | int, ...]) -> int:
    """The line of the value at `path` (of its key, in a mapping), read with PyYAML alone."""
    node = yaml.compose(text)
    line = node.start_mark.line
    for step in path:
        if isinstance(node, yaml.SequenceNode):
            node = node.value[int(step)]
            line = node.start_mark.line
        else:
            key, node = next((k, v) for k, v in node.value if k.value == str(step))
            line = key.start_mark.line
    return line + 1


def put(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data.setdefault(step, {}) if isinstance(data, dict) else data[step]
    data[path[-1]] = value


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(range(len(MISTAKES))), min_size=1, max_size=8, unique=True),
    st.booleans(),
)
def test_every_mistake_of_a_file_is_reported_at_once_with_its_line(
    chosen: list[int], flow_leaves: bool
) -> None:
    """Any set of independent mistakes in one file are all reported together, each with the
    line it is on and its dotted path."""
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for i in chosen:
        where, value, _ = MISTAKES[i]
        put(data, where, value)
    text = yaml.safe_dump(data, default_flow_style=None if flow_leaves else False)
    messages = config_errors(text)
    assert_well_reported(text, messages)
    for i in chosen:
        where, _, dotted = MISTAKES[i]
        line = line_of(text, tuple(dotted.split(".")))
        assert any(m.startswith(f"{SOURCE}:{line}: {dotted}: ") for m in messages), (
            dotted,
            line,
            messages,
        )
    assert len(messages) == len(set(messages))


# -- valid files ---------------------------------------------------------------------------

DEFAULT = Policy()


def spellings(seconds: float) -> st.SearchStrategy[Any]:
    """Ways to write a duration of `seconds`: a number, or with a unit that divides it."""
    out: list[Any] = [int(seconds), float(seconds), f"{int(seconds)}s", f"{int(seconds)} s"]
    for unit, size in (("m", 60), ("h", 3600), ("d", 86400), ("w", 604800)):
        if seconds and seconds % size == 0:
            out += [f"{int(seconds // size)}{unit}", f" {int(seconds // size)}{unit} "]
    return st.sampled_from(out)


DEFAULTS_WRITTEN_OUT = st.fixed_dictionaries(
    {},
    optional={
        "mode": st.just("shadow"),
        "thresholds": st.just({"challenge": 40, "throttle": 60.0, "block": {"score": 85}}),
        "durations": st.fixed_dictionaries(
            {}, optional={a: spellings(s) for a, s in DEFAULT.durations.items()}
        ),
        "breaker": st.fixed_dictionaries(
            {},
            optional={
                "enabled": st.just(True),
                "factor": st.just(3),
                "bucket": spellings(600),
                "history": st.just(144),
                "min_blocks": st.just(20),
            },
        )
        | st.just(True),
        "traits_act_alone": st.just(False),
        "traits_act_after": st.sampled_from([10, 10.0]),
        "degrade_fields": st.just(["phone", "email"]),
        "shadow_rules": st.just([]),
        "partners": st.just([]),
        "blocklist": st.none(),
    },
)


@settings(max_examples=60, deadline=None)
@given(DEFAULTS_WRITTEN_OUT, st.sampled_from(["", "\ufeff", "# comment\n", "---\n"]))
def test_a_file_of_the_documented_defaults_loads_as_the_defaults(
    spec: dict[str, Any], head: str
) -> None:
    """Writing out the documented defaults (durations in any unit) gives what leaving them out
    gives, and a file that leaves everything out (empty, or only a byte order mark or a
    comment) gives the defaults of docs/policy.md and docs/inline.md."""
    text = head + (dump({"policy": spec}, False) if spec else "")
    site, policy, enforce, state = read_config(load_document(text, SOURCE))
    assert (policy.mode, policy.durations, policy.breaker) == (
        "shadow",
        DEFAULT.durations,
        DEFAULT.breaker,
    )
    assert {(t.action, t.score, t.shadow) for t in policy.thresholds} == {
        ("challenge", 40, False),
        ("throttle", 60, False),
        ("block", 85, False),
    }
    assert policy.degrade_fields == {"email", "phone"} and policy.traits_act_after == 10
    assert not policy.traits_act_alone and not policy.partners and not policy.shadow_rules
    assert policy.limits == DEFAULT.limits
    assert enforce == EnforceSettings() and state == "memory://"
    assert [r.pattern for r in site.routes] == [
        r.pattern for r in read_config(load_document("", SOURCE))[0].routes
    ]


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "": 1}


@given(st.integers(0, 10**9), st.sampled_from(sorted(UNITS)), st.sampled_from(["", " "]))
def test_a_duration_with_a_unit_is_its_seconds(n: int, unit: str, space: str) -> None:
    assert parse_duration(f"{n}{space}{unit}") == n * UNITS[unit]


@given(
    st.one_of(
        st.sampled_from(["10y", "10 mins", "-5m", "1e3s", "nan", "inf", "m", "1.h", "", "1h30m"]),
        st.from_regex(r"\A[0-9]{0,3}[A-Za-z]{2,4}\Z").filter(lambda t: t[-1:] not in UNITS),
        st.just("9" * 400 + "w"),
    )
)
def test_a_duration_that_is_not_one_is_reported_at_its_line(text: str) -> None:
    """An unknown unit, a negative or non-finite duration: not a duration, and reported."""
    assume(parse_duration(text) is None or not text.strip())
    written = yaml.safe_dump(text).split("\n")[0]
    doc = f"policy:\n  mode: shadow\n  durations:\n    block: {written}\n"
    messages = config_errors(doc)
    assert [m.split(": ")[0:2] for m in messages] == [[f"{SOURCE}:4", "policy.durations.block"]]


# -- routes --------------------------------------------------------------------------------

LITERAL = st.text(
    alphabet=st.sampled_from(list("ab.+?()[]|^$\\{}-~%:@!=& ") + ["é"]), min_size=1, max_size=12
)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def list_site(*patterns: str) -> Any:
    text = yaml.safe_dump(
        {"site": {"personal_data": [{"route": p, "list": {"page_size": 10}} for p in patterns]}}
    )
    return read_config(load_document(text, SOURCE))[0]


def ask(path: str) -> RequestEvent:
    return RequestEvent(1_767_225_600.0, "198.51.100.1", "GET", path)


@settings(max_examples=100, deadline=None)
@given(LITERAL, st.data())
def test_regex_characters_and_stray_braces_in_a_route_are_literal(
    literal: str, data: st.DataObject
) -> None:
    """Outside `{name}` and `*`, a route pattern matches only itself: `.`, `(`, `[`, `+`, a
    lone or malformed brace (`{`, `{1}`, `{a-b}`) are characters of the path."""
    assume(not PLACEHOLDER.search(literal) and not literal.endswith(" "))
    pattern = f"/x/{literal}/{{id}}"
    site = list_site(pattern)
    access = site.classify(ask(f"/x/{literal}/42"))
    assert (access.kind, access.route) == (Kind.LIST, pattern)
    at = data.draw(st.integers(0, len(literal) - 1))
    other = data.draw(st.sampled_from("xyz/.{"))
    assume(literal[at] != other)
    changed = literal[:at] + other + literal[at + 1 :]
    assert site.classify(ask(f"/x/{changed}/42")).route != pattern


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from(["/a/{x}", "/b/{x}/{x}", "/c/{y}*", "/{x}{y}", "/d/*"]), max_size=4)
)
def test_robots_disallow_globs_may_share_placeholders(globs: list[str]) -> None:
    """Placeholders in robots_disallow entries, repeated in one or across several, were compiled
    as one regex with repeated group names: re.error when the model was built."""
    text = yaml.safe_dump({"site": {"robots_disallow": globs}})
    site = read_config(load_document(text, SOURCE))[0]
    as_regex = (g.replace("{x}", "[^/]+").replace("{y}", "[^/]+").replace("*", ".*") for g in globs)
    expected = any(re.match(r, "/a/1") for r in as_regex)
    assert site.classify(ask("/a/1")).disallowed == expected


@pytest.mark.parametrize(
    ("route", "words"),
    [
        ("/u/{x}/{x}", "appears more than once"),
        ("u/{x}", "must start with '/'"),
        ("/u/{", "must name a {placeholder}"),
        ("/u/{1x}", "must name a {placeholder}"),
    ],
)
def test_a_malformed_person_route_is_reported_at_its_line(route: str, words: str) -> None:
    text = f'site:\n  personal_data:\n    - route: "{route}"\n'
    [message] = config_errors(text)
    assert message.startswith(f"{SOURCE}:3: site.personal_data.0.") and words in message


# -- address ranges and partners -------------------------------------------------------------

GOOD_CIDR = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=4).flatmap(lambda a: st.integers(0, 32).map(lambda n: f"{a}/{n}")),
    st.ip_addresses(v=6).flatmap(lambda a: st.integers(0, 128).map(lambda n: f"{a}/{n}")),
)
BAD_CIDR = st.one_of(
    st.sampled_from(["10.0.0.0/33", "::/129", "localhost", "1.2.3", "256.0.0.1", "", "1.2.3.4/"]),
    st.text(alphabet="abcxyz -", min_size=1, max_size=8),
)


def is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), GOOD_CIDR, BAD_CIDR), min_size=1, max_size=6),
    st.sampled_from(
        [
            ("network", "trusted_proxies"),
            ("network", "shared_ranges"),
            ("enforce", "metrics_allow"),
            ("policy", "blocklist"),
            ("policy", "allowlist"),
        ]
    ),
)
def test_each_invalid_range_of_a_list_is_named_with_its_line(
    entries: list[tuple[bool, str, str]], where: tuple[str, str]
) -> None:
    """In every list of addresses and ranges, each invalid entry is reported with its own line
    and index; the valid ones load."""
    items = [good if ok else bad for ok, good, bad in entries]
    data: dict[str, Any] = {where[0]: {where[1]: items}}
    text = yaml.safe_dump(data, default_flow_style=False)
    messages = config_errors(text)
    assert_well_reported(text, messages)
    bad = [i for i, item in enumerate(items) if not is_network(item)]
    dotted = ".".join(where)
    named = sorted(
        int(m.split(f"{dotted}.")[1].split(":")[0].split(".")[0])
        for m in messages
        if f": {dotted}." in m
    )
    assert named == bad, (items, messages)
    for i in bad:
        line = line_of(text, (*where, i))
        assert any(m.startswith(f"{SOURCE}:{line}: {dotted}.{i}") for m in messages)
    assert len(messages) == len(bad), messages


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 9999), st.integers(0, 14), st.integers(0, 33))
@example(2027, 2, 29)
@example(2028, 2, 29)
def test_a_partner_expires_at_the_end_of_its_day_or_is_reported(y: int, m: int, d: int) -> None:
    """`expires: YYYY-MM-DD`, unquoted as docs/policy.md writes it: the end of that day, UTC; a
    day that does not exist (2027-02-29, 2027-13-01) is reported at its line."""
    text = (
        "policy:\n  partners:\n    - name: p\n      purpose: research\n"
        f"      match: {{ip: [192.0.2.0/24]}}\n      expires: {y:04d}-{m:02d}-{d:02d}\n"
    )
    try:
        day = dt.date(y, m, d)
    except ValueError:
        day = None
    messages = config_errors(text)
    if day is None:
        assert [x.split(": ")[:2] for x in messages] == [
            [f"{SOURCE}:6", "policy.partners.0.expires"]
        ]
    else:
        assert messages == []
        [partner] = read_config(load_document(text, SOURCE))[1].partners
        end = dt.datetime.combine(day, dt.time.max, dt.UTC).timestamp()
        assert partner.expires == end


# -- files and the command line ------------------------------------------------------------

BROKEN: dict[str, bytes] = {
    "bomb.yaml": (
        "policy:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
    ).encode(),
    "deep.yaml": b"policy: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "selfref.yaml": b"policy: &p {mode: *p}\n",
    "baddate.yaml": b"policy:\n  blocklist:\n    - {ip: 192.0.2.1, expires: 2027-13-45}\n",
    "latin1.yaml": "policy:\n  mode: shadow\n  # café\n".encode("latin-1"),
    "tabs.yaml": b"\xef\xbb\xbfpolicy:\n\tmode: enforce\n",
    "numbers.yaml": b"site:\n  directory_size: .inf\npolicy:\n  traits_act_after: .nan\n",
    "twice.yaml": b"policy: {mode: enforce}\npolicy: {mode: shadow}\n",
    "globs.yaml": b"site:\n  robots_disallow: ['/a/{x}', '/b/{x}']\n  personal_data: [nope]\n",
}
BROKEN_LINES = {
    "bomb.yaml": None,
    "deep.yaml": 1,
    "selfref.yaml": 1,
    "baddate.yaml": 3,
    "latin1.yaml": 3,
    "tabs.yaml": 2,
    "numbers.yaml": 2,
    "twice.yaml": 2,
    "globs.yaml": 3,
}


def scrapeguard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapeguard", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("broken")
    out = {}
    for name, content in BROKEN.items():
        out[name] = folder / name
        out[name].write_bytes(content)
    return out


def test_check_reports_every_broken_file_without_a_traceback(broken: dict[str, Path]) -> None:
    """`scrapeguard check` of hostile files: exit 1, and for each file its mistakes, each on
    one line that starts with the file and the line."""
    proc = scrapeguard("check", *map(str, broken.values()))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = proc.stderr.splitlines()
    for name, path in broken.items():
        line = BROKEN_LINES[name]
        start = re.compile(rf"{re.escape(str(path))}:{line or '[0-9]+'}: ")
        assert any(start.match(x) for x in lines), (name, proc.stderr)
    assert all(
        re.match(rf"^{re.escape(str(broken['bomb.yaml'].parent))}/\S+:\d+: ", x) for x in lines
    )


@pytest.mark.parametrize("name", ["bomb.yaml", "latin1.yaml", "numbers.yaml"])
def test_analyze_and_block_with_a_broken_file_say_so_in_one_line(
    broken: dict[str, Path], tmp_path: Path, name: str
) -> None:
    log = tmp_path / "a.log"
    log.write_text("")
    for args in (
        ("analyze", str(log), "--site", str(broken[name])),
        ("analyze", str(log), "--policy", str(broken[name])),
        ("block", "192.0.2.1", "--config", str(broken[name])),
    ):
        proc = scrapeguard(*args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        first, *rest = proc.stderr.splitlines()
        assert re.match(rf"scrapeguard: error: {re.escape(str(broken[name]))}:\d+: ", first)
        assert all(re.match(rf"{re.escape(str(broken[name]))}:\d+: ", x) for x in rest)
