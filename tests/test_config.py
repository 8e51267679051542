"""Reading YAML configuration (scrapeguard.config): whatever a file holds, its mistakes come
out as one `ConfigError` naming the file and the line of each, never as a Python error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scrapeguard.config import MAX_DEPTH, load_document, load_file
from scrapeguard.errors import ConfigError
from scrapeguard.integrations.loading import read_config

SOURCE = "c.yaml"


def errors_of(text: str) -> list[str]:
    """The messages of the `ConfigError` that `text` raises as a whole configuration file
    (site, network, policy, enforce); [] when it loads."""
    try:
        read_config(load_document(text, SOURCE))
    except ConfigError as exc:
        return exc.messages
    return []


# -- what YAML itself cannot build ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("policy:\n  blocklist: [{ip: 192.0.2.1, expires: 2027-02-30}]\n", 2, "must be a date"),
        ("policy:\n  mode: !!int shadow\n", 2, None),
        ("policy:\n  mode: !!int ''\n", 2, "must be one of"),
        ("policy:\n  mode: !!binary x\n", 2, "must be one of"),
        ("policy:\n  durations: {block: !!float 1h}\n", 2, None),
        ("policy:\n  durations: {block: !!python/object:os.system 1h}\n", 2, None),
        ("site:\n  directory_size: 0b_\n", 2, "must be a number"),
        ("site:\n  directory_size: 0x_\n", 2, "must be a number"),
        ("policy:\n  mode: =\n", 2, "must be one of"),
        ("base: &b {mode: enforce}\npolicy:\n  <<: *b\n", 3, "policy.<<: unknown setting"),
        ("? [a, {b: c}]\n: 1\n", 1, "[a, {b: c}]: unknown setting"),
        ("? {[1]: 2}\n: 3\n", 1, "unknown setting"),
        ("2027-13-45: 1\n", 1, "2027-13-45: unknown setting"),
    ],
)
def test_a_value_yaml_cannot_build_is_judged_as_written(
    text: str, where: int, words: str | None
) -> None:
    """A date that does not exist, a number YAML misreads, a tag it cannot build, a merge key,
    a mapping or list as a key: each is the setting's mistake at its line (or, where the text
    is right, loads), not a ValueError or ConstructorError from inside PyYAML."""
    messages = errors_of(text)
    if words is None:
        assert messages == []
    else:
        assert any(m.startswith(f"{SOURCE}:{where}: ") and words in m for m in messages), messages


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("policy: &a {mode: *a}\n", "policy.mode"),
        ("policy:\n  x: &a [*a]\n", "policy.x.0"),
        ("site: &s {personal_data: [*s]}\n", "site.personal_data.0"),
    ],
)
def test_an_alias_inside_its_own_value_is_a_config_error(text: str, where: str) -> None:
    """YAML lets an alias point into the value it names, which would repeat forever (a
    RecursionError)."""
    [message] = errors_of(text)
    assert message.startswith(f"{SOURCE}:{text.count(chr(10))}: {where}: ")
    assert "repeat forever" in message


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000])
@pytest.mark.parametrize("brackets", ["[]", "{}"])
def test_deep_nesting_is_a_config_error(depth: int, brackets: str) -> None:
    """Thousands of nested brackets are refused at their line, not with a RecursionError."""
    text = "policy:\n  x: " + brackets[0] * depth + brackets[1] * depth + "\n"
    assert errors_of(text) == [
        f"{SOURCE}:2: invalid YAML: nested more than {MAX_DEPTH} levels deep"
    ]


def test_nesting_a_configuration_needs_loads() -> None:
    text = "policy:\n  x: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "\n"
    assert errors_of(text) == [
        f"{SOURCE}:2: policy.x: unknown setting; expected one of: "
        + (
            "allowlist, blocklist, breaker, degrade_fields, detectors, durations, limits, mode, "
            "partners, shadow_rules, thresholds, traits_act_after, traits_act_alone"
        )
    ]


def test_an_alias_bomb_is_refused_at_once() -> None:
    """A "billion laughs" document (9 levels of 9 aliases: 387 million values) took all the
    memory and minutes of time; it is refused in moments."""
    lines = ["policy:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.monotonic()
    [message] = errors_of("\n".join(lines) + "\n")
    assert time.monotonic() - started < 2
    assert message.startswith(f"{SOURCE}:")
    assert message.endswith(": aliases (*name) expand to more than 100,000 values")


def test_an_alias_may_be_reused() -> None:
    """Anchors and aliases that repeat a block a few times are ordinary YAML, and load."""
    text = """
