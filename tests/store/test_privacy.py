"""Retention of the store's own data, on event time: pseudonyms, key destruction, legal hold,
and the export for a person's access request."""

from __future__ import annotations

import pytest
from support import T0

from scrapeguard.config import load_document
from scrapeguard.engine import Decision
from scrapeguard.errors import ConfigError
from scrapeguard.events import Disclosure
from scrapeguard.store import Store
from scrapeguard.store.models import PseudonymKeyRow, table_of
from scrapeguard.store.privacy import Pseudonyms, retention_from_document

DAY = 86400.0
D0 = int(T0 // DAY)
PLAIN, BLOCKED, HELD = "ip:198.51.100.1", "ip:203.0.113.9", "account:mallory"


def _decision(actor: str, enforced: str, t: float) -> Decision:
    return Decision(
        enforced,
        actor.split(":")[0],
        actor,
        3600.0,
        "threshold/x",
        ("why",),
        80,
        False,
        enforced,
        t,
    )


def _fill(store: Store) -> None:
    for actor, enforced in ((PLAIN, "throttle"), (BLOCKED, "block"), (HELD, "challenge")):
        store.record_decision(_decision(actor, enforced, T0))
        store.record_disclosure(
            [actor], T0, [Disclosure(f"{actor}-saw-{i}", ("name",)) for i in range(5)]
        )
    store.record_disclosure([PLAIN], T0, [Disclosure("alice", ("name", "email"))])
    store.flush()


def _actors(store: Store, table: str) -> set[str]:
    with store.engine.connect() as c:
        return {r[0] for r in c.exec_driver_sql(f"SELECT actor FROM {table}")}


def test_raw_then_pseudonyms_then_nothing_and_the_keys_are_destroyed(store_url: str) -> None:
    store = Store(store_url, flush_interval=60)
    try:
        _fill(store)
        store.hold("case 7", [HELD], T0 + 200 * DAY, who="ana", why="court order 12/2026")

        assert store.purge(T0 + 6 * DAY).pseudonymised == 0  # within the 7 raw days
        assert {PLAIN, BLOCKED, HELD} <= _actors(store, "decisions")

        done = store.purge(T0 + 9 * DAY)
        decisions, ledger = _actors(store, "decisions"), _actors(store, "ledger")
        assert PLAIN not in decisions and PLAIN not in ledger  # pseudonymised
        assert BLOCKED in decisions and BLOCKED in ledger  # blocked: raw for 90 days
        assert HELD in decisions and HELD in ledger  # under legal hold
        assert done.pseudonymised == 3 and any(a.startswith("~ip:") for a in decisions)
        # The pseudonymised rows are still this person's, for their access request.
        export = store.export(PLAIN, "alice", who="dpo", why="access request 3")
        assert len(export["decisions"]) == 1
        assert sum(r["people"] for r in export["received"]) == 6
        shown = export["your_data_shown"]
        assert shown == [{"day": D0, "to": "ip", "fields": ["email", "name"]}]

        store.purge(T0 + 95 * DAY)
        assert _actors(store, "decisions") == {HELD}  # the rest is gone; the evidence stays
        assert _actors(store, "ledger") == {HELD}
        # Its key's period ends on day 6: the key goes once data of that day may be purged.
        store.purge(T0 + 97 * DAY)
        with store.engine.connect() as c:
            periods = {r[0] for r in c.execute(table_of(PseudonymKeyRow).select())}
            assert int(T0 // (30 * DAY)) not in periods  # its key is destroyed
            assert Pseudonyms(c, 30 * DAY).of(PLAIN, T0, create=False) is None
        assert store.export(PLAIN, who="dpo", why="access request 4")["decisions"] == []

        store.purge(T0 + 201 * DAY)  # the hold has ended
        assert _actors(store, "decisions") == set() and _actors(store, "ledger") == set()
        actions = [a["action"] for a in store.audit_entries()]
        assert actions.count("purge") == 5 and "hold" in actions
        assert actions.count("privacy.export") == 2
    finally:
        store.close()


def test_an_actor_of_a_new_period_gets_a_new_pseudonym(store_url: str) -> None:
    """Keys rotate by period: the same address in two periods cannot be linked."""
    store = Store(store_url, flush_interval=60)
    try:
        for t in (T0, T0 + 40 * DAY):
            store.record_decision(_decision(PLAIN, "throttle", t))
        store.flush()
        store.purge(T0 + 60 * DAY)
        pseudonyms = _actors(store, "decisions")
        assert len(pseudonyms) == 2 and all(p.startswith("~ip:") for p in pseudonyms)
    finally:
        store.close()


def test_retention_is_configured_per_record_type() -> None:
    doc = load_document(
        "retention: {decisions: {raw: 2d, pseudonymised: 30d, flagged_raw: 14d}, audit: 2y}",
        "r.yaml",
    )
    with pytest.raises(ConfigError, match="duration"):  # 2y is not a duration
        retention_from_document(doc)
    r = retention_from_document(
        load_document(
            "retention: {decisions: {raw: 2d, pseudonymised: 30d, flagged_raw: 14d}, audit: 104w}",
            "r.yaml",
        )
    )
    assert (r.decisions.raw, r.decisions.flagged_raw, r.decisions.pseudonymised) == (
        2 * DAY,
        14 * DAY,
        30 * DAY,
    )
    assert r.ledger.raw == 7 * DAY and r.audit == 104 * 7 * DAY
    with pytest.raises(ConfigError, match="raw <= flagged_raw <= pseudonymised"):
        retention_from_document(load_document("retention: {ledger: {raw: 100d}}", "r.yaml"))
    with pytest.raises(ConfigError, match="retention.logs"):
        retention_from_document(load_document("retention: {logs: 1d}", "r.yaml"))


def test_actor_summaries_follow_their_decisions(store_url: str) -> None:
    from scrapeguard.state.actor import ActorState

    store = Store(store_url, flush_interval=60)
    try:
        for key in (PLAIN, BLOCKED):
            state = ActorState(key, T0)
            state.verdict = "block" if key == BLOCKED else "throttle"
            store.record_actor(state)
        store.record_decision(_decision(BLOCKED, "block", T0))
        store.flush()
        assert _actors_keys(store) == {PLAIN, BLOCKED}
        store.purge(T0 + 9 * DAY)
        keys = _actors_keys(store)
        assert BLOCKED in keys and PLAIN not in keys and len(keys) == 2
        store.purge(T0 + 95 * DAY)
        assert _actors_keys(store) == set()
    finally:
        store.close()


def _actors_keys(store: Store) -> set[str]:
    with store.engine.connect() as c:
        return {r[0] for r in c.exec_driver_sql("SELECT key FROM actors")}


def _subjects(store: Store) -> dict[str, int]:
    with store.engine.connect() as c:
        return {v: n for n, v in c.exec_driver_sql("SELECT id, value FROM ledger_subjects")}


def _named(store: Store) -> set[int]:
    """The subject numbers that some ledger row names."""
    from pyroaring import BitMap

    with store.engine.connect() as c:
        blobs = c.exec_driver_sql("SELECT bitmap FROM ledger").scalars()
        return set(BitMap.union(BitMap(), *(BitMap.deserialize(b) for b in blobs)))


def test_a_purge_forgets_the_people_no_ledger_row_names(store_url: str) -> None:
    """People's ids on the site are kept only while a ledger row names them: the purge deletes
    them with the last such row; those still named (recent data, a held case) keep their
    numbers and are still found by who-received, received and the export."""
    store = Store(store_url, flush_interval=60)
    try:
        _fill(store)  # day 0: five people each to PLAIN, BLOCKED and HELD, and alice to PLAIN
        store.hold("case 7", [HELD], T0 + 200 * DAY, who="ana", why="court order 12/2026")
        late = T0 + 94 * DAY
        store.record_disclosure(["ip:192.0.2.7"], late, [Disclosure("alice", ("name",))])
        store.flush()
        before = _subjects(store)
        assert len(before) == 16

        done = store.purge(T0 + 95 * DAY)  # day 0 is past retention, but for the held case
        kept = _subjects(store)
        assert set(kept) == {f"{HELD}-saw-{i}" for i in range(5)} | {"alice"}
        assert set(kept.values()) == _named(store)  # none left that no row names
        assert all(before[s] == n for s, n in kept.items())  # the same numbers
        assert done.subjects_deleted == 10
        audit = [a for a in store.audit_entries() if a["action"] == "purge"]
        assert audit[-1]["detail"]["subjects_deleted"] == 10
        receipts = store.ledger.who_received(f"{HELD}-saw-3", D0, D0 + 95, who="ana", why="x")
        assert [(r.actor, r.first_day) for r in receipts] == [(HELD, D0)]
        alice = store.ledger.who_received("alice", D0, D0 + 95, who="ana", why="x")
        assert [(r.actor, r.first_day) for r in alice] == [("ip:192.0.2.7", D0 + 94)]
        assert store.ledger.received([HELD], D0, D0, who="ana", why="x").people == 5
        assert store.ledger.who_received(f"{PLAIN}-saw-1", D0, D0 + 95, who="a", why="x") == []
        shown = store.export(HELD, f"{HELD}-saw-3", who="dpo", why="request")["your_data_shown"]
        assert shown == [{"day": D0, "to": "account", "fields": ["name"]}]

        assert store.purge(T0 + 96 * DAY).subjects_deleted == 0  # nothing more to forget
        store.purge(T0 + 201 * DAY)  # the hold has ended, and alice's last row is past
        assert _subjects(store) == {} and _named(store) == set()
    finally:
        store.close()


def test_a_deleted_number_is_never_given_to_someone_else(store_url: str) -> None:
    """Once alice's and bob's numbers are deleted, carol gets a number neither ever had: a
    number that an old bitmap, a copy of the database or a question in progress still holds
    never shows carol as alice."""
    store = Store(store_url, flush_interval=60)
    try:
        store.record_disclosure([PLAIN], T0, [Disclosure("alice", ("name",))])
        store.record_disclosure([PLAIN], T0, [Disclosure("bob", ("name",))])
        store.flush()
        old = _subjects(store)
        assert store.purge(T0 + 95 * DAY).subjects_deleted == 2
        store.record_disclosure([BLOCKED], T0 + 95 * DAY, [Disclosure("carol", ("name",))])
        store.record_disclosure([BLOCKED], T0 + 95 * DAY, [Disclosure("alice", ("name",))])
        store.flush()
        new = _subjects(store)
        assert set(new) == {"carol", "alice"}
        assert min(new.values()) > max(old.values()), (old, new)
    finally:
        store.close()


def test_the_retention_section_is_part_of_a_configuration_file() -> None:
    """docs/store.md writes `retention:` beside `store:` in the configuration file; it was an
    unknown setting there (the app did not start), and `scrapeguard check` did not read it."""
    from scrapeguard.integrations.loading import read_config

    text = "store: sqlite:///x.db\nretention:\n  ledger: {raw: 7d}\n  period: 30d\n"
    read_config(load_document(text, "c.yaml"))
    with pytest.raises(ConfigError) as info:
        read_config(load_document("retention:\n  ledger: {raw: 100d}\n  logs: 1d\n", "c.yaml"))
    assert sorted(m.split(": ")[:2] for m in info.value.messages) == [
        ["c.yaml:2", "retention.ledger"],
        ["c.yaml:3", "retention.logs"],
    ]
