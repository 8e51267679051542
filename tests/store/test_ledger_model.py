"""The ledger against a plain model of its documented meaning: whatever the order of
disclosures, flushes and failed writes (the database away for a moment), an investigator
relies on `received`, `who_received`, `people_exposed` and a person's export saying exactly
what was served to whom, per field and per day, with no disclosure lost, counted twice or
put under the wrong person, and on every question being in the audit log first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from store_model import (
    ACTORS,
    D0,
    SUBJECTS,
    Model,
    Shown,
    opened,
    record,
    shown_strategy,
)

from scrapeguard.store import Store

MAX_DAY = 3
STEP = st.one_of(
    shown_strategy(MAX_DAY),
    st.just("flush"),
    st.just("failed flush"),
)
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Outage:
    """Makes the next write of ledger rows fail, as a database that goes away mid-write does
    (the subjects and field sets of that write were already numbered in its transaction)."""

    def __init__(self, store: Store) -> None:
        self.armed = False
        event.listen(store.engine, "before_cursor_execute", self._before)

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        text = statement.lstrip().upper()
        if self.armed and (
            text.startswith("INSERT INTO LEDGER ") or text.startswith("UPDATE LEDGER ")
        ):
            self.armed = False
            raise ConnectionError("the database went away")


def _check(store: Store, model: Model) -> None:
    ledger = store.ledger
    days = [(D0, D0 + MAX_DAY), (D0, D0), (D0 + 1, D0 + 2)]
    for first, last in days:
        for actors in ([a] for a in ACTORS):
            e = ledger.received(actors, first, last, who="t", why="model")
            got = {
                "people": e.people,
                "unnamed": e.unnamed,
                "by_field": {f: n for f, n in e.by_field.items() if n},  # see below
                "days": e.days,
                "actors": e.actors,
            }
            assert got == model.received(actors, first, last), (actors, first, last)
        e = ledger.received(list(ACTORS), first, last, who="t", why="model")
        # A field shown only on list pages is listed with 0 named people: the same answer.
        by_field = {f: n for f, n in e.by_field.items() if n}
        assert (e.people, e.unnamed, by_field) == tuple(
            model.received(ACTORS, first, last)[k] for k in ("people", "unnamed", "by_field")
        )
        for subject in SUBJECTS:
            receipts = [
                (r.actor, r.first_day, r.last_day, r.fields)
                for r in ledger.who_received(subject, first, last, who="t", why="model")
            ]
            assert receipts == model.who_received(subject, first, last), (subject, first, last)
        assert ledger.people_exposed(first, last, who="t", why="m") == model.people_exposed(
            first, last
        )


@SETTINGS
@given(steps=st.lists(STEP, max_size=25))
def test_the_ledger_says_what_the_model_says(
    fresh_url: Callable[[], str], steps: list[Shown | str]
) -> None:
    model = Model()
    with opened(fresh_url()) as store:
        outage = Outage(store)
        for step in steps:
            if step == "flush":
                store.flush()
            elif step == "failed flush":
                outage.armed = True
                store.flush()
                outage.armed = False
            else:
                assert isinstance(step, Shown)
                record(store, step)
                model.shown.append(step)
        store.flush()
        _check(store, model)
        for actor in ACTORS:
            doc = store.export(
                actor, "alice" if actor == "account:alice" else "u1", who="d", why="r"
            )
            received = sorted(
                (r["day"], r["fields"], r["people"], r["unnamed_people"]) for r in doc["received"]
            )
            assert received == model.export_received(actor), actor
            shown = [(r["day"], r["to"], r["fields"]) for r in doc["your_data_shown"]]
            subject = "alice" if actor == "account:alice" else "u1"
            assert sorted(shown) == model.export_shown(subject)


@settings(SETTINGS, max_examples=25)
@given(steps=st.lists(shown_strategy(MAX_DAY), min_size=1, max_size=10))
def test_every_question_is_in_the_audit_log_before_its_answer(
    fresh_url: Callable[[], str], steps: list[Shown]
) -> None:
    """Each question leaves exactly one entry naming who asked, what, and why, even when the
    answer is empty or the question fails."""
    with opened(fresh_url()) as store:
        for s in steps:
            record(store, s)
        store.flush()
        ledger = store.ledger
        asked: list[tuple[str, str, str]] = []

        def entries() -> list[tuple[str, str, str]]:
            return [(a["action"], a["who"], a["why"]) for a in store.audit_entries()]

        ledger.received([steps[0].actors[0]], D0, D0 + 9, who="ana", why="case 1")
        asked.append(("ledger.received", "ana", "case 1"))
        ledger.who_received(steps[-1].subject, D0, D0, who="bo", why="request 2")
        asked.append(("ledger.who_received", "bo", "request 2"))
        ledger.people_exposed(D0, D0 + 9, who="cy", why="report 3")
        asked.append(("ledger.people_exposed", "cy", "report 3"))
        store.export(steps[0].actors[0], None, who="dpo", why="request 4")
        asked.append(("privacy.export", "dpo", "request 4"))
        assert entries() == asked
