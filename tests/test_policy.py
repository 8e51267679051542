"""The policy: loading and validating `policy:`, and what its settings do to decisions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from support import T0, event, profiles

from scrapeguard import ConfigError, Policy, load_policy
from scrapeguard.config import load_document
from scrapeguard.detectors import DETECTORS
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.policy import DEFAULT_DURATIONS, policy_from_document

CONFIG = Path(__file__).parent / "testdata" / "config"
GOOD = CONFIG / "good-site.yaml"
BAD = CONFIG / "bad-policy.yaml"
MESSAGE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<path>\S+): (?P<text>.+)$")


def policy(text: str) -> Policy:
    return policy_from_document(load_document(text, "test.yaml"))


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        policy(text)
    return info.value.messages


def expected_errors(path: Path) -> list[tuple[int, str]]:
    """(line, dotted path) of every mistake marked `# ERR: a, b` in a fixture file."""
    out = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.lstrip().startswith("#") and "# ERR:" in line:
            out += [(number, p.strip()) for p in line.split("# ERR:")[1].split(",")]
    return sorted(out)


# -- the good file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good() -> Policy:
    return load_policy(str(GOOD))


def test_the_good_policy_loads_as_written(good: Policy) -> None:
    assert good.mode == "shadow"
    assert {(t.action, t.score, t.shadow) for t in good.thresholds} == {
        ("challenge", 40, False),
        ("throttle", 60, False),
        ("block", 85, False),
    }
    assert good.durations["block"] == 24 * 3600
    assert good.durations["throttle"] == 600
    assert good.durations["challenge"] == DEFAULT_DURATIONS["challenge"]
    assert good.max_page == 10 and good.max_results == 100
    assert [(lim.name, lim.limit, lim.then, lim.guests_only) for lim in good.limits] == [
        ("guest-people-per-day", 50, "require_login", True),
        ("people-per-day", 2000, "throttle", False),
    ]


def test_the_good_policy_partner(good: Policy) -> None:
    [partner] = good.partners
    assert (partner.name, partner.purpose, partner.people_per_day) == (
        "example-research",
        "academic study",
        10000,
    )
    end = dt.datetime(2027, 6, 30, 23, 59, 59, tzinfo=dt.UTC).timestamp()
    assert partner.expires is not None and end <= partner.expires < end + 1
    assert good.partner_for("192.0.2.44", None, "anything") is partner
    assert good.partner_for("198.51.100.44", None, "anything") is None


def test_the_good_policy_detector_settings(good: Policy) -> None:
    volume = good.detector_settings["volume"]
    assert (volume.account_per_hour, volume.account_per_day, volume.guest_per_day) == (60, 500, 100)
    assert good.detector_settings["new_account"].younger_than == 7 * 86400
    names = [d.name for d in good.build_detectors()]
    assert "timing" not in names
    assert names == [n for n in DETECTORS if n != "timing"]


def test_no_policy_section_gives_the_defaults() -> None:
    p = policy("site: {directory_size: 10}\n")
    default = Policy()
    assert (p.mode, p.thresholds, p.durations, p.limits) == (
        default.mode,
        default.thresholds,
        default.durations,
        default.limits,
    )
    assert [d.name for d in p.build_detectors()] == list(DETECTORS)


def test_durations_accept_units() -> None:
    p = policy("policy: {durations: {challenge: 90s, throttle: 15m, block: 2w, tarpit: 1.5h}}")
    assert (p.durations["challenge"], p.durations["throttle"]) == (90, 900)
    assert (p.durations["block"], p.durations["tarpit"]) == (14 * 86400, 5400)


def test_a_detector_can_be_switched_off_with_false() -> None:
    p = policy("policy: {detectors: {timing: false, origin: {enabled: false}}}")
    names = {d.name for d in p.build_detectors()}
    assert "timing" not in names and "origin" not in names and "volume" in names


# -- what the settings do --------------------------------------------------------------------


def test_the_mode_decides_what_is_enforced() -> None:
    for mode, enforced in (("shadow", "allow"), ("enforce", "block")):
        g = Guard(policy=policy(f"policy: {{mode: {mode}}}"), network=NoNetworkInfo())
        last = [g.decide(e) for e in profiles(0, 400, ip="203.0.113.9", every=1.0)][-1]
        assert (last.action, last.enforced) == ("block", enforced)


def test_thresholds_decide_the_action() -> None:
    g = Guard(
        policy=policy("policy: {thresholds: {challenge: 10, throttle: 20, block: 30}}"),
        network=NoNetworkInfo(),
    )
    d = g.decide(event(0, "203.0.113.9", "/u/alice", user_agent="curl/8.5.0"))
    assert (d.score, d.action) == (35, "block")


def test_a_shadowed_threshold_is_recorded_not_enforced() -> None:
    text = (
        "policy: {mode: enforce, "
        "thresholds: {challenge: 40, throttle: 60, block: {score: 85, shadow: true}}}"
    )
    g = Guard(policy=policy(text), network=NoNetworkInfo())
    last = [g.decide(e) for e in profiles(0, 400, ip="203.0.113.9", every=1.0)][-1]
    assert (last.action, last.enforced, last.simulated) == ("block", "throttle", True)


def test_the_block_duration_is_how_long_a_block_is_held() -> None:
    g = Guard(
        policy=policy("policy: {mode: enforce, durations: {block: 2h}}"), network=NoNetworkInfo()
    )
    [g.decide(e) for e in profiles(0, 400, ip="203.0.113.9", every=1.0)]
    assert g.decide(event(400 + 3600, "203.0.113.9", "/about")).enforced == "block"
    assert g.decide(event(400 + 2 * 3600 + 60, "203.0.113.9", "/about")).enforced == "allow"


def test_the_guest_limit_from_the_good_file_requires_login(good: Policy) -> None:
    g = Guard(policy=good, network=NoNetworkInfo())
    # 60 guests' worth of profiles, slowly (so no detector fires): past the limit of 50.
    decisions = [g.decide(e) for e in profiles(0, 60, ip="198.51.100.3", every=600.0)]
    assert decisions[49].action == "allow"
    assert decisions[50].action == "require_login"
    assert decisions[50].reasons[0] == (
        "received the data of 51 people in a day; the limit for guests is 50"
    )


def test_a_partner_from_the_good_file_skips_the_detectors(good: Policy) -> None:
    g = Guard(policy=good, network=NoNetworkInfo())
    last = [g.decide(e) for e in profiles(0, 400, ip="192.0.2.10", every=1.0)][-1]
    assert (last.action, last.origin) == ("allow", "partner/example-research")


def test_a_partner_expires_at_the_end_of_its_day(good: Policy) -> None:
    g = Guard(policy=good, network=NoNetworkInfo())
    end = dt.datetime(2027, 6, 30, 23, 0, tzinfo=dt.UTC).timestamp() - T0
    assert g.decide(event(end, "192.0.2.10", "/u/a")).origin == "partner/example-research"
    g.decide(event(end + 7200, "192.0.2.10", "/u/b"))
    assert g.counters["partner/example-research/expired"] == 1


def test_max_results_caps_search_paging() -> None:
    g = Guard(
        policy=policy("policy: {limits: {search: {max_results: 40}}}"), network=NoNetworkInfo()
    )
    assert g.decide(event(0, "198.51.100.4", "/search?q=ann&page=2")).action == "allow"
    assert g.decide(event(30, "198.51.100.4", "/search?q=ann&page=3")).action == "cap"


# -- mistakes ------------------------------------------------------------------------------


def test_every_mistake_of_the_bad_file_is_reported_at_once_with_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_policy(str(BAD))
    messages = info.value.messages
    expected = expected_errors(BAD)
    assert len(expected) == 19
    assert len(messages) == len(expected)
    got = []
    for m in messages:
        parsed = MESSAGE.match(m)
        assert parsed is not None, m
        assert parsed["file"] == str(BAD)
        got.append((int(parsed["line"]), parsed["path"]))
    assert sorted(got) == expected


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("policy.mode", "must be one of shadow, enforce; got 'enforcing'"),
        ("policy.thresholds.degrade", "must be between 0 and 100, got 140"),
        ("policy.thresholds.block", "block score (45) is below the challenge score (50)"),
        ("policy.thresholds.decoy", "its score must be at least the block score"),
        ("policy.thresholds.banish", "unknown action; expected one of: degrade, challenge"),
        ("policy.durations.block", "must be a duration such as 30s, 15m, 24h or 7d; got 'soon'"),
        ("policy.durations.thottle", "unknown setting; expected one of:"),
        ("policy.shadow_rules.1", "no detector named 'speed'"),
        ("policy.limits.guest.then", "got 'lock_out'"),
        ("policy.partners.0", "partner 'no-purpose' needs a purpose"),
        ("policy.partners.1", "partner 'no-expiry' needs an expiry date"),
        ("policy.partners.2.match", "match needs ip ranges or accounts"),
        ("policy.partners.3.expires", "must be a date like 2027-06-30, got 'someday'"),
        ("policy.detectors.volume.account_per_hour", "must be a number, got 'many'"),
        ("policy.detectors.timing.enabled", "must be true or false, got 'no'"),
        ("policy.detectors.velocity", "unknown setting; expected one of: account_farm"),
        ("policy.detectors.enumeration.sequental_run", "sequential_run"),
        ("policy.mood", "unknown setting; expected one of: allowlist, blocklist, breaker"),
    ],
)
def test_each_mistake_is_explained(path: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_policy(str(BAD))
    [message] = [m for m in info.value.messages if f": {path}: " in m]
    assert words in message


def test_a_threshold_out_of_range_is_reported() -> None:
    assert errors_of("policy: {thresholds: {block: -1}}") == [
        "test.yaml:1: policy.thresholds.block: must be between 0 and 100, got -1"
    ]


def test_when_looks_act_is_a_number_of_people() -> None:
    assert policy("policy: {}").traits_act_after == 10
    assert policy("policy: {traits_act_after: 0}").traits_act_after == 0
    assert errors_of("policy: {traits_act_after: -3}") == [
        "test.yaml:1: policy.traits_act_after: must be at least 0, got -3"
    ]


def test_thresholds_out_of_order_are_reported() -> None:
    messages = errors_of(
        "policy:\n  thresholds:\n    challenge: 70\n    throttle: 60\n    block: 85\n"
    )
    assert messages == [
        "test.yaml:4: policy.thresholds.throttle: throttle score (60) is below the "
        "challenge score (70)"
    ]


def test_a_bad_partner_address_is_reported() -> None:
    text = (
        "policy:\n  partners:\n    - name: p\n      purpose: study\n      expires: 2027-01-01\n"
        "      match: {ip: [192.0.2.0/24, 300.1.1.1]}\n"
    )
    assert errors_of(text) == [
        "test.yaml:6: policy.partners.0.match.ip.1: not an IP address or CIDR range: '300.1.1.1'"
    ]


def test_a_partner_matched_by_user_agent_alone_is_refused() -> None:
    text = (
        "policy:\n  partners:\n    - {name: p, purpose: study, expires: 2027-01-01, "
        "match: {user_agent: ResearchBot}}\n"
    )
    [message] = errors_of(text)
    assert "a user agent alone can be forged" in message


def test_detector_duration_settings_take_units() -> None:
    assert errors_of("policy: {detectors: {new_account: {younger_than: soon}}}") == [
        "test.yaml:1: policy.detectors.new_account.younger_than: must be a duration such as "
        "30s, 15m, 24h or 7d; got 'soon'"
    ]


def test_a_missing_policy_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "policy.yaml"
    with pytest.raises(ConfigError) as info:
        load_policy(str(missing))
    assert info.value.messages == [f"{missing}: cannot read: No such file or directory"]


def test_invalid_yaml_in_a_policy_reports_its_line(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text("policy:\n  mode: shadow\n  thresholds: {block: 85\n  limits: {}\n")
    with pytest.raises(ConfigError) as info:
        load_policy(str(f))
    [message] = info.value.messages
    assert re.match(rf"{re.escape(str(f))}:4: invalid YAML: ", message)


@pytest.mark.parametrize(
    "agent",
    ["a{4294967296}", "(" * 2000 + ")" * 2000, "(", "[z-a]"],
    ids=["huge-repeat", "deep-nesting", "open", "range"],
)
def test_a_partner_user_agent_that_is_no_regex_is_reported(agent: str) -> None:
    """A repetition too large for `re` (OverflowError) or parentheses nested too deeply
    (RecursionError) escaped as Python errors, as `(` did not."""
    text = (
        "policy:\n  partners:\n    - name: p\n      purpose: research\n"
        f"      match: {{ip: [192.0.2.0/24], user_agent: '{agent}'}}\n      expires: 2027-06-30\n"
    )
    [message] = errors_of(text)
    assert message.startswith("test.yaml:5: policy.partners.0.match.user_agent: invalid regular")


def test_a_typo_beside_an_empty_site_section_is_reported_once() -> None:
    """`site:` with its content commented out hid the unknown sections beside it; a mistake
    that the site, policy and enforce sections all see is reported once."""
    from scrapeguard.integrations.loading import read_config
    from scrapeguard.site import TOP_LEVEL_KEYS

    def whole(text: str) -> list[str]:
        with pytest.raises(ConfigError) as info:
            read_config(load_document(text, "test.yaml"))
        return info.value.messages

    expected = ", ".join(sorted(TOP_LEVEL_KEYS))
    assert whole("site:\npolcy: {mode: enforce}\n") == [
        f"test.yaml:2: polcy: unknown setting; expected one of: {expected}"
    ]
    assert whole("[1, 2]\n") == ["test.yaml:1: (top level): must be a mapping, got a list"]
