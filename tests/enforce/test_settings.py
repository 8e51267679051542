"""The `enforce:` section: defaults, every setting read, every mistake reported with its line."""

from __future__ import annotations

import pytest

from scrapeguard import ConfigError
from scrapeguard.config import load_document
from scrapeguard.enforce.settings import EnforceSettings, enforce_from_document, globs_regex


def settings(text: str) -> EnforceSettings:
    return enforce_from_document(load_document(text, "e.yaml"))


def test_without_a_section_the_defaults_apply() -> None:
    s = settings("policy: {mode: shadow}")
    assert s == EnforceSettings()
    assert s.on_error == "open" and s.time_budget == 0.005 and s.challenge.difficulty == 16
    api = globs_regex(s.api_paths)
    assert api.match("/api/v1/users/7") and not api.match("/u/7")


def test_every_setting_is_read() -> None:
    s = settings(
        """
enforce:
  prefix: /_guard/
  appeal: https://example.org/appeal
  login_url: /signin
  api_paths: ["/v2/*"]
  session_cookies: [sid]
  device_cookie: did
  client_header: forwarded
  secret: "0123456789abcdef0123456789abcdef"
  secret_file: /var/lib/scrapeguard/key
  secure_cookies: false
  challenge: {difficulty: 18, ttl: 10m, pass_ttl: 2h, wait: 5s, exempt: ["/sso/*"]}
  tarpit: {delay: 20s, concurrency: 10}
  time_budget: 2ms
  on_error: closed
  metrics_allow: [10.0.0.0/8]
"""
    )
    assert s.prefix == "/_guard" and s.appeal == "https://example.org/appeal"
    assert (s.login_url, s.api_paths, s.session_cookies) == ("/signin", ["/v2/*"], ["sid"])
    assert (s.device_cookie, s.client_header, s.secure_cookies) == ("did", "forwarded", False)
    c = s.challenge
    assert (c.difficulty, c.ttl, c.pass_ttl, c.wait, c.exempt) == (18, 600, 7200, 5, ["/sso/*"])
    assert (s.tarpit_delay, s.tarpit_concurrency, s.time_budget) == (20, 10, 0.002)
    assert (s.on_error, s.metrics_allow) == ("closed", ["10.0.0.0/8"])


def test_every_mistake_is_reported_at_once_with_its_line() -> None:
    text = """enforce:
  appeal: call us
  login_url: login
  secret: short
  client_header: x-client-ip
  challenge: {difficulty: 40, wait: 10m}
  tarpit: {delay: 5m}
  on_error: maybe
  colour: red
"""
    with pytest.raises(ConfigError) as info:
        settings(text)
    where = sorted(m.split(": ")[0] + ": " + m.split(": ")[1] for m in info.value.messages)
    assert where == [
        "e.yaml:2: enforce.appeal",
        "e.yaml:3: enforce.login_url",
        "e.yaml:4: enforce.secret",
        "e.yaml:5: enforce.client_header",
        "e.yaml:6: enforce.challenge.difficulty",
        "e.yaml:6: enforce.challenge.wait",
        "e.yaml:7: enforce.tarpit.delay",
        "e.yaml:8: enforce.on_error",
        "e.yaml:9: enforce.colour",
    ]


def test_each_invalid_metrics_allow_range_is_reported_with_its_line() -> None:
    """An address the metrics page allows that is not one passed the check and stopped the app
    at start-up with a ValueError (Inline builds its list), with no file or line."""
    with pytest.raises(ConfigError) as info:
        settings("enforce:\n  metrics_allow:\n    - 127.0.0.1/32\n    - localhost\n    - ::1/129\n")
    assert [m.split(": ")[:2] for m in info.value.messages] == [
        ["e.yaml:4", "enforce.metrics_allow.1"],
        ["e.yaml:5", "enforce.metrics_allow.2"],
    ]
    assert settings("enforce: {metrics_allow: [10.0.0.0/8, '::1']}").metrics_allow == [
        "10.0.0.0/8",
        "::1",
    ]
