"""Request events and the actor keys derived from them.

A `RequestEvent` is one request as scrapeguard sees it, whether it arrives inline from the
middleware, from a proxy's forward-auth call, or from a line of an access log. Fields that a
source cannot know stay `None`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Final

#: The longest user agent an event keeps: real ones are under 300 characters. A longer one is
#: cut here, where events are made, so that a client cannot make each actor state it creates
#: (which keeps its user agent) as large as it likes.
MAX_AGENT_CHARS: Final = 1000


def by_fields(obj: Any) -> tuple[Any, tuple[Any, ...]]:
    """`__reduce__` of a dataclass whose `__init__` is written out: its class and its field
    values, in order (a compiled class with its own `__init__` does not pickle by itself)."""
    return type(obj), tuple([getattr(obj, f.name) for f in fields(obj)])


@dataclass(slots=True)
class Disclosure:
    """Personal data of `people` people that one response disclosed.

    `subject` identifies the person (a user id or handle). A list page whose individual people
    are unknown (log replay of a search or directory page) is one disclosure whose `subject`
    names the page and whose `people` is its page size. Never changed once made.
    """

    subject: str
    fields: tuple[str, ...] = ()
    people: int = 1
    sensitivity: str = "normal"

    def __init__(
        self,
        subject: str,
        fields: tuple[str, ...] = (),
        people: int = 1,
        sensitivity: str = "normal",
    ) -> None:
        # Written out: mypyc compiles this one, not the one @dataclass would generate.
        self.subject = subject
        self.fields = fields
        self.people = people
        self.sensitivity = sensitivity

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return by_fields(self)


@dataclass(slots=True)
class RequestEvent:
    """One HTTP request and what its response disclosed.

    `time` is seconds since the epoch (UTC). `disclosed` is `None` when the source does not say
    what the response disclosed; the site model then infers it from the route.
    """

    time: float
    ip: str
    method: str = "GET"
    path: str = "/"
    query: str = ""
    status: int = 200
    bytes: int = 0
    host: str = ""
    user_agent: str = ""
    referer: str = ""
    accept_language: str | None = None
    headers: dict[str, str] | None = None
    session: str | None = None
    device: str | None = None
    account: str | None = None
    account_created: float | None = None
    tls_fingerprint: str | None = None
    disclosed: tuple[Disclosure, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __init__(
        self,
        time: float,
        ip: str,
        method: str = "GET",
        path: str = "/",
        query: str = "",
        status: int = 200,
        bytes: int = 0,
        host: str = "",
        user_agent: str = "",
        referer: str = "",
        accept_language: str | None = None,
        headers: dict[str, str] | None = None,
        session: str | None = None,
        device: str | None = None,
        account: str | None = None,
        account_created: float | None = None,
        tls_fingerprint: str | None = None,
        disclosed: tuple[Disclosure, ...] | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        # Written out: mypyc compiles this one, not the one @dataclass would generate.
        self.time = time
        self.ip = ip
        self.method = method
        self.path = path
        self.query = query
        self.status = status
        self.bytes = bytes
        self.host = host
        self.user_agent = user_agent
        self.referer = referer
        self.accept_language = accept_language
        self.headers = headers
        self.session = session
        self.device = device
        self.account = account
        self.account_created = account_created
        self.tls_fingerprint = tls_fingerprint
        self.disclosed = disclosed
        self.extra = {} if extra is None else extra

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return by_fields(self)


class ActorKind:
    """Names of the kinds of actor an event is attributed to."""

    IP: Final = "ip"
    NET: Final = "net"
    ACCOUNT: Final = "account"
    SESSION: Final = "session"
    DEVICE: Final = "device"
    FINGERPRINT: Final = "fp"
    CAMPAIGN: Final = "campaign"
    STACK: Final = "stack"


def network_of(ip: str) -> str:
    """Return the network an address belongs to: its IPv4 /24 or its IPv6 /64, as a CIDR."""
    if ":" not in ip:
        head, _, _ = ip.rpartition(".")
        return head + ".0/24" if head else ip
    return ipv6_prefix(ip, 64)


def ipv6_prefix(ip: str, bits: int) -> str:
    """Return the /`bits` prefix (0 < bits < 128) of an IPv6 address as a CIDR string."""
    return ipv6_prefixes(ip, (bits,))[0]


def ipv6_prefixes(ip: str, widths: tuple[int, ...]) -> list[str]:
    """`ipv6_prefix` of `ip` for each of `widths`, the address read once; a malformed address
    is its own prefix."""
    groups = _expand_ipv6(ip)
    if groups is None:
        return [ip for _ in widths]
    out = []
    for bits in widths:
        whole, part = divmod(bits, 16)
        kept = groups[:whole]
        if part:  # the group the prefix ends inside: keep its first `part` bits
            try:
                value = int(groups[whole], 16) >> (16 - part) << (16 - part)
            except ValueError:
                return [ip for _ in widths]
            kept = [*kept, format(value, "x")]
        out.append(":".join(kept) + "::/" + str(bits))
    return out


def _expand_ipv6(ip: str) -> list[str] | None:
    ip = ip.split("%", 1)[0]
    if "::" in ip:
        head, _, tail = ip.partition("::")
        left = head.split(":") if head else []
        right = tail.split(":") if tail else []
        missing = 8 - len(left) - len(right)
        if missing < 0:
            return None
        groups = left + ["0"] * missing + right
    else:
        groups = ip.split(":")
    if len(groups) != 8:
        return None
    return [g.lower().lstrip("0") or "0" for g in groups]


def fingerprint_of(event: RequestEvent) -> str:
    """A short, stable fingerprint of the client software: user agent plus header traits.

    Header traits are only what the source knows (accept-language presence, the proxy's TLS
    fingerprint, the set of header names); log replay fingerprints by user agent alone.
    """
    parts = [event.user_agent]
    if event.tls_fingerprint:
        parts.append(event.tls_fingerprint)
    if event.headers is not None:
        parts.append(",".join(sorted(event.headers)))
        parts.append("al" if event.accept_language else "-")
    return _digest(*parts)


def ledger_actors(event: RequestEvent) -> list[str]:
    """The actor keys under which the disclosure ledger records what `event` received: its
    address, and its account when logged in."""
    keys = ["ip:" + event.ip]
    if event.account is not None:
        keys.append("account:" + event.account)
    return keys


#: The store's pseudonymised actor keys start with it: ~ip:3fa9…, ~account:… (docs/store.md).
PSEUDONYM: Final = "~"

#: Campaign keys start with CAMPAIGN, then one of the two kinds: clients that look alike and
#: keep nothing between requests, or young accounts used from one network.
CAMPAIGN: Final = "campaign:"
SIGNATURE_CAMPAIGN: Final = CAMPAIGN + "sig:"
NEW_ACCOUNTS_CAMPAIGN: Final = CAMPAIGN + "new:"
#: A signature campaign of the client software under any user agent (see `stack_key`).
STACK_CAMPAIGN: Final = SIGNATURE_CAMPAIGN + "stack:"
#: Signature campaign keys by (user agent, Accept-Language, TLS fingerprint), made once: a
#: campaign's clients send the same signature again and again.
_SIGNATURES: Final[dict[tuple[str, str, str], str]] = {}
MAX_SIGNATURES: Final = 4096


def campaign_key(event: RequestEvent, young: float) -> str | None:
    """The campaign `event` may belong to, or None.

    - A guest without a session cookie joins the campaign of every client that sends the same
      signature: user agent, Accept-Language and, when a proxy gives one, TLS fingerprint.
      Whether it is a member depends on how its address behaves (see `Guard`).
    - An account younger than `young` seconds joins the campaign of the young accounts used
      from its network (IPv4 /24, IPv6 /48): an account farm.
    """
    if event.account is not None:
        created = event.account_created
        if created is None or event.time - created >= young:
            return None
        ip = event.ip
        net = ipv6_prefix(ip, 48) if ":" in ip else network_of(ip)
        return NEW_ACCOUNTS_CAMPAIGN + net
    if event.session is not None:
        return None
    signature = (event.user_agent, event.accept_language or "", event.tls_fingerprint or "")
    key = _SIGNATURES.get(signature)
    if key is None:
        if len(_SIGNATURES) >= MAX_SIGNATURES:
            _SIGNATURES.clear()
        key = _SIGNATURES[signature] = SIGNATURE_CAMPAIGN + _digest(*signature)
    return key


def stack_key(event: RequestEvent) -> str | None:
    """The signature campaign of a guest's client software whatever user agent it claims, or
    None: the request headers that the HTTP software sets on every request, page or asset
    (Accept-Encoding, Accept-Language, and the proxy's TLS fingerprint when there is one).

    A crawler that picks a new browser user agent for every request splits into one user
    agent campaign per user agent, but keeps its software's headers. Only for a guest without
    a session cookie whose user agent claims a browser, and only where the headers are known
    (inline): a plain log has none, and by language alone everyone would be one campaign.
    """
    headers = event.headers
    if (
        headers is None
        or event.session is not None
        or event.account is not None
        or not event.user_agent.startswith("Mozilla/5.0 (")
    ):
        return None
    encoding = headers.get("accept-encoding", "")
    language, tls = event.accept_language or "", event.tls_fingerprint or ""
    return STACK_CAMPAIGN + _digest(encoding, language, tls)


@lru_cache(maxsize=4096)  # a campaign's clients send the same signature again and again
def _digest(*parts: str) -> str:
    """A short, stable hash of `parts` (a fingerprint's or a signature's)."""
    raw = "\x1f".join(parts).encode("utf-8", "replace")
    return hashlib.blake2b(raw, digest_size=8).hexdigest()
