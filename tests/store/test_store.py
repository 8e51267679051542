"""The store on SQLite and PostgreSQL: migrations, batched writes, the ledger and its audit."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import T0, free_port

from scrapeguard.engine import Decision
from scrapeguard.errors import ConfigError
from scrapeguard.events import Disclosure
from scrapeguard.store import Store, upgrade
from scrapeguard.store.db import StoreUnavailable, create

DAY0 = int(T0 // 86400)


def test_upgrade_creates_the_schema_and_is_idempotent(empty_url: str) -> None:
    assert upgrade(empty_url) == (None, "0004")
    assert upgrade(empty_url) == ("0004", "0004")


def test_a_database_of_the_previous_schema_keeps_its_data(empty_url: str) -> None:
    """Schema 0001 (decisions and the rest, no ledger) with a decision in it, upgraded."""
    upgrade(empty_url, "0001")
    with pytest.raises(ConfigError, match="db upgrade"):
        Store(empty_url)
    engine = create(empty_url)
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO decisions (time, reference, actor, scope, action, enforced, simulated,"
            " origin, score, ttl, reasons) VALUES (1.0, 'ref1', 'ip:203.0.113.9', 'ip', 'block',"
            " 'block', false, 'threshold/block', 90, 3600.0, '[]')"
        )
    engine.dispose()
    assert upgrade(empty_url) == ("0001", "0004")
    store = Store(empty_url)
    try:
        with store.engine.connect() as c:
            assert c.exec_driver_sql("SELECT reference FROM decisions").scalar() == "ref1"
    finally:
        store.close()


def test_a_ledger_of_schema_0003_keeps_its_people_and_their_numbers(empty_url: str) -> None:
    """Schema 0003 (subjects never purged) with people in the ledger, upgraded: each keeps
    their number; the first purge forgets those no row names (carol), and her number is not
    given to anyone else."""
    from pyroaring import BitMap
    from sqlalchemy import text

    upgrade(empty_url, "0003")
    engine = create(empty_url)
    with engine.begin() as c:
        for name in ("alice", "bob", "carol"):
            c.execute(text("INSERT INTO ledger_subjects (value) VALUES (:v)"), {"v": name})
        c.execute(text("INSERT INTO ledger_fieldsets (fields) VALUES ('name')"))
        c.execute(
            text(
                "INSERT INTO ledger (actor, day, fieldset, unnamed, bitmap)"
                " VALUES ('ip:203.0.113.9', :day, 1, 0, :bitmap)"
            ),
            {"day": DAY0, "bitmap": BitMap([1, 2]).serialize()},  # carol's row was purged
        )
    engine.dispose()
    assert upgrade(empty_url) == ("0003", "0004")
    store = Store(empty_url, flush_interval=60)
    try:
        assert store.purge(T0 + 86400).subjects_deleted == 1
        receipts = store.ledger.who_received("bob", DAY0, DAY0, who="t", why="t")
        assert [r.actor for r in receipts] == ["ip:203.0.113.9"]
        store.record_disclosure(["ip:198.51.100.1"], T0, [Disclosure("dave", ("name",))])
        store.flush()
        with store.engine.connect() as c:
            numbers = dict(c.exec_driver_sql("SELECT value, id FROM ledger_subjects").all())
        assert numbers == {"alice": 1, "bob": 2, "dave": 4}  # 3 was carol's
    finally:
        store.close()


def test_an_unknown_database_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unsupported database"):
        Store("mysql://root:secret@db/scrapeguard")
    with pytest.raises(ConfigError) as e:
        Store("mysql://root:secret@db/scrapeguard")
    assert "secret" not in str(e.value)


def test_a_database_that_does_not_answer_is_a_clear_error(tmp_path: Path) -> None:
    for url in (
        f"sqlite:///{tmp_path / 'no such folder' / 's.db'}",
        f"postgresql://scrapeguard:secret@127.0.0.1:{free_port()}/scrapeguard",
    ):
        with pytest.raises(StoreUnavailable) as e:
            Store(url)
        assert "does not answer" in str(e.value)
        assert "secret" not in str(e.value) and "sqlalche.me" not in str(e.value)


def test_a_web_apps_store_waits_for_its_database_and_loses_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A site must start and serve while its store is down (a database that starts after the
    app): records wait in memory, the schema is checked once the database answers, and
    nothing is lost on the way."""
    folder = tmp_path / "mounted later"
    url = f"sqlite:///{folder / 's.db'}"
    caplog.set_level(logging.ERROR, logger="scrapeguard.store")
    store = Store(url, flush_interval=60, wait_for_database=True)
    try:
        assert "does not answer" in caplog.text
        store.sync_partners([SimpleNamespace(name="lab", purpose="study", expires=None,
                                             people_per_day=100)])  # fmt: skip
        for i in range(5):
            store.record_decision(_decision(T0 + i))
        store.flush()
        assert (store.written, store.failures) == (0, 1)
        folder.mkdir()  # it answers, empty: the check says what to do, and keeps the records
        store.flush()
        assert store.written == 0 and "scrapeguard db upgrade" in caplog.text
        upgrade(url)
        store.flush()
        assert store.written == 5
        with store.engine.connect() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM decisions").scalar() == 5
            assert c.exec_driver_sql("SELECT name FROM partners").all() == [("lab",)]
    finally:
        store.close()