policy:
  partners:
    - {name: a, purpose: research, match: &net {ip: [192.0.2.0/24]}, expires: 2027-06-30}
    - {name: b, purpose: research, match: *net, expires: 2027-06-30}
"""
    _, policy, _, _ = read_config(load_document(text, SOURCE))
    assert [str(p.networks[0]) for p in policy.partners] == ["192.0.2.0/24"] * 2


def test_a_character_yaml_refuses_is_reported_on_one_line_with_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_document("policy:\n  mode: shadow\x01\n", SOURCE)
    assert info.value.messages == [f"{SOURCE}:2: invalid YAML: character U+0001 is not allowed"]


def test_a_key_with_a_line_break_keeps_its_message_on_one_line() -> None:
    assert errors_of('policy: {"mo\\nde": shadow}\n') == [
        f"{SOURCE}:1: policy.'mo\\nde': unknown setting; expected one of: "
        "allowlist, blocklist, breaker, degrade_fields, detectors, durations, limits, mode, "
        "partners, shadow_rules, thresholds, traits_act_after, traits_act_alone"
    ]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes("policy:\n  mode: shadow\n  # café\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_file(str(f))
    assert info.value.messages == [f"{f}:3: not UTF-8 text"]


def test_an_endless_file_is_refused_without_reading_it_all() -> None:
    """`scrapeguard check /dev/zero` (or a log given by mistake) stops at the size limit; an
    endless file that is not UTF-8 stops there too."""
    with pytest.raises(ConfigError) as info:
        load_file("/dev/zero")
    assert info.value.messages == [
        "/dev/zero: longer than 10,000,000 characters: not a configuration file"
    ]
    with pytest.raises(ConfigError) as info:
        load_file("/dev/urandom")
    [message] = info.value.messages
    assert message.startswith("/dev/urandom:") and message.endswith(": not UTF-8 text")


# -- keys written twice --------------------------------------------------------------------


def test_a_key_written_twice_is_reported_with_both_lines() -> None:
    """YAML keeps only the last of two equal keys, silently: a second `policy:` section
    replaced the first, thresholds and partners gone. Each repeat is reported, all at once."""
    text = """policy:
  mode: enforce
  thresholds: {block: 85, block: 95}
site: {}
policy:
  mode: shadow
"""
    assert errors_of(text) == [
        f"{SOURCE}:3: policy.thresholds.block: written twice in one mapping (first on line 3); "
        "only one can count",
        f"{SOURCE}:5: policy: written twice in one mapping (first on line 1); only one can count",
    ]


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "site: {directory_size: .inf}\n",
        "site: {directory_size: 1" + "0" * 400 + "}\n",
        "site: {lookup: [{route: /find, miss_status: [.nan]}]}\n",
        "site: {search: [{route: /search, page_size: .inf}]}\n",
        "site: {personal_data: [{route: /d, list: {page_size: .inf}}]}\n",
        "policy: {traits_act_after: .nan}\n",
        "policy: {thresholds: {block: .nan}}\n",
        "policy: {durations: {block: .inf}}\n",
        "policy: {durations: {block: 1" + "0" * 400 + "d}}\n",
        "policy: {breaker: {history: .inf}}\n",
        "policy: {limits: {search: {max_page: .inf}}}\n",
        "policy: {detectors: {volume: {guest_per_day: .nan}}}\n",
        "enforce: {challenge: {difficulty: .nan}}\n",
        "enforce: {tarpit: {concurrency: .inf}}\n",
        "enforce: {time_budget: 1" + "0" * 400 + "ms}\n",
        "retention: {period: .inf}\n",
    ],
    ids=lambda text: text[:40],
)
def test_a_number_that_is_not_finite_is_a_config_error(text: str) -> None:
    """NaN passed every range check (all comparisons with it are false: a threshold that
    never acts), and infinity or a number of 400 digits crashed int() or float() with an
    OverflowError: each is reported at its line, with the number cut short."""
    [message] = errors_of(text)
    assert message.startswith(f"{SOURCE}:1: ")
    assert len(message) < 200
