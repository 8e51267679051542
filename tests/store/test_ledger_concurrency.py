"""Several worker processes each have a store writing to one database: an investigator relies
on the ledger keeping every disclosure that any of them wrote, even when two write into the
same actor's day at the same moment."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from support import T0

from scrapeguard.events import Disclosure
from scrapeguard.store import Store

DAY0 = int(T0 // 86400)


def test_two_writers_of_the_same_row_both_count(store_url: str) -> None:
    first, second = Store(store_url, flush_interval=3600), Store(store_url, flush_interval=3600)
    try:
        first.record_disclosure(["ip:203.0.113.9"], T0, [Disclosure("u0", ("name",))])
        first.flush()  # the row exists: both writers now read it, merge, and write it back
        second_done = threading.Event()

        def pause_after_reading(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            # The first writer has read the row; the second writes before it writes back.
            if threading.current_thread().name == "first" and statement.lstrip().upper().startswith(
                "SELECT LEDGER.ACTOR"
            ):
                second_done.wait(3)  # a writer that locks the row makes the second one wait

        event.listen(first.engine, "after_cursor_execute", pause_after_reading)
        first.record_disclosure(["ip:203.0.113.9"], T0, [Disclosure("u1", ("name",))])
        second.record_disclosure(["ip:203.0.113.9"], T0, [Disclosure("u2", ("name",))])
        writer = threading.Thread(target=first.flush, name="first")
        writer.start()
        threading.Event().wait(0.3)  # the first writer has read the row and waits
        other = threading.Thread(target=second.flush)
        other.start()
        other.join(10)  # done at once, unless the first writer's lock makes it wait
        second_done.set()
        writer.join(10)
        first.flush()  # what failed (SQLite: a stale read) is written again
        second.flush()
        e = first.ledger.received(["ip:203.0.113.9"], DAY0, DAY0, who="t", why="t")
        assert e.people == 3
    finally:
        first.close()
        second.close()


PURGE_AT = T0 + 100 * 86400  # the rows of DAY0 are past retention (90 days)


def _dangling_and_names(store: Store) -> tuple[set[int], dict[str, set[str]]]:
    """The numbers that ledger rows name but no subject has; the people each actor received."""
    from pyroaring import BitMap

    with store.engine.connect() as c:
        subjects = dict(c.exec_driver_sql("SELECT id, value FROM ledger_subjects").all())
        rows = c.exec_driver_sql("SELECT actor, bitmap FROM ledger").all()
    dangling: set[int] = set()
    names: dict[str, set[str]] = {}
    for actor, blob in rows:
        for number in BitMap.deserialize(blob):
            if number in subjects:
                names.setdefault(actor, set()).add(subjects[number])
            else:
                dangling.add(number)
    return dangling, names


def test_a_purge_waits_for_a_write_that_holds_a_number(store_url: str) -> None:
    """A worker has just read alice's number (no row names her any more) and is about to write
    a bitmap naming it when `scrapeguard purge` runs: the purge must not delete her."""
    old, purger = Store(store_url, flush_interval=3600), Store(store_url, flush_interval=3600)
    writer = Store(store_url, flush_interval=3600)
    try:
        old.record_disclosure(["ip:198.51.100.1"], T0, [Disclosure("alice", ("name",))])
        old.flush()  # alice is numbered; her only row is of DAY0, which the purge deletes
        read = threading.Event()
        go_on = threading.Event()

        def pause_after_numbering(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            numbering = statement.lstrip().upper().startswith("SELECT LEDGER_SUBJECTS.VALUE")
            if numbering and threading.current_thread().name == "writer":
                read.set()
                go_on.wait(10)

        event.listen(writer.engine, "after_cursor_execute", pause_after_numbering)
        writer.record_disclosure(["ip:203.0.113.9"], PURGE_AT, [Disclosure("alice", ("name",))])
        writing = threading.Thread(target=writer.flush, name="writer")
        writing.start()
        assert read.wait(10)  # the writer holds alice's number and waits
        purging = threading.Thread(target=purger.purge, args=(PURGE_AT,))
        purging.start()
        purging.join(1.0)  # done at once, unless the writer's lock makes it wait
        go_on.set()
        writing.join(10)
        purging.join(40)
        assert not writing.is_alive() and not purging.is_alive()
        assert writer.failures == 0
        dangling, names = _dangling_and_names(writer)
        assert dangling == set(), "a bitmap names a deleted subject"
        assert names == {"ip:203.0.113.9": {"alice"}}
        receipts = writer.ledger.who_received("alice", DAY0, DAY0 + 200, who="t", why="t")
        assert [r.actor for r in receipts] == ["ip:203.0.113.9"]
    finally:
        for store in (old, purger, writer):
            store.close()


def test_a_writer_forgets_the_numbers_a_purge_deleted(store_url: str) -> None:
    """A worker cached alice's number; `scrapeguard purge` (another process) deletes her with
    her last row. The worker's next write of alice must name her anew, and another worker's new
    person must never be taken for her."""
    worker, purger = Store(store_url, flush_interval=3600), Store(store_url, flush_interval=3600)
    other = Store(store_url, flush_interval=3600)
    try:
        worker.record_disclosure(["ip:198.51.100.1"], T0, [Disclosure("alice", ("name",))])
        worker.flush()  # alice's number is in the worker's cache
        assert purger.purge(PURGE_AT).subjects_deleted == 1
        other.record_disclosure(["ip:192.0.2.1"], PURGE_AT, [Disclosure("bob", ("name",))])
        other.flush()
        worker.record_disclosure(["ip:198.51.100.1"], PURGE_AT, [Disclosure("alice", ("name",))])
        worker.flush()
        dangling, names = _dangling_and_names(worker)
        assert dangling == set(), "a bitmap names a deleted subject"
        assert names == {"ip:198.51.100.1": {"alice"}, "ip:192.0.2.1": {"bob"}}
    finally:
        for store in (worker, purger, other):
            store.close()
