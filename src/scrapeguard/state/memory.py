"""In-process state (`memory://`): actor states in a dict, capped and expired by event time."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from mypy_extensions import mypyc_attr

from ..enforce.lists import AccessList, ListEntry
from ..events import RequestEvent
from ..site import Access
from .actor import DAY, HOUR, ActorState, Counted

if TYPE_CHECKING:
    from ..engine import Decision


@mypyc_attr(allow_interpreted_subclasses=True)
class MemoryState:
    """Actor states of one process.

    At most `max_actors` states are kept. When the cap is reached, states that never scored
    and have been idle for an hour go first, oldest first; only if that frees too little do the
    lowest-scoring states go. An actor cannot erase its own history by flooding fresh
    addresses, because fresh addresses are the lowest-risk states there are.
    """

    url = "memory://"

    def __init__(
        self, max_actors: int = 1_000_000, idle_ttl: float = 2 * DAY, flagged_ttl: float = 8 * DAY
    ) -> None:
        self.max_actors = max_actors
        self.idle_ttl = idle_ttl
        self.flagged_ttl = flagged_ttl
        self.actors: dict[str, ActorState] = {}
        self.decisions: dict[str, Decision] = {}
        self.claims: dict[str, float] = {}
        self.universe = Counted(max_exact=2_000_000)  # one per process: exact is affordable
        self.shared = False  # True for a backend that several processes share
        self.created = 0
        self.evicted = 0
        self.expired = 0
        self._next_sweep = 0.0

    def observe(
        self, keys: Sequence[str], event: RequestEvent, access: Access, now: float
    ) -> list[ActorState]:
        """Fetch (creating as needed) the states of `keys` and count `event` in each of them."""
        if now >= self._next_sweep:
            self.expire(now)
        actors = self.actors
        out = []
        for key in keys:
            state = actors.get(key)
            if state is None:
                if len(actors) >= self.max_actors:
                    self._evict(now, max(1, self.max_actors // 10))
                state = ActorState(key, now)
                actors[key] = state
                self.created += 1
            state.observe(event, access, now)
            out.append(state)
        for d in access.disclosures:
            self.universe.add(d.subject, d.people)
        return out

    def prefetch(self, batch: Sequence[tuple[Sequence[str], RequestEvent, Access, float]]) -> None:
        """Nothing to fetch ahead: this process's state is counted as each request is observed
        (a shared backend counts a batch of requests in one round trip here)."""

    def close(self) -> None:
        """Nothing to flush or stop."""

    def attach_lists(self, blocklist: AccessList, allowlist: AccessList) -> None:
        """Nothing to do: lists change at run time only in this process (`Guard.block`)."""

    def share_list(self, name: str, kind: str, value: str, entry: ListEntry | None) -> None:
        """Nothing to share: this process is the only one."""

    def get(self, key: str) -> ActorState | None:
        """The state of `key`, if any."""
        return self.actors.get(key)

    def __iter__(self) -> Iterator[ActorState]:
        return iter(self.actors.values())

    def __len__(self) -> int:
        return len(self.actors)

    @property
    def known_people(self) -> int:
        """Distinct people disclosed to anyone so far (the size of the known directory)."""
        return self.universe.total

    def active_decision(self, keys: Sequence[str], now: float) -> Decision | None:
        """The strongest unexpired decision recorded against any of `keys`."""
        found = None
        for key in keys:
            d = self.decisions.get(key)
            if d is not None:
                if d.expires <= now:
                    del self.decisions[key]
                elif found is None or d.rank > found.rank:
                    found = d
        return found

    def record_decision(self, decision: Decision) -> None:
        """Remember a decision against its scope key until it expires."""
        held = self.decisions.get(decision.key)
        if held is None or decision.rank >= held.rank or held.expires <= decision.time:
            self.decisions[decision.key] = decision

    def claim(self, token: str, until: float, now: float) -> bool:
        """True only the first time `token` is claimed before `until` (single-use challenges)."""
        claims = self.claims
        held = claims.get(token)
        if held is not None and held > now:
            return False
        if len(claims) >= 100_000:
            for key in [k for k, t in claims.items() if t <= now]:
                del claims[key]
        claims[token] = until
        return True

    def expire(self, now: float) -> None:
        """Drop states idle for longer than their time to live (longer for flagged actors),
        and decisions that have run out (a decision is otherwise dropped only when its key is
        seen again: the addresses of a distributed scraper, blocked once each, would pile up)."""
        self._next_sweep = now + min(self.idle_ttl, self.flagged_ttl) / 4
        stale = [
            key
            for key, s in self.actors.items()
            if now - s.last > (self.flagged_ttl if s.peak or s.bot else self.idle_ttl)
        ]
        for key in stale:
            del self.actors[key]
        self.expired += len(stale)
        for key in [key for key, d in self.decisions.items() if d.expires <= now]:
            del self.decisions[key]

    def _evict(self, now: float, count: int) -> None:
        actors = self.actors
        victims = []
        for key, s in actors.items():
            if not s.peak and not s.bot and now - s.last > HOUR:
                victims.append(key)
                if len(victims) >= count:
                    break
        if len(victims) < count:
            rest = heapq.nsmallest(
                count - len(victims), actors.values(), key=lambda s: (s.peak, s.last)
            )
            victims += [s.key for s in rest]
        for key in set(victims):
            del actors[key]
        self.evicted += len(set(victims))
