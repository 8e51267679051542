"""How inline protection carries out decisions: the `enforce:` section of the config file.

The policy says *what* to do about an actor; these settings say *how* a web app shows it: where
visitors appeal and log in, which paths answer in JSON, the challenge's difficulty, the tarpit's
delay, the time budget of a decision and what happens when scrapeguard itself fails.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..config import Document, Errors
from .lists import AccessList

ON_ERROR = ("open", "closed")
CLIENT_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@dataclass
class ChallengeSettings:
    """The proof-of-work challenge and the pass a solved challenge earns."""

    difficulty: int = 16
    ttl: float = 300.0
    pass_ttl: float = 3600.0
    wait: float = 8.0
    exempt: list[str] = field(
        default_factory=lambda: ["/oauth/*", "/oauth2/*", "*/callback", "/webhooks/*", "/hooks/*"]
    )


@dataclass
class EnforceSettings:
    """Settings of the inline middleware (defaults suit most sites)."""

    prefix: str = "/.scrapeguard"
    appeal: str | None = None
    login_url: str = "/login"
    api_paths: list[str] = field(default_factory=lambda: ["/api/*", "/graphql"])
    session_cookies: list[str] = field(
        default_factory=lambda: ["sessionid", "session", "_session", "sid", "connect.sid"]
    )
    device_cookie: str | None = None
    client_header: str | None = None
    secret: str | None = None
    secret_file: str = ".scrapeguard-secret"
    secure_cookies: bool = True
    challenge: ChallengeSettings = field(default_factory=ChallengeSettings)
    tarpit_delay: float = 10.0
    tarpit_concurrency: int = 100
    time_budget: float = 0.005
    on_error: str = "open"
    metrics_allow: list[str] = field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])


def globs_regex(globs: list[str]) -> re.Pattern[str]:
    """One regex matching any of `globs` (`*` matches anything, including `/`)."""
    parts = [".*".join(re.escape(p) for p in g.split("*")) + "$" for g in globs]
    return re.compile("|".join(parts) if parts else r"(?!)")


_KEYS = {
    "prefix",
    "appeal",
    "login_url",
    "api_paths",
    "session_cookies",
    "device_cookie",
    "client_header",
    "secret",
    "secret_file",
    "secure_cookies",
    "challenge",
    "tarpit",
    "time_budget",
    "on_error",
    "metrics_allow",
}


def enforce_from_document(doc: Document) -> EnforceSettings:
    """Build `EnforceSettings` from the `enforce:` section of a document (defaults if absent);
    every problem is reported at once."""
    errors = Errors(doc)
    top = errors.mapping(doc.data, ())
    spec = errors.mapping(top.get("enforce"), ("enforce",))
    errors.unknown_keys(spec, ("enforce",), _KEYS)
    s = EnforceSettings()
    e = ("enforce",)
    s.prefix = _path(errors, spec.get("prefix"), (*e, "prefix"), s.prefix).rstrip("/")
    if "appeal" in spec:
        s.appeal = errors.string(spec["appeal"], (*e, "appeal"))
        if not re.match(r"(mailto:|https?://|/)", s.appeal):
            errors.add((*e, "appeal"), "must be a mailto:, http(s):// or /path address")
    s.login_url = _path(errors, spec.get("login_url"), (*e, "login_url"), s.login_url)
    if "api_paths" in spec:
        s.api_paths = _globs(errors, spec["api_paths"], (*e, "api_paths"))
    if "session_cookies" in spec:
        where = (*e, "session_cookies")
        cookies = errors.sequence(spec["session_cookies"], where)
        s.session_cookies = [errors.string(c, (*where, i)) for i, c in enumerate(cookies)]
    if "device_cookie" in spec:
        s.device_cookie = errors.string(spec["device_cookie"], (*e, "device_cookie")) or None
    if "client_header" in spec:
        s.client_header = errors.choice(
            spec["client_header"], (*e, "client_header"), CLIENT_HEADERS, "x-forwarded-for"
        )
    if "secret" in spec:
        s.secret = errors.string(spec["secret"], (*e, "secret"))
        if len(s.secret) < 32:
            errors.add((*e, "secret"), "must be at least 32 characters (or leave it out)")
    s.secret_file = errors.string(spec.get("secret_file"), (*e, "secret_file"), s.secret_file)
    s.secure_cookies = errors.boolean(
        spec.get("secure_cookies"), (*e, "secure_cookies"), s.secure_cookies
    )
    s.challenge = _challenge(errors, spec.get("challenge"), (*e, "challenge"))
    tarpit = errors.mapping(spec.get("tarpit"), (*e, "tarpit"))
    errors.unknown_keys(tarpit, (*e, "tarpit"), {"delay", "concurrency"})
    s.tarpit_delay = errors.duration(tarpit.get("delay"), (*e, "tarpit", "delay"), s.tarpit_delay)
    if s.tarpit_delay > 120:
        errors.add((*e, "tarpit", "delay"), "must be at most 2m (clients and proxies time out)")
    s.tarpit_concurrency = int(
        errors.number(tarpit.get("concurrency"), (*e, "tarpit", "concurrency"), 100, 1)
    )
    s.time_budget = _millis(errors, spec.get("time_budget"), (*e, "time_budget"), s.time_budget)
    s.on_error = errors.choice(spec.get("on_error"), (*e, "on_error"), ON_ERROR, "open")
    if "metrics_allow" in spec:
        where = (*e, "metrics_allow")
        s.metrics_allow = [str(v) for v in errors.sequence(spec["metrics_allow"], where)]
        for i, cidr in enumerate(s.metrics_allow):
            try:
                AccessList("metrics_allow").normalise(cidr)
            except ValueError as exc:
                errors.add((*where, i), str(exc))
    errors.raise_if_any()
    return s


def _challenge(errors: Errors, value: Any, path: tuple[str | int, ...]) -> ChallengeSettings:
    spec = errors.mapping(value, path)
    errors.unknown_keys(spec, path, {"difficulty", "ttl", "pass_ttl", "wait", "exempt"})
    c = ChallengeSettings()
    c.difficulty = int(errors.number(spec.get("difficulty"), (*path, "difficulty"), 16, 1, 32))
    c.ttl = errors.duration(spec.get("ttl"), (*path, "ttl"), c.ttl)
    c.pass_ttl = errors.duration(spec.get("pass_ttl"), (*path, "pass_ttl"), c.pass_ttl)
    c.wait = errors.duration(spec.get("wait"), (*path, "wait"), c.wait)
    if c.wait >= c.ttl:
        errors.add((*path, "wait"), f"must be shorter than the challenge ttl ({c.ttl:g}s)")
    if "exempt" in spec:
        c.exempt = _globs(errors, spec["exempt"], (*path, "exempt"))
    return c


def _path(errors: Errors, value: Any, path: tuple[str | int, ...], default: str) -> str:
    text = errors.string(value, path, default)
    if not text.startswith("/"):
        errors.add(path, f"must start with '/', got {text!r}")
        return default
    return text


def _globs(errors: Errors, value: Any, path: tuple[str | int, ...]) -> list[str]:
    out = []
    for i, item in enumerate(errors.sequence(value, path)):
        glob = errors.string(item, (*path, i))
        if glob and not glob.startswith(("/", "*")):
            errors.add((*path, i), f"must start with '/' or '*', got {glob!r}")
        elif glob:
            out.append(glob)
    return out


_MILLIS = re.compile(r"^(\d+(?:\.\d+)?)ms$")


def _millis(errors: Errors, value: Any, path: tuple[str | int, ...], default: float) -> float:
    """A duration that may also be given in milliseconds (`5ms`): time budgets are small."""
    m = _MILLIS.match(value.strip()) if isinstance(value, str) else None
    if m is not None and math.isfinite(seconds := float(m.group(1)) / 1000.0):
        return seconds
    return errors.duration(value, path, default)
