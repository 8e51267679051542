#!/usr/bin/env python3
"""Benchmark the disclosure ledger: size on disk of 100 million disclosures, and the time to
count the people a campaign of 1,000 actors received over 30 days.

1. Write path: `--write` disclosures (one person each) go through `Store.record_disclosure`
   and the background writer, as the middleware sends them; disclosures/s.
2. Size: `--actors` actors (1,000) each receive `--per-day` people (3,334) a day for `--days`
   days (30) from a directory of `--people` people (2,000,000): 100 million disclosures. The
   people are numbered by the ledger's own code (`Ledger._numbers`); each actor's day is one
   roaring bitmap, serialised and stored as the writer stores it (rows built in bulk, since
   sending 100 million calls through the queue would only measure Python's call overhead).
   The database's size on disk (SQLite file, or `pg_total_relation_size` of the tables).
3. Query: `Ledger.received` for all actors over the 30 days, `--repeat` times (the median),
   with the audit entry each query writes.

Targets: 100 million disclosures in under 1 GB; the campaign's count in under 1 second.
Not a test: run it by hand, ``python bench/ledger_bench.py`` (``--store postgresql://…`` for
PostgreSQL; the default is a SQLite file in the temp directory).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_BYTES = 1 << 30
TARGET_SECONDS = 1.0
DAY0 = 20_000


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--store", help="database URL (default: a new SQLite file in the temp dir)")
    p.add_argument("--actors", type=int, default=1000)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--per-day", type=int, default=3334, help="people per actor per day")
    p.add_argument("--people", type=int, default=2_000_000, help="people in the directory")
    p.add_argument("--write", type=int, default=200_000, help="disclosures for the write path")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    from pyroaring import BitMap

    from scrapeguard.events import Disclosure
    from scrapeguard.store import Store, upgrade
    from scrapeguard.store.models import LedgerRow, table_of

    path = None
    url = args.store
    if url is None:
        path = Path(tempfile.mkdtemp(prefix="scrapeguard-ledger-")) / "ledger.db"
        url = f"sqlite:///{path}"
    upgrade(url)
    rng = random.Random(args.seed)

    # 1. The write path.
    store = Store(url, flush_interval=1.0)
    started = time.perf_counter()
    for i in range(args.write):
        actor = f"ip:198.51.{(i // 251) % 256}.{i % 251}"
        store.record_disclosure([actor], DAY0 * 86400.0 + i, [Disclosure(f"w{i}", ("name",))])
    store.close()
    write_s = time.perf_counter() - started
    print(
        f"write path: {args.write:,} disclosures in {write_s:.1f} s = "
        f"{args.write / write_s:,.0f}/s (queued, numbered, merged, committed)",
        flush=True,
    )

    # 2. 100 million disclosures.
    store = Store(url)
    started = time.perf_counter()
    with store.engine.begin() as connection:
        for first in range(0, args.people, 100_000):
            store.ledger._numbers(
                connection, {f"u{n}" for n in range(first, min(first + 100_000, args.people))}
            )
    numbers = [store.ledger._subjects.get(f"u{n}") for n in range(args.people)]
    numbered_s = time.perf_counter() - started
    print(f"numbered {args.people:,} people in {numbered_s:.1f} s", flush=True)
    actors = [f"ip:203.0.{a // 256}.{a % 256}" for a in range(args.actors)]
    table = table_of(LedgerRow)
    total = 0
    started = time.perf_counter()
    for day in range(DAY0, DAY0 + args.days):
        rows = []
        for actor in actors:
            bitmap = BitMap(numbers[n] for n in rng.sample(range(args.people), args.per_day))
            total += len(bitmap)
            rows.append(
                {
                    "actor": actor,
                    "day": day,
                    "fieldset": 1,
                    "unnamed": 0,
                    "bitmap": bitmap.serialize(),
                }
            )
        with store.engine.begin() as connection:
            connection.execute(table.insert(), rows)
    store.close()
    print(f"stored {total:,} disclosures in {time.perf_counter() - started:.1f} s", flush=True)
    size = _size(url, path)
    print(f"size on disk: {size / 2**20:,.0f} MiB ({size / total:.2f} bytes per disclosure)")

    # 3. The campaign's count.
    store = Store(url)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        e = store.ledger.received(actors, DAY0, DAY0 + args.days - 1, who="bench", why="bench")
        times.append(time.perf_counter() - started)
    store.close()
    median = statistics.median(times)
    print(
        f"campaign of {args.actors:,} actors over {args.days} days: {e.people:,} people, "
        f"median {median:.3f} s of {args.repeat} (min {min(times):.3f}, max {max(times):.3f})"
    )
    print(
        f"targets: {total:,} disclosures in {size / 2**30:.2f} GB "
        f"({'met' if size < TARGET_BYTES and total >= 100_000_000 else 'missed'}: "
        "< 1 GB for 100M); "
        f"count in {median:.3f} s ({'met' if median < TARGET_SECONDS else 'missed'}, < 1 s)"
    )
    if path is not None:
        for f in path.parent.iterdir():
            f.unlink()
        path.parent.rmdir()
    return 0


def _size(url: str, path: Path | None) -> int:
    if path is not None:
        return sum(f.stat().st_size for f in path.parent.iterdir())
    from scrapeguard.store.db import create

    engine = create(url)
    try:
        with engine.connect() as c:
            return int(
                c.exec_driver_sql(
                    "SELECT sum(pg_total_relation_size(relid))"
                    " FROM pg_catalog.pg_statio_user_tables"
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    sys.exit(main())
