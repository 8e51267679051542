"""Retention against a model of docs/store.md, on the events' clock: whatever was recorded, in
whatever order, with purges in between, a person relies on their address or account being
kept in clear no longer than `raw` (longer only when they were challenged or blocked, or are
under a legal hold), everything about them being gone after `pseudonymised`, and the keys that
could link the pseudonyms to them being destroyed once their period is past; an investigator
relies on a held case staying raw and whole, and on nothing still kept being lost or counted
twice by pseudonymisation (the same answers under the pseudonym, and in the export). People's
ids on the site (the ledger's subjects) are kept while a kept ledger row names them, and no
longer; a number, once given, means the same person for good."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyroaring import BitMap
from sqlalchemy import select
from store_model import ACTORS, DAY, SUBJECTS, Model, Shown, opened, record, shown_strategy
from support import T0

from scrapeguard.engine import Decision
from scrapeguard.store import Store
from scrapeguard.store.ledger import fieldset_names
from scrapeguard.store.models import DecisionRow, LedgerRow, PseudonymKeyRow, SubjectRow, table_of
from scrapeguard.store.privacy import FLAGGING, PSEUDONYM, Keep, Pseudonyms, Retention

# Short periods, so that random times fall on every side of every limit.
KEEP = Keep(raw=2 * DAY, pseudonymised=6 * DAY, flagged_raw=4 * DAY)
RETENTION = Retention(decisions=KEEP, ledger=KEEP, period=3 * DAY)
RAW, KEPT, FLAGGED_RAW = KEEP.raw, KEEP.pseudonymised, KEEP.flagged_raw
MAX_DAY = 10


@dataclass(frozen=True)
class Decided:
    actor: str
    enforced: str
    time: float
    reference: str


@dataclass(frozen=True)
class PurgeAt:
    now: float


STEP = st.one_of(
    shown_strategy(MAX_DAY),
    st.builds(
        lambda a, e, d, s: Decided(a, e, T0 + d * DAY + s, ""),
        st.sampled_from(ACTORS),
        st.sampled_from(("throttle", "throttle", "block", "challenge")),
        st.integers(0, MAX_DAY),
        st.integers(0, 86399),
    ),
    st.builds(lambda d: PurgeAt(T0 + d * 3600.0), st.integers(0, 16 * 24)),
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _decision(d: Decided) -> Decision:
    scope = d.actor.partition(":")[0]
    return Decision(
        d.enforced, scope, d.actor, 60.0, d.reference, ("why",), 80, False, d.enforced, d.time
    )


class Truth:
    """What the documentation says each record must be after a purge at `now`."""

    def __init__(self, now: float, held: set[str], decided: list[Decided]) -> None:
        self.now = now
        self.held = held
        self.flagged_ever = {d.actor for d in decided if d.enforced in FLAGGING}

    def gone(self, actor: str, end: float) -> bool:
        return actor not in self.held and end <= self.now - KEPT

    def raw(self, actor: str, end: float) -> bool | None:
        """True: must be in clear; False: must be a pseudonym; None: either (an actor that was
        challenged or blocked at some time: raw while its flagging is recent)."""
        if actor in self.held or end > self.now - RAW:
            return True
        if actor not in self.flagged_ever:
            return False
        return None if end > self.now - FLAGGED_RAW else False


def _check(
    store: Store, truth: Truth, model: Model, decided: list[Decided], ever: dict[int, str]
) -> None:
    """`ever`: every subject number seen so far in this example, and whom it named."""
    now = truth.now
    with store.engine.connect() as c:
        pseudonyms = Pseudonyms(c, RETENTION.period)
        names = fieldset_names(c)
        subjects = {n: v for n, v in c.execute(select(table_of(SubjectRow)))}
        rows = c.execute(select(table_of(LedgerRow))).all()
        stored_decisions = c.execute(select(table_of(DecisionRow))).mappings().all()
        periods = set(c.execute(select(table_of(PseudonymKeyRow).c.period)).scalars())

    def named(actor: str, when: float, day_end: float) -> set[str]:
        raw = truth.raw(actor, day_end)
        pseudonym = pseudonyms.of(actor, when, create=False)
        allowed = set()
        if raw is not False:
            allowed.add(actor)
        if raw is False:
            assert pseudonym is not None, ("the key of kept data was destroyed", actor, when)
        if raw is not True and pseudonym is not None:
            allowed.add(pseudonym)
        return allowed

    # Keys: none of a period wholly before the horizon of the longest retention remains.
    horizon = now - max(RETENTION.decisions.pseudonymised, RETENTION.ledger.pseudonymised)
    assert all((p + 1) * RETENTION.period > horizon for p in periods), (periods, horizon)

    # Decisions: each kept one exactly once, under the name the rules give; none past its time.
    by_reference: dict[str, list[Any]] = {}
    for row in stored_decisions:
        by_reference.setdefault(row["origin"], []).append(row)
    for d in decided:
        found = by_reference.pop(d.reference, [])
        end = math.nextafter(d.time, math.inf)  # a decision's time is its end
        if truth.gone(d.actor, end):
            assert found == [], ("kept past retention", d)
            continue
        assert len(found) == 1, ("lost or doubled", d, found)
        assert found[0]["actor"] in named(d.actor, d.time, end), (d, found[0]["actor"])
    assert by_reference == {}

    # The ledger: rows past retention are gone, the rest is named as the rules say, and no
    # raw key of a visitor names anything older than its time.
    for row in rows:
        end = (row.day + 1) * DAY
        if row.actor.startswith(PSEUDONYM):
            assert end > now - KEPT, ("pseudonymised data kept past retention", row.actor)
            continue
        assert truth.raw(row.actor, end) is not False, ("still in clear", row.actor, row.day)
        assert not truth.gone(row.actor, end), ("kept past retention", row.actor, row.day)

    # What is kept says what was disclosed, under the names the rules give: per day, subject
    # and name, the same fields and the same unnamed people; nothing lost, nothing doubled.
    expected: dict[tuple[int, str, str | None], set[str]] = {}
    expected_unnamed: dict[tuple[int, frozenset[str]], int] = {}
    options: dict[tuple[int, str], set[str]] = {}
    for s in model.shown:
        end = (s.day + 1) * DAY
        for a in s.actors:
            if truth.gone(a, end):
                continue
            allowed = named(a, s.day * DAY, end)
            options[(s.day, a)] = allowed
            if s.people == 1:
                expected.setdefault((s.day, a, s.subject), set()).update(s.disclosed)
            else:
                key = (s.day, frozenset(allowed))
                expected_unnamed[key] = expected_unnamed.get(key, 0) + s.people
    got: dict[tuple[int, str, str], set[str]] = {}
    got_unnamed: dict[tuple[int, str], int] = {}
    for row in rows:
        for number in BitMap.deserialize(row.bitmap):
            got.setdefault((row.day, row.actor, subjects[number]), set()).update(
                names[row.fieldset]
            )
        if row.unnamed:
            got_unnamed[(row.day, row.actor)] = (
                got_unnamed.get((row.day, row.actor), 0) + row.unnamed
            )
    for (day, actor, subject), fields in expected.items():
        holders = {n for n in options[(day, actor)] if (day, n, subject) in got}
        assert len(holders) >= 1, ("a disclosure was lost", day, actor, subject)
        union = set().union(*(got[(day, n, subject)] for n in holders))
        assert union == fields, (day, actor, subject, union, fields)
    # Subjects: exactly those that a kept row names, each under the number it always had.
    named = BitMap.union(BitMap(), *(BitMap.deserialize(row.bitmap) for row in rows))
    assert set(subjects) == set(named), ("people kept that no row names", set(subjects) - named)
    for number, subject in subjects.items():
        assert ever.setdefault(number, subject) == subject, ("a number reused", number, subject)
    allowed_names = {(day, n) for (day, _), names_ in options.items() for n in names_}
    for day, actor, subject in got:
        assert (day, actor) in allowed_names, ("a disclosure under no one's name", day, actor)
        real = {a for (d, a), ns in options.items() if d == day and actor in ns}
        assert any((day, a, subject) in expected for a in real), ("invented", day, actor, subject)
    for (day, allowed), people in expected_unnamed.items():
        total = sum(got_unnamed.get((day, n), 0) for n in allowed)
        assert total >= people, ("unnamed people lost", day, allowed, total, people)
    assert sum(got_unnamed.values()) == sum(expected_unnamed.values()), "unnamed people doubled"


@SETTINGS
@given(
    held=st.sets(st.sampled_from(ACTORS), max_size=1),
    steps=st.lists(STEP, max_size=30),
)
def test_purges_keep_what_the_rules_keep_and_nothing_else(
    fresh_url: Callable[[], str], held: set[str], steps: list[Any]
) -> None:
    model = Model()
    decided: list[Decided] = []
    ever: dict[int, str] = {}
    last_purge = T0
    with opened(fresh_url(), retention=RETENTION) as store:
        until = T0 + 12 * DAY
        if held:
            store.hold("case 1", sorted(held), until, who="ana", why="court order")
        for i, step in enumerate(steps):
            if isinstance(step, Shown):
                record(store, step)
                model.shown.append(step)
            elif isinstance(step, Decided):
                d = Decided(step.actor, step.enforced, step.time, f"rule/{i}")
                store.record_decision(_decision(d))
                decided.append(d)
            else:
                last_purge = max(last_purge, step.now)  # the events' clock goes forward
                store.purge(last_purge)
                holding = held if last_purge < until else set()  # the hold ends at `until`
                _check(store, Truth(last_purge, holding, decided), model, decided, ever)
        store.purge(last_purge + DAY)
        holding = held if last_purge + DAY < until else set()
        _check(store, Truth(last_purge + DAY, holding, decided), model, decided, ever)


@settings(SETTINGS, max_examples=25)
@given(steps=st.lists(shown_strategy(8), min_size=1, max_size=15), later=st.integers(0, 16))
def test_the_export_finds_a_persons_data_under_their_pseudonyms(
    fresh_url: Callable[[], str], steps: list[Shown], later: int
) -> None:
    """After a purge, what an address or account received is still in its export, per day
    and set of fields, as long as it is kept, under the raw key or the pseudonyms; and so is,
    for each person, who was shown their data (`--subject`)."""
    with opened(fresh_url(), retention=RETENTION) as store:
        for s in steps:
            record(store, s)
        now = T0 + later * DAY
        store.purge(now)
        for actor in ACTORS:
            model = Model([s for s in steps if (s.day + 1) * DAY > now - KEPT])
            doc = store.export(actor, None, who="dpo", why="request")
            got = sorted(
                (r["day"], r["fields"], r["people"], r["unnamed_people"]) for r in doc["received"]
            )
            assert got == model.export_received(actor), actor
            assert all(
                set(r) == {"day", "fields", "people", "unnamed_people"} for r in doc["received"]
            )
        for subject in SUBJECTS:
            model = Model([s for s in steps if (s.day + 1) * DAY > now - KEPT])
            doc = store.export(ACTORS[0], subject, who="dpo", why="request")
            got_shown = [(r["day"], r["to"], r["fields"]) for r in doc["your_data_shown"]]
            assert sorted(got_shown) == model.export_shown(subject), subject


@settings(SETTINGS, max_examples=30)
@given(
    before=st.lists(shown_strategy(4), min_size=1, max_size=8),
    after=st.lists(shown_strategy(4), min_size=1, max_size=8),
    day=st.integers(4, 9),
)
def test_a_late_write_joins_what_was_already_pseudonymised(
    fresh_url: Callable[[], str], before: list[Shown], after: list[Shown], day: int
) -> None:
    """Disclosures of days already pseudonymised (a replay, a slow writer) are merged into the
    same pseudonymous rows at the next purge: no person and no list page lost or doubled."""
    model = Model()
    ever: dict[int, str] = {}
    now = T0 + day * DAY
    with opened(fresh_url(), retention=RETENTION) as store:
        for batch in (before, after):
            for s in batch:
                record(store, s)
                model.shown.append(s)
            store.purge(now)
            _check(store, Truth(now, set(), []), model, [], ever)
