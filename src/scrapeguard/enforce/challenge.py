"""The self-hosted proof-of-work challenge, and the pass token that solving it earns.

Both tokens are stateless and signed, so any worker process that shares the secret can verify
them; only the single use of a challenge needs shared state (the caller's `claim`). A token is
`base64url(payload JSON) "." base64url(HMAC-SHA256 of the first part)`, and its payload names
its version and its purpose, so a challenge is never accepted as a pass or a pass as a
challenge. Tokens are bound to the visitor's session and a wide address prefix (IPv4 /16,
IPv6 /32), hashed with a key, so a phone that changes cells keeps its pass while the token
cannot travel to another network. Times are always passed in: this module never reads the clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from ..errors import ScrapeguardError

VERSION: Final = 1
SECRET_ENV: Final = "SCRAPEGUARD_SECRET"
MIN_SECRET_CHARS: Final = 32
KEY_BYTES: Final = 32
MAX_DIFFICULTY: Final = 32
#: The largest counter a browser can count to exactly (JavaScript's MAX_SAFE_INTEGER).
MAX_COUNTER: Final = 2**53 - 1
MAX_TOKEN_CHARS: Final = 4096
MAX_NEXT_CHARS: Final = 2048

#: `claim(nonce, until)` is True only the first time `nonce` is claimed; the claim need only be
#: remembered until `until`, when the challenge expires anyway.
Claim = Callable[[str, float], bool]

#: Why a verification failed, or "ok".
Reason = Literal[
    "ok",
    "malformed",
    "forged",
    "wrong-purpose",
    "unsupported-version",
    "expired",
    "wrong-binding",
    "bad-proof",
    "replayed",
    "too-early",
]

_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Printable ASCII without space or backslash: browsers read "\" as "/" and drop tabs and
# newlines, which would turn "/\evil" or "/\t/evil" into the protocol-relative "//evil".
_NEXT = re.compile(r"/(?![/\\])[!-\[\]-~]*")
_KEY_FILE_TRIES = 50
_KEY_FILE_PAUSE = 0.02


class SecretError(ScrapeguardError, ValueError):
    """The secret that signs tokens is too short, or its key file is unusable."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """An issued challenge: what the visitor's browser (or API client) must solve.

    The proof is a `counter` such that SHA-256 of the UTF-8 bytes of `f"{token}:{counter}"`
    starts with `difficulty` zero bits. `issued` and `expires` are epoch seconds; `wait` is how
    many seconds from now a visitor without JavaScript must wait before the wait path succeeds.
    """

    token: str
    difficulty: int
    issued: int
    expires: int
    next_url: str
    wait: int


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of verifying a challenge.

    On success `pass_token` is the pass and `expires` its expiry (epoch seconds). `next_url` is
    where the visitor was going (the signed one; "/" when the token could not be trusted).
    `retry_after` is the number of seconds still to wait when `reason` is "too-early".
    """

    ok: bool
    reason: Reason
    pass_token: str | None = None
    expires: int = 0
    next_url: str = "/"
    retry_after: int = 0


def load_secret(configured: str | None, path: str) -> bytes:
    """The secret that signs tokens: `configured` if given, else `$SCRAPEGUARD_SECRET`, else the
    key file at `path`, created with 32 random bytes (mode 0600) on first use.

    Creation is exclusive, so workers starting together all end up with the winner's key.
    """
    if configured is not None:
        return _checked(configured, "the configured secret")
    env = os.environ.get(SECRET_ENV)
    if env is not None:
        return _checked(env, f"${SECRET_ENV}")
    return _key_file(path)


def _checked(secret: str, what: str) -> bytes:
    if len(secret) < MIN_SECRET_CHARS:
        raise SecretError(
            f"{what} has {len(secret)} characters; it must have at least {MIN_SECRET_CHARS} "
            f"(or leave it out to use a generated key file)"
        )
    return secret.encode()


def _key_file(path: str) -> bytes:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(path)
        raise
    return key


