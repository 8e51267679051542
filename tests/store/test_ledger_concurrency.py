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
