"""The disclosure ledger: which actor received which people's data, with which fields, when.

Per actor, day and set of fields, one roaring bitmap of subject numbers (`ledger_subjects`
numbers the people as they first appear; the purge deletes those that no bitmap names any
more, see `lock_numbering`). Every query is written to the audit log first: the ledger is a
who-viewed-whom record of every user, and reading it is itself recorded.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap
from sqlalchemy import and_, bindparam, select, tuple_

from .models import AuditRow, FieldSetRow, LedgerRow, NumberingRow, SubjectRow, table_of

CHUNK = 500  # values per IN (...) list


@dataclass
class Exposure:
    """What some actors received over some days."""

    people: int  # distinct people, known by name
    unnamed: int  # people on list pages whose members are not known (an upper bound)
    by_field: dict[str, int] = field(default_factory=dict)  # distinct people per field
    days: int = 0  # days with any disclosure
    actors: int = 0  # actors with any disclosure


@dataclass(frozen=True)
class Receipt:
    """One actor that received a given person's data."""

    actor: str
    first_day: int
    last_day: int
    fields: tuple[str, ...]


class Ledger:
    """Reads and merges the ledger; every read is audited."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._subjects: dict[str, int] = {}  # a cache of subject numbers
        self._sweeps: int | None = None  # ... valid while `ledger_numbering.sweeps` is this
        self._fieldsets: dict[tuple[str, ...], int] = {}

    # -- writing (called by Store.flush inside its transaction) -----------------------------

    def forget(self) -> None:
        """Drop the cached numbers of subjects and field sets (after a write rolled back)."""
        self._subjects.clear()
        self._fieldsets.clear()

    def merge(
        self, connection: Any, pending: dict[tuple[str, int, tuple[str, ...]], list[Any]]
    ) -> None:
        """OR the pending subjects into the stored bitmaps."""
        sweeps = lock_numbering(connection)
        if sweeps != self._sweeps:  # a purge deleted subjects: cached numbers may be gone
            self._subjects.clear()
            self._sweeps = sweeps
        numbers = self._numbers(connection, {s for names, _ in pending.values() for s in names})
        fieldsets = self._fieldset_ids(connection, {fields for _, _, fields in pending})
        rows = {(a, d, fieldsets[f]): v for (a, d, f), v in pending.items()}
        table = table_of(LedgerRow)
        stored: dict[tuple[str, int, int], tuple[bytes, int]] = {}
        keys = list(rows)
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i : i + CHUNK]
            found = connection.execute(
                select(
                    table.c.actor, table.c.day, table.c.fieldset, table.c.bitmap, table.c.unnamed
                )
                .where(tuple_(table.c.actor, table.c.day, table.c.fieldset).in_(chunk))
                # Locked until this write commits: another process's write of the same rows
                # (several workers) waits and merges into this one, instead of overwriting it.
                .with_for_update()
            )
            for actor, day, fs, bitmap, unnamed in found:
                stored[(actor, day, fs)] = (bitmap, unnamed)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for key, (names, unnamed) in rows.items():
            bitmap = BitMap(numbers[s] for s in names)
            old = stored.get(key)
            if old is not None:
                bitmap |= BitMap.deserialize(old[0])
                unnamed += old[1]
            row = {
                "actor": key[0],
                "day": key[1],
                "fieldset": key[2],
                "unnamed": unnamed,
                "bitmap": bitmap.serialize(),
            }
            (updates if old is not None else inserts).append(row)
        if inserts:
            connection.execute(table.insert(), inserts)
        if updates:
            connection.execute(
                table.update()
                .where(
                    and_(
                        table.c.actor == bindparam("k_actor"),
                        table.c.day == bindparam("k_day"),
                        table.c.fieldset == bindparam("k_fieldset"),
                    )
                )
                .values(unnamed=bindparam("unnamed"), bitmap=bindparam("bitmap")),
                [
                    {
                        "k_actor": r["actor"],
                        "k_day": r["day"],
                        "k_fieldset": r["fieldset"],
                        "unnamed": r["unnamed"],
                        "bitmap": r["bitmap"],
                    }
                    for r in updates
                ],
            )

    def _numbers(self, connection: Any, subjects: set[str]) -> dict[str, int]:
        """The number of each subject, numbering the new ones."""
        cache = self._subjects
        missing = [s for s in subjects if s not in cache]
        table = table_of(SubjectRow)
        for i in range(0, len(missing), CHUNK):
            chunk = missing[i : i + CHUNK]
            for value, number in connection.execute(
                select(table.c.value, table.c.id).where(table.c.value.in_(chunk))
            ):
                cache[value] = number
        new = [s for s in missing if s not in cache]
        if new:
            numbered = connection.execute(
                table.insert().returning(table.c.value, table.c.id, sort_by_parameter_order=True),
                [{"value": s} for s in new],
            )
            for value, number in numbered:
                cache[value] = number
        numbers = {s: cache[s] for s in subjects}
        if len(cache) > 2_000_000:  # a cache, not a copy of the table
            cache.clear()
        return numbers

    def _fieldset_ids(
        self, connection: Any, sets: set[tuple[str, ...]]
    ) -> dict[tuple[str, ...], int]:
        table = table_of(FieldSetRow)
        for fields in sets:
            if fields in self._fieldsets:
                continue
            text = ",".join(fields)
            found = connection.execute(select(table.c.id).where(table.c.fields == text)).scalar()
            if found is None:
                found = connection.execute(table.insert().values(fields=text)).inserted_primary_key[
                    0
                ]
            self._fieldsets[fields] = int(found)
        return {f: self._fieldsets[f] for f in sets}

    # -- reading (audited) ------------------------------------------------------------------

    def received(
        self, actors: Sequence[str], first_day: int, last_day: int, *, who: str, why: str
    ) -> Exposure:
        """What `actors` (an actor, or a campaign's members) received from `first_day` to
        `last_day` (days since the epoch, both included)."""
        self.audit(
            who,
            "ledger.received",
            ",".join(actors[:20]),
            why,
            {"actors": len(actors), "first_day": first_day, "last_day": last_day},
        )
        fieldsets = self._fieldset_names()
        everyone = BitMap()
        per_field: dict[str, BitMap] = {}
        exposure = Exposure(0, 0)
        days: set[int] = set()
        seen_actors: set[str] = set()
        table = table_of(LedgerRow)
        with self.engine.connect() as connection:
            for i in range(0, len(actors), CHUNK):
                chunk = list(actors[i : i + CHUNK])
                rows = connection.execute(
                    select(
                        table.c.actor,
                        table.c.day,
                        table.c.fieldset,
                        table.c.unnamed,
                        table.c.bitmap,
                    )
                    .where(table.c.actor.in_(chunk))
                    .where(table.c.day.between(first_day, last_day))
                )
                by_fieldset: dict[int, list[BitMap]] = {}
                for actor, day, fs, unnamed, blob in rows:
                    bitmap = BitMap.deserialize(blob)
                    by_fieldset.setdefault(fs, []).append(bitmap)
                    exposure.unnamed += unnamed
                    days.add(day)
                    seen_actors.add(actor)
                for fs, maps in by_fieldset.items():
                    merged = BitMap.union(*maps)
                    everyone |= merged
                    for name in fieldsets.get(fs, ()):
                        per_field[name] = per_field[name] | merged if name in per_field else merged
        exposure.people = len(everyone)
        exposure.by_field = {name: len(b) for name, b in sorted(per_field.items())}
        exposure.days = len(days)
        exposure.actors = len(seen_actors)
        return exposure

    def who_received(
        self, subject: str, first_day: int, last_day: int, *, who: str, why: str
    ) -> list[Receipt]:
        """The actors that received `subject`'s data from `first_day` to `last_day`."""
        self.audit(
            who, "ledger.who_received", subject, why, {"first_day": first_day, "last_day": last_day}
        )
        table = table_of(LedgerRow)
        fieldsets = self._fieldset_names()
        with self.engine.connect() as connection:
            number = connection.execute(
                select(table_of(SubjectRow).c.id).where(table_of(SubjectRow).c.value == subject)
            ).scalar()
            if number is None:
                return []
            found: dict[str, list[Any]] = {}
            rows = connection.execute(
                select(table.c.actor, table.c.day, table.c.fieldset, table.c.bitmap).where(
                    table.c.day.between(first_day, last_day)
                )
            )
            for actor, day, fs, blob in rows:
                if number in BitMap.deserialize(blob):
                    entry = found.setdefault(actor, [day, day, set()])
                    entry[0], entry[1] = min(entry[0], day), max(entry[1], day)
                    entry[2].update(fieldsets.get(fs, ()))
        return [
            Receipt(actor, first, last, tuple(sorted(fields)))
            for actor, (first, last, fields) in sorted(found.items())
        ]

    def people_exposed(self, first_day: int, last_day: int, *, who: str, why: str) -> int:
        """Distinct people whose data anyone received from `first_day` to `last_day`."""
        self.audit(
            who, "ledger.people_exposed", "*", why, {"first_day": first_day, "last_day": last_day}
        )
        table = table_of(LedgerRow)
        everyone = BitMap()
        with self.engine.connect() as connection:
            for (blob,) in connection.execute(
                select(table.c.bitmap).where(table.c.day.between(first_day, last_day))
            ):
                everyone |= BitMap.deserialize(blob)
        return len(everyone)

    def audit(self, who: str, action: str, target: str, why: str, detail: dict[str, Any]) -> None:
        """Append one entry to the audit log, committed before the query it records runs."""
        with self.engine.begin() as connection:
            connection.execute(
                table_of(AuditRow)
                .insert()
                .values(
                    time=time.time(),
                    who=who,
                    action=action,
                    target=target,
                    why=why,
                    detail=detail,
                )
            )

    def _fieldset_names(self) -> dict[int, tuple[str, ...]]:
        with self.engine.connect() as connection:
            return fieldset_names(connection)


def lock_numbering(connection: Any, *, alone: bool = False) -> int:
    """Lock ledger writes (shared) or a purge (`alone`) against each other until the end of
    `connection`'s transaction; the count of purges that deleted subjects so far.

    A purge deletes the subjects that no bitmap names. A writer reads subject numbers (or has
    them cached), then commits bitmaps naming them: were a purge to read the bitmaps in
    between, it would delete a number about to be named. So a writer holds the lock from before
    it reads a number until it commits, and the purge holds it alone while it reads and deletes
    (PostgreSQL: FOR SHARE / FOR UPDATE on the one row of `ledger_numbering`, so writers do not
    wait for each other; SQLite, one writer at a time anyway: the write lock, taken now rather
    than at the first write, after the reads, as pysqlite would). A purge that deleted subjects
    counts one more sweep, and a writer that sees the count change forgets the numbers it
    cached. Numbers are never handed out again (PostgreSQL's sequence, SQLite's AUTOINCREMENT),
    so a number that a reader or an old copy of a bitmap still holds never means someone else.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # else a write already took the lock
    table = table_of(NumberingRow)
    sweeps = connection.execute(
        select(table.c.sweeps).where(table.c.id == 1).with_for_update(read=not alone)
    ).scalar_one()
    return int(sweeps)


def fieldset_names(connection: Any) -> dict[int, tuple[str, ...]]:
    """The fields of every numbered field set."""
    table = table_of(FieldSetRow)
    return {
        number: tuple(text.split(",")) if text else ()
        for number, text in connection.execute(select(table.c.id, table.c.fields))
    }
