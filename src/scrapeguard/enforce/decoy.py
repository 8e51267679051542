"""Canary contact details for decoy responses.

A decoy is served only to actors already past the block threshold: in place of a person's
real email address and phone number they receive values derived from a secret, the actor and
the person (`subject`), so that a leaked dataset can be traced to the actor who took it.

The values are never anyone's: emails are at a domain reserved for examples (RFC 2606), phone
numbers are in ranges reserved for fiction (Ofcom's +44 7700 900000–900999 for drama, and the
North American 555-0100–555-0199). Those ranges are public, so a careful scraper can recognise
and drop canaries; they catch the careless, and the actor gets nothing real either way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections import deque
from dataclasses import dataclass

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
PHONE_REGIONS = ("any", "nanp", "uk")

_PREFIXES = ("contact", "hello", "info", "mail", "office", "post", "reach", "team")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NOT_DIGIT = re.compile(r"\D")
# North American area codes: first digit 2-9, middle digit 0-8 (9 is kept for expansion),
# and the last two digits different, which leaves out the N11 service codes and the
# easily recognisable codes (toll-free 800, 833 … 888, premium 900 and the other N00).
_AREA_CODES = tuple(
    f"{a}{b}{c}" for a in range(2, 10) for b in range(9) for c in range(10) if b != c
)
_NANP = len(_AREA_CODES) * 100
_UK = 1000
# 60 bits: two of a million canaries share an email with a chance below one in a million (the
# newer is then the one traced).
_CODE_CHARS = 12


@dataclass(frozen=True, slots=True)
class Canary:
    """The decoy contact details `actor` received for `subject`, first issued at `time`.

    `phone` is in E.164 form (`+12015550123`, `+447700900123`); format it for display as the
    page would.
    """

    actor: str
    subject: str
    email: str
    phone: str
    time: float


class Canaries:
    """Issues canaries and remembers them, to trace leaked values back to an actor.

    `secret` (at least 16 bytes, kept private) makes the values unpredictable to scrapers and
    the same across restarts: issuing again for the same actor and subject gives the same
    values, so even a canary no longer remembered can be confirmed for a suspected actor.
    `domain` is one of `RESERVED_DOMAINS` or a subdomain of one. `phone_region` picks the
    numbers: `nanp` (64,800 of them), `uk` (1,000) or `any` (both). The newest `max_records`
    canaries are remembered; older ones are dropped first and counted in `dropped`.
    Per process, not thread-safe.
    """

    def __init__(
        self,
        secret: bytes,
        domain: str = "example.com",
        max_records: int = 1_000_000,
        phone_region: str = "any",
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the canary secret must be at least 16 bytes")
        self.domain = _reserved_domain(domain)
        if phone_region not in PHONE_REGIONS:
            raise ValueError(f"phone_region must be one of {PHONE_REGIONS}, got {phone_region!r}")
        if max_records < 1:
            raise ValueError(f"max_records must be at least 1, got {max_records}")
        self.max_records = max_records
        self.phone_region = phone_region
        self._phone_base, self._phone_count = {
            "any": (0, _NANP + _UK),
            "nanp": (0, _NANP),
            "uk": (_NANP, _UK),
        }[phone_region]
        self.dropped = 0
        self._secret = secret
        self._records: dict[tuple[str, str], Canary] = {}
        self._order: deque[Canary] = deque()
        self._emails: dict[str, Canary] = {}
        self._phones: dict[str, list[Canary]] = {}

    def issue(self, actor: str, subject: str, now: float) -> Canary:
        """The canary for `subject` served to `actor`, remembered from its first issue."""
        known = self._records.get((actor, subject))
        if known is not None:
            return known
        canary = Canary(actor, subject, *self._values(actor, subject), now)
        if len(self._records) >= self.max_records:
            self._drop_oldest()
        self._records[(actor, subject)] = canary
        self._order.append(canary)
        self._emails[canary.email] = canary
        self._phones.setdefault(canary.phone, []).append(canary)
        return canary

    def trace(self, value: str) -> list[Canary]:
        """The remembered canaries with this email or phone number, newest first.

        Spelling does not matter (case, spaces; for phones dashes, dots, `+`, parentheses, a
        national or international prefix). An email names one canary. A phone number is shared
        by many, as the reserved ranges are small: it names candidates, to be narrowed down
        by the emails or other phones of the same leaked records.
        """
        text = "".join(value.split()).lower()
        if "@" in text:
            canary = self._emails.get(text.removeprefix("mailto:"))
            return [canary] if canary is not None else []
        phone = _e164(_NOT_DIGIT.sub("", text))
        return list(reversed(self._phones.get(phone, ()))) if phone else []

    def records(self) -> list[Canary]:
        """The remembered canaries, oldest first."""
        return list(self._order)

    def _values(self, actor: str, subject: str) -> tuple[str, str]:
        """Email and phone for (actor, subject), from the HMAC of both (length-prefixed, so
        that no two pairs share an input)."""
        message = f"{len(actor)}:{actor}{subject}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        code = base64.b32encode(digest[:8]).decode().lower()[:_CODE_CHARS]
        email = f"{_PREFIXES[digest[8] % len(_PREFIXES)]}.{code}@{self.domain}"
        n = self._phone_base + int.from_bytes(digest[9:17]) % self._phone_count
        if n >= _NANP:
            return email, f"+447700900{n - _NANP:03d}"
        return email, f"+1{_AREA_CODES[n // 100]}55501{n % 100:02d}"

    def _drop_oldest(self) -> None:
        canary = self._order.popleft()
        del self._records[(canary.actor, canary.subject)]
        if self._emails.get(canary.email) is canary:
            del self._emails[canary.email]
        same = self._phones[canary.phone]
        same.pop(0)  # the order and the phone lists are both in issue order
        if not same:
            del self._phones[canary.phone]
        self.dropped += 1


def _reserved_domain(domain: str) -> str:
    """`domain`, lower-cased, if it is reserved for examples; ValueError otherwise."""
    name = domain.lower().removesuffix(".")
    labels = name.split(".")
    reserved = any(name == d or name.endswith("." + d) for d in RESERVED_DOMAINS)
    if not reserved or not all(_LABEL.fullmatch(label) for label in labels) or len(name) > 253:
        raise ValueError(
            f"canary emails must be at example.com, example.net, example.org or a subdomain "
            f"of one (RFC 2606), not {domain!r}"
        )
    return name


def _e164(digits: str) -> str:
    """`+…` for a number written nationally or internationally, or "" if it cannot be one of
    the canary ranges' forms."""
    digits = digits.removeprefix("00").removeprefix("011")
    if len(digits) == 13 and digits.startswith("440"):  # +44 (0)7700 …
        digits = "44" + digits[3:]
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    if len(digits) == 11 and digits.startswith("07"):
        return "+44" + digits[1:]
    if len(digits) == 12 and digits.startswith("44"):
        return "+" + digits
    return ""