def _read_key_file(path: str) -> bytes:
    """Read a key file, waiting briefly while the worker that created it is still writing."""
    for _ in range(_KEY_FILE_TRIES):
        with open(path, "rb") as f:
            key = f.read()
        if len(key) >= KEY_BYTES:
            return key
        time.sleep(_KEY_FILE_PAUSE)
    raise SecretError(
        f"the key file {path} holds {len(key)} bytes, fewer than {KEY_BYTES}; delete it to "
        f"have a new key created, or set {SECRET_ENV}"
    )


def safe_next(url: str) -> str:
    """`url` if it is a same-site path ("/" followed by anything but "/" or "\\", printable
    ASCII only, at most 2,048 characters), else "/": a token never redirects off the site."""
    if len(url) <= MAX_NEXT_CHARS and _NEXT.fullmatch(url):
        return url
    return "/"


def wide_prefix(ip: str) -> str:
    """The wide network of an address, the unit a token is bound to: IPv4 /16, IPv6 /32
    (an IPv4-mapped IPv6 address counts as IPv4). An unparsable address is kept whole."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = 16 if address.version == 4 else 32
    return str(ipaddress.ip_network((address, bits), strict=False))


def has_work(token: str, counter: int, difficulty: int) -> bool:
    """Whether SHA-256 of `f"{token}:{counter}"` starts with `difficulty` zero bits."""
    digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - difficulty) == 0


class Challenges:
    """Issues challenges and verifies them and the passes they earn.

    `difficulty` is the number of leading zero bits the proof needs (each bit doubles the work;
    16 takes desktop Chromium about 0.1 s, a phone several times that); `ttl` how long a
    challenge may be solved; `pass_ttl` how long a pass lasts, an hour by default: the default
    duration of a challenge decision, so one solve covers it (a pass only lifts challenges; the
    engine keeps counting what its holder does); `wait` how many seconds a visitor without
    JavaScript waits instead of computing.
    """

    def __init__(
        self,
        secret: bytes,
        difficulty: int = 16,
        ttl: float = 300.0,
        pass_ttl: float = 3600.0,
        wait: float = 8.0,
    ) -> None:
        if len(secret) < KEY_BYTES:
            raise SecretError(f"the secret must have at least {KEY_BYTES} bytes")
        if not 1 <= difficulty <= MAX_DIFFICULTY:
            raise ValueError(f"difficulty must be from 1 to {MAX_DIFFICULTY} bits")
        if ttl <= 0 or pass_ttl <= 0:
            raise ValueError("ttl and pass_ttl must be positive")
        if not 0 <= wait < ttl:
            raise ValueError("wait must be at least 0 and shorter than ttl")
        self.difficulty = difficulty
        self.ttl = ttl
        self.pass_ttl = pass_ttl
        self.wait = wait
        self._mac_key = hmac.digest(secret, b"scrapeguard/token-mac", "sha256")
        self._bind_key = hmac.digest(secret, b"scrapeguard/binding", "sha256")

    def issue(self, now: float, ip: str, session: str | None, next_url: str) -> Challenge:
        """A new challenge for the visitor at `ip` with `session`, who was going to
        `next_url` (anything but a same-site path becomes "/")."""
        issued = math.ceil(now)  # rounded up, so that the wait is never shortened
        expires = issued + math.ceil(self.ttl)
        target = safe_next(next_url)
        payload = {
            "v": VERSION,
            "p": "challenge",
            "n": secrets.token_urlsafe(16),
            "i": issued,
            "e": expires,
            "d": self.difficulty,
            "u": target,
            **self._binding(ip, session),
        }
        wait = max(0, math.ceil(issued + self.wait - now))
        return Challenge(self._sign(payload), self.difficulty, issued, expires, target, wait)

    def verify_work(
        self, token: str, counter: int, now: float, ip: str, session: str | None, claim: Claim
    ) -> Result:
        """Verify a solved challenge; on success the challenge is used up and a pass granted.

        Checked in order: signature, purpose, version, expiry, binding, proof, single use.
        """
        reason, payload = self._open(token, "challenge", now, ip, session)
        if reason != "ok":
            return Result(False, reason, next_url=_target(payload))
        target = payload["u"]
        if not 0 <= counter <= MAX_COUNTER or not has_work(token, counter, payload["d"]):
            return Result(False, "bad-proof", next_url=target)
        if not claim(payload["n"], float(payload["e"])):
            return Result(False, "replayed", next_url=target)
        return self._grant(payload, now, ip, session)

    def verify_wait(
        self, token: str, now: float, ip: str, session: str | None, claim: Claim
    ) -> Result:
        """Verify the no-JavaScript path: the visitor waited `wait` seconds since the challenge
        was issued. Too early, the challenge is not used up and can be sent again."""
        reason, payload = self._open(token, "challenge", now, ip, session)
        if reason != "ok":
            return Result(False, reason, next_url=_target(payload))
        target = payload["u"]
        remaining = payload["i"] + self.wait - now
        if remaining > 0:
            return Result(False, "too-early", next_url=target, retry_after=math.ceil(remaining))
        if not claim(payload["n"], float(payload["e"])):
            return Result(False, "replayed", next_url=target)
        return self._grant(payload, now, ip, session)

    def check_pass(self, token: str, now: float, ip: str, session: str | None) -> bool:
        """Whether `token` is a valid, unexpired pass for this visitor."""
        return self._open(token, "pass", now, ip, session)[0] == "ok"

    def _grant(self, challenge: dict[str, Any], now: float, ip: str, session: str | None) -> Result:
        expires = math.ceil(now + self.pass_ttl)
        payload = {
            "v": VERSION,
            "p": "pass",
            "n": challenge["n"],
            "e": expires,
            **self._binding(ip, session),
        }
        return Result(True, "ok", self._sign(payload), expires, challenge["u"])

    def _binding(self, ip: str, session: str | None) -> dict[str, str]:
        bound = {"a": self._hash("address", wide_prefix(ip))}
        if session is not None:
            bound["s"] = self._hash("session", session)
        return bound

    def _hash(self, kind: str, value: str) -> str:
        # Keyed: a plain hash of one of 65,536 IPv4 prefixes would be trivially reversed.
        mac = hmac.digest(self._bind_key, f"{kind}\0{value}".encode(), "sha256")
        return _b64(mac[:12])

    def _bound(self, payload: dict[str, Any], ip: str, session: str | None) -> bool:
        """A token issued without a session is bound to the address alone: a visitor who could
        have sent no session gains nothing by sending one."""
        if not hmac.compare_digest(payload["a"], self._hash("address", wide_prefix(ip))):
            return False
        if "s" not in payload:
            return True
        return session is not None and hmac.compare_digest(
            payload["s"], self._hash("session", session)
        )

    def _sign(self, payload: dict[str, Any]) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return body + "." + _b64(hmac.digest(self._mac_key, body.encode(), "sha256"))

    def _open(
        self, token: str, purpose: str, now: float, ip: str, session: str | None
    ) -> tuple[Reason, dict[str, Any]]:
        """Whether a token is valid for this purpose, visitor and time ("ok") or why not, with
        its payload once its signature is known to be good (else an empty one)."""
        if len(token) > MAX_TOKEN_CHARS or not _TOKEN.fullmatch(token):
            return "malformed", {}
        body, _, mac = token.partition(".")
        # Compared as text, not decoded: base64 leaves the last character's low bits unused,
        # so four spellings of one MAC decode alike, and only the one issued is the token.
        expected = _b64(hmac.digest(self._mac_key, body.encode(), "sha256"))
        if not hmac.compare_digest(mac, expected):
            return "forged", {}
        try:
            payload = json.loads(_unb64(body))
        except (binascii.Error, ValueError):
            return "malformed", {}
        if not isinstance(payload, dict):
            return "malformed", {}
        if payload.get("p") != purpose:
            return "wrong-purpose", payload
        if payload.get("v") != VERSION:
            return "unsupported-version", payload
        if now >= payload["e"]:
            return "expired", payload
        if not self._bound(payload, ip, session):
            return "wrong-binding", payload
        return "ok", payload


def _target(payload: dict[str, Any]) -> str:
    """Where the visitor of an authentic challenge was going; "/" for anything else."""
    target = payload.get("u") if payload.get("p") == "challenge" else None
    return target if isinstance(target, str) else "/"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
