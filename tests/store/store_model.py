"""A plain in-memory model of what the store's documentation says it keeps, for the property
tests of the ledger and of retention."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from support import T0

from scrapeguard.store import Store

DAY = 86400.0
D0 = int(T0 // DAY)
IPS = ("ip:198.51.100.1", "ip:203.0.113.9")
ACCOUNTS = ("account:alice", "account:mallory")
ACTORS = IPS + ACCOUNTS
SUBJECTS = ("u1", "u2", "u3", "alice")
FIELDS = ("email", "name", "phone")


@dataclass(frozen=True)
class Shown:
    """One disclosure as the documentation says the ledger keeps it: under the address and,
    when logged in, the account, without the withheld fields."""

    actors: tuple[str, ...]
    time: float
    subject: str
    fields: tuple[str, ...]  # as served, before withholding
    withheld: frozenset[str]
    people: int  # 1: a named person; more: a list page of unnamed people

    @property
    def day(self) -> int:
        return int(self.time // DAY)

    @property
    def disclosed(self) -> frozenset[str]:
        return frozenset(self.fields) - self.withheld


@dataclass
class Model:
    """Everything recorded, in the order recorded."""

    shown: list[Shown] = field(default_factory=list)

    def rows(self, actors: Any, first: int, last: int) -> Iterator[tuple[str, Shown]]:
        for s in self.shown:
            if first <= s.day <= last:
                for a in s.actors:
                    if a in actors:
                        yield a, s

    def received(self, actors: Any, first: int, last: int) -> dict[str, Any]:
        """Distinct named people, per field; unnamed list-page people (each page as seen by
        each actor counts: an upper bound); days and actors with any disclosure."""
        people: set[str] = set()
        by_field: dict[str, set[str]] = {}
        unnamed = 0
        days: set[int] = set()
        seen: set[str] = set()
        for a, s in self.rows(set(actors), first, last):
            days.add(s.day)
            seen.add(a)
            if s.people == 1:
                people.add(s.subject)
                for f in s.disclosed:
                    by_field.setdefault(f, set()).add(s.subject)
            else:
                unnamed += s.people
        return {
            "people": len(people),
            "unnamed": unnamed,
            "by_field": {f: len(p) for f, p in sorted(by_field.items())},
            "days": len(days),
            "actors": len(seen),
        }

    def who_received(self, subject: str, first: int, last: int) -> list[tuple[Any, ...]]:
        found: dict[str, list[Any]] = {}
        for a, s in self.rows(set(ACTORS), first, last):
            if s.people == 1 and s.subject == subject:
                entry = found.setdefault(a, [s.day, s.day, set()])
                entry[0], entry[1] = min(entry[0], s.day), max(entry[1], s.day)
                entry[2] |= s.disclosed
        return [(a, f, la, tuple(sorted(fs))) for a, (f, la, fs) in sorted(found.items())]

    def people_exposed(self, first: int, last: int) -> int:
        return len({s.subject for _, s in self.rows(set(ACTORS), first, last) if s.people == 1})

    def export_received(self, actor: str) -> list[tuple[Any, ...]]:
        """Per day and set of fields: how many named people, how many unnamed."""
        groups: dict[tuple[int, tuple[str, ...]], list[Any]] = {}
        for _, s in self.rows({actor}, -(10**9), 10**9):
            g = groups.setdefault((s.day, tuple(sorted(s.disclosed))), [set(), 0])
            if s.people == 1:
                g[0].add(s.subject)
            else:
                g[1] += s.people
        return sorted((d, list(f), len(p), u) for (d, f), (p, u) in groups.items())

    def export_shown(self, subject: str) -> list[tuple[Any, ...]]:
        """Per actor, day and set of fields that showed `subject`: the day, the kind of actor,
        the fields."""
        rows = {
            (a, s.day, tuple(sorted(s.disclosed)))
            for a, s in self.rows(set(ACTORS), -(10**9), 10**9)
            if s.people == 1 and s.subject == subject
        }
        return sorted((d, a.partition(":")[0], list(f)) for a, d, f in rows)


def shown_strategy(max_day: int) -> st.SearchStrategy[Shown]:
    """A disclosure by one of two addresses, logged in or not, at some time of some day."""
    return st.builds(
        lambda ip, account, day, second, subject, fields, withheld, people: Shown(
            (ip, account) if account else (ip,),
            T0 + day * DAY + second,
            subject,
            tuple(fields),
            frozenset(withheld),
            people,
        ),
        st.sampled_from(IPS),
        st.one_of(st.none(), st.sampled_from(ACCOUNTS)),
        st.integers(0, max_day),
        st.floats(0, DAY - 1, allow_nan=False).map(int),
        st.sampled_from(SUBJECTS),
        st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True),
        st.sets(st.sampled_from(FIELDS), max_size=1),
        st.sampled_from((1, 1, 1, 1, 20)),
    )


def record(store: Store, s: Shown) -> None:
    from scrapeguard.events import Disclosure

    store.record_disclosure(
        list(s.actors), s.time, [Disclosure(s.subject, s.fields, s.people)], s.withheld or None
    )


@contextmanager
def opened(url: str, **kw: Any) -> Iterator[Store]:
    store = Store(url, flush_interval=3600, **kw)
    try:
        yield store
    finally:
        store.close()