def _decision(t: float, key: str = "ip:203.0.113.9") -> Decision:
    return Decision(
        "block", "ip", key, 3600.0, "threshold/block", ("took 400 people",), 91, False, "block", t
    )


def test_decisions_are_written_in_batches_and_on_close(store_url: str) -> None:
    store = Store(store_url, flush_interval=60)  # only close writes
    for i in range(50):
        store.record_decision(_decision(T0 + i))
    with store.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM decisions").scalar() == 0
    store.close()
    store = Store(store_url)
    try:
        with store.engine.connect() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM decisions").scalar() == 50
    finally:
        store.close()


def test_the_ledger_answers_who_received_whom_and_audits_every_question(store_url: str) -> None:
    store = Store(store_url, flush_interval=0.05)
    profile = ("name", "bio", "email", "phone")
    try:
        for i in range(300):  # a harvester: 300 people, the last 100 twice, over two days
            t = T0 + i * 600
            store.record_disclosure(
                ["ip:203.0.113.9", "net:203.0.113.0/24"], t, [Disclosure(f"u{i % 200}", profile)]
            )
        store.record_disclosure(["account:alice"], T0, [Disclosure("u7", ("name",))])
        store.record_disclosure(
            ["ip:198.51.100.1"], T0, [Disclosure("/search?q=a#1", ("name",), 20)]
        )
        store.flush()
        ledger = store.ledger
        harvest = ledger.received(["ip:203.0.113.9"], DAY0, DAY0 + 5, who="ana", why="case 12")
        assert (harvest.people, harvest.unnamed, harvest.days, harvest.actors) == (200, 0, 3, 1)
        assert harvest.by_field == {"bio": 200, "email": 200, "name": 200, "phone": 200}
        first_day = ledger.received(["ip:203.0.113.9"], DAY0, DAY0, who="ana", why="case 12")
        assert first_day.people == 144  # 24 h of one view every 10 minutes
        both = ledger.received(["account:alice", "ip:198.51.100.1"], DAY0, DAY0, who="ana", why="x")
        assert (both.people, both.unnamed, both.by_field) == (1, 20, {"name": 1})
        receipts = ledger.who_received("u7", DAY0, DAY0 + 5, who="ana", why="access request")
        assert [r.actor for r in receipts] == [
            "account:alice",
            "ip:203.0.113.9",
            "net:203.0.113.0/24",
        ]
        assert receipts[0].fields == ("name",) and receipts[1].fields == tuple(sorted(profile))
        assert ledger.who_received("nobody", DAY0, DAY0 + 5, who="ana", why="x") == []
        assert ledger.people_exposed(DAY0, DAY0 + 5, who="ana", why="report") == 200
        audit = store.audit_entries()
        assert [a["action"] for a in audit] == [
            "ledger.received",
            "ledger.received",
            "ledger.received",
            "ledger.who_received",
            "ledger.who_received",
            "ledger.people_exposed",
        ]
        assert audit[3]["target"] == "u7" and audit[3]["why"] == "access request"
        assert all(a["who"] == "ana" for a in audit)
    finally:
        store.close()


def test_repeated_flushes_merge_into_the_same_day(store_url: str) -> None:
    store = Store(store_url, flush_interval=60)
    try:
        for i in range(10):
            store.record_disclosure(["ip:203.0.113.9"], T0 + i, [Disclosure(f"u{i}", ("name",))])
            store.flush()
        e = store.ledger.received(["ip:203.0.113.9"], DAY0, DAY0, who="t", why="t")
        assert e.people == 10
        with store.engine.connect() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM ledger").scalar() == 1
    finally:
        store.close()


def test_a_kill_9_loses_at_most_the_flush_interval(store_url: str) -> None:
    """Killed in the middle of heavy writing (5,000 requests a second, each a decision and a
    disclosure), the store keeps every record up to at most one flush interval (plus the
    write in progress) before the kill, with no gaps."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    interval = 0.5
    writer = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("crash_writer.py")),
            store_url,
            str(interval),
            "5000",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    time.sleep(3.0)
    killed_at = time.time()
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    engine = create(store_url)
    try:
        with engine.connect() as c:
            count, last_seq, last_time = c.exec_driver_sql(
                "SELECT count(*), max(score), max(time) FROM decisions"
            ).one()
    finally:
        engine.dispose()
    assert count > 5000  # it was writing heavily
    assert count == last_seq + 1  # nothing missing before the last record kept
    assert killed_at - last_time <= interval + 0.5, killed_at - last_time


def test_the_audit_log_cannot_be_rewritten(store_url: str) -> None:
    store = Store(store_url)
    try:
        store.audit("ana", "ledger.received", "ip:203.0.113.9", "case 12")
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql("UPDATE audit_log SET why = 'nothing to see'")
        assert [a["why"] for a in store.audit_entries()] == ["case 12"]
    finally:
        store.close()
