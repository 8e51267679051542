"""The wire format of `observe.lua`: one request's call, and the actor records it returns.

Pure (no I/O): `shared.py` sends what this builds and hands back what Redis answers.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from importlib import resources
from typing import Final

from ..events import CAMPAIGN, RequestEvent
from ..site import Access, Kind, looked_up
from .actor import MAX_EXACT_SUBJECTS, SHARED_FIELDS, ActorState, accounts_noted, aggregates

SCRIPT: Final = (
    resources.files("scrapeguard.state").joinpath("observe.lua").read_text(encoding="utf-8")
)
SCRIPT_SHA: Final = hashlib.sha1(SCRIPT.encode()).hexdigest()
UNIVERSE: Final = "universe"  # the pseudo-actor whose distinct count is the directory's size
UNIVERSE_EXACT: Final = 100_000  # subjects it counts exactly before its HyperLogLog takes over
FIELDS: Final = len(SHARED_FIELDS)
DISTINCT: Final = SHARED_FIELDS.index("distinct")
#: An actor's record in Redis: SHARED_FIELDS and the script's own three, as doubles.
RECORD: Final = struct.Struct("<" + "d" * (FIELDS + 3))


class Call:
    """The arguments of one call of the script: KEYS, the request's ARGV head, and per actor
    its four ARGV (in a cluster each actor is called on its own, with the same head)."""

    __slots__ = ("keys", "head", "tail")

    def __init__(self, keys: list[str], head: list[object], tail: list[object]) -> None:
        self.keys = keys
        self.head = head
        self.tail = tail

    def command(self) -> tuple[object, ...]:
        """The EVALSHA command for all actors at once."""
        return ("EVALSHA", SCRIPT_SHA, len(self.keys), *self.keys, *self.head, *self.tail)

    def per_actor(self) -> list[tuple[object, ...]]:
        """One EVALSHA command per actor (Redis Cluster: each actor has its own slot)."""
        k, h, t = self.keys, self.head, self.tail
        return [
            ("EVALSHA", SCRIPT_SHA, 4, *k[4 * a : 4 * a + 4], *h, *t[4 * a : 4 * a + 4])
            for a in range(len(k) // 4)
        ]


def call_for(
    prefix: str,
    keys: Sequence[str],
    event: RequestEvent,
    access: Access,
    now: float,
    ttls: Sequence[int],
) -> Call:
    """The call that counts `event` for the actors `keys` (`ttls`: seconds each is kept)."""
    static = access.kind == Kind.STATIC
    disclosures = () if static else access.disclosures
    head: list[object] = [repr(now), repr(access.weight), access.people]
    head += (MAX_EXACT_SUBJECTS, UNIVERSE_EXACT, len(disclosures))
    for d in disclosures:
        head += (d.subject, d.people)
    redis_keys: list[str] = []
    tail: list[object] = []
    for key, ttl in zip(keys, ttls, strict=True):
        redis_keys += actor_keys(prefix, key)
        account, member = accounts_noted(key, event, access, now)
        tail += (ttl, flags(key, event, access), account, member)
    if disclosures:
        redis_keys += actor_keys(prefix, UNIVERSE)
        tail += (max(ttls), "X", "", "")
    return Call(redis_keys, head, tail)


def actor_keys(prefix: str, key: str) -> list[str]:
    """An actor's record, subject set, HyperLogLog and account set, in one cluster slot."""
    base = f"{prefix}:{{{key}}}"
    return [base, base + ":s", base + ":h", base + ":x"]


def flags(key: str, event: RequestEvent, access: Access) -> str:
    """What the script counts for actor `key` (see its header), as ActorState.observe does."""
    kind = access.kind
    out = "G" if key.startswith(CAMPAIGN) else ""
    if kind == Kind.STATIC:
        return "S" + out
    if kind == Kind.PERSON:
        out += "V"
    if access.attempt:
        out += "U" if kind == Kind.SIGNUP else "I" if kind == Kind.LOGIN else ""
    if not aggregates(key):
        if event.headers is not None and event.session is None:
            out += "C"
        if kind == Kind.LOOKUP and looked_up(access, event.status):
            out += "LM" if access.miss else "L"
    return out


def adopt(states: list[ActorState], records: list[bytes]) -> int:
    """Give each state its record's shared counts; the directory's count when the records
    end with it (a request that disclosed people), else -1."""
    for state, record in zip(states, records, strict=False):
        state.adopt(list(RECORD.unpack(record)[:FIELDS]))
    if len(records) > len(states):
        return int(RECORD.unpack(records[-1])[DISTINCT])
    return -1
