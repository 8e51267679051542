"""How long the store keeps what it knows about visitors, and what a person can ask for.

Addresses and account ids are kept in clear for `raw` (7 days), then replaced by keyed-hash
pseudonyms for the rest of `pseudonymised` (90 days), then deleted. Actors that were
challenged or blocked keep their raw keys for `flagged_raw` (90 days); the evidence of a case
under legal hold is kept raw and whole until the hold ends. Pseudonyms use one key per
`period` (30 days); a key is destroyed when the last data it links is purged, so that old
pseudonyms can never be linked to anyone again. The ledger's subjects (people's ids on the
site, in clear) are deleted once no ledger row names them. Time is passed in: `purge(now)`
with the events' clock in tests and replays, the wall clock in production.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update

from ..config import Document, Errors
from ..events import PSEUDONYM
from .models import (
    ActorRow,
    AlertRow,
    AuditRow,
    DecisionRow,
    LedgerRow,
    LegalHoldRow,
    NumberingRow,
    PseudonymKeyRow,
    SubjectRow,
    table_of,
)

DAY = 86400.0
#: Enforced actions after which an actor's raw keys are kept for `flagged_raw`.
FLAGGING = frozenset({"challenge", "block"})


@dataclass(frozen=True)
class Keep:
    """Retention of one kind of record about actors."""

    raw: float = 7 * DAY
    pseudonymised: float = 90 * DAY
    flagged_raw: float = 90 * DAY


@dataclass(frozen=True)
class Retention:
    """How long each kind of record is kept (seconds)."""

    decisions: Keep = field(default_factory=Keep)
    ledger: Keep = field(default_factory=Keep)
    alerts: float = 90 * DAY
    audit: float = 365 * DAY
    period: float = 30 * DAY  # one pseudonym key per period


def retention_from_document(doc: Document) -> Retention:
    """The `retention:` section of a configuration document (defaults for what it omits)."""
    errors = Errors(doc)
    data = doc.data if isinstance(doc.data, dict) else {}
    spec = errors.mapping(data.get("retention"), ("retention",))
    errors.unknown_keys(spec, ("retention",), {"decisions", "ledger", "alerts", "audit", "period"})
    default = Retention()
    kept: dict[str, Keep] = {}
    for name in ("decisions", "ledger"):
        where = ("retention", name)
        part = errors.mapping(spec.get(name), where)
        errors.unknown_keys(part, where, {"raw", "pseudonymised", "flagged_raw"})
        base: Keep = getattr(default, name)
        keep = Keep(
            errors.duration(part.get("raw"), (*where, "raw"), base.raw),
            errors.duration(
                part.get("pseudonymised"), (*where, "pseudonymised"), base.pseudonymised
            ),
            errors.duration(part.get("flagged_raw"), (*where, "flagged_raw"), base.flagged_raw),
        )
        if not keep.raw <= keep.flagged_raw <= keep.pseudonymised:
            errors.add(where, "needs raw <= flagged_raw <= pseudonymised")
        kept[name] = keep
    retention = Retention(
        kept["decisions"],
        kept["ledger"],
        errors.duration(spec.get("alerts"), ("retention", "alerts"), default.alerts),
        errors.duration(spec.get("audit"), ("retention", "audit"), default.audit),
        errors.duration(spec.get("period"), ("retention", "period"), default.period),
    )
    if retention.period <= 0:
        errors.add(("retention", "period"), "must be longer than zero")
    errors.raise_if_any()
    return retention


class Pseudonyms:
    """Keyed-hash pseudonyms of actor keys, one key per period, created as needed."""

    def __init__(self, connection: Any, period: float) -> None:
        self.connection = connection
        self.period = period
        table = table_of(PseudonymKeyRow)
        self.keys: dict[int, bytes] = {
            int(period): bytes(key)
            for period, key in connection.execute(select(table.c.period, table.c.key))
        }

    def of(self, actor: str, when: float, create: bool = True) -> str | None:
        """The pseudonym of `actor` for data of time `when` (None: its key is gone)."""
        period = int(when // self.period)
        key = self.keys.get(period)
        if key is None:
            if not create:
                return None
            key = os.urandom(32)
            self.connection.execute(
                table_of(PseudonymKeyRow).insert().values(period=period, key=key, created=when)
            )
            self.keys[period] = key
        kind = actor.partition(":")[0]
        digest = hmac.new(key, actor.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{PSEUDONYM}{kind}:{digest}"

    def all_of(self, actor: str) -> list[str]:
        """The pseudonyms `actor` has under every key still kept."""
        return [p for p in (self.of(actor, k * self.period, False) for k in self.keys) if p]


@dataclass
class Purged:
    """What one purge did."""

    pseudonymised: int = 0
    deleted: int = 0
    keys_destroyed: int = 0
    held: int = 0
    subjects_deleted: int = 0  # people's site ids that no ledger row names any more


def purge(connection: Any, retention: Retention, now: float) -> Purged:
    """Apply `retention` at time `now` inside `connection`'s transaction."""
    from .ledger import lock_numbering

    lock_numbering(connection, alone=True)  # no ledger write runs until this purge commits
    out = Purged()
    holds = table_of(LegalHoldRow)
    connection.execute(delete(holds).where(holds.c.until <= now))
    held = set(connection.execute(select(holds.c.actor)).scalars())
    out.held = len(held)
    pseudonyms = Pseudonyms(connection, retention.period)
    _decisions(connection, retention.decisions, now, held, pseudonyms, out)
    _ledger(connection, retention.ledger, now, held, pseudonyms, out)
    _subjects(connection, out)
    _actors(connection, retention.decisions, now, held, pseudonyms, out)
    for model, keep in ((AlertRow, retention.alerts), (AuditRow, retention.audit)):
        table = table_of(model)
        out.deleted += connection.execute(delete(table).where(table.c.time < now - keep)).rowcount
    horizon = now - max(retention.decisions.pseudonymised, retention.ledger.pseudonymised)
    keys = table_of(PseudonymKeyRow)
    last_period = int(horizon // retention.period) - 1  # periods wholly before the horizon
    out.keys_destroyed = connection.execute(
        delete(keys).where(keys.c.period <= last_period)
    ).rowcount
    return out


def _flagged(connection: Any) -> set[str]:
    table = table_of(DecisionRow)
    return set(
        connection.execute(
            select(table.c.actor).where(table.c.enforced.in_(FLAGGING)).distinct()
        ).scalars()
    )


def _decisions(
    connection: Any, keep: Keep, now: float, held: set[str], pseudonyms: Pseudonyms, out: Purged
) -> None:
    table = table_of(DecisionRow)
    old = connection.execute(
        select(table.c.id, table.c.actor).where(table.c.time < now - keep.pseudonymised)
    ).all()
    gone = [row_id for row_id, actor in old if actor not in held]
    for i in range(0, len(gone), 500):
        out.deleted += connection.execute(
            delete(table).where(table.c.id.in_(gone[i : i + 500]))
        ).rowcount
    flagged = _flagged(connection)
    rows = connection.execute(
        select(table.c.id, table.c.actor, table.c.time)
        .where(table.c.time < now - keep.raw)
        .where(~table.c.actor.startswith(PSEUDONYM))
    ).all()
    updates = []
    for row_id, actor, when in rows:
        if actor in held or (actor in flagged and when >= now - keep.flagged_raw):
            continue
        updates.append({"k": row_id, "pseudonym": pseudonyms.of(actor, when)})
    if updates:
        from sqlalchemy import bindparam

        connection.execute(
            table.update().where(table.c.id == bindparam("k")).values(actor=bindparam("pseudonym")),
            updates,
        )
        out.pseudonymised += len(updates)


def _actors(
    connection: Any, keep: Keep, now: float, held: set[str], pseudonyms: Pseudonyms, out: Purged
) -> None:
    """Actor summaries follow their actor's decisions, by the time it was last seen."""
    table = table_of(ActorRow)
    flagged = _flagged(connection)
    for key, last in connection.execute(select(table.c.key, table.c.last_seen)).all():
        if key in held:
            continue
        if last < now - keep.pseudonymised:
            out.deleted += connection.execute(delete(table).where(table.c.key == key)).rowcount
        elif last < now - keep.raw and not key.startswith(PSEUDONYM):
            if key in flagged and last >= now - keep.flagged_raw:
                continue
            pseudonym = pseudonyms.of(key, last)
            connection.execute(delete(table).where(table.c.key == pseudonym))
            connection.execute(table.update().where(table.c.key == key).values(key=pseudonym))
            out.pseudonymised += 1


def _ledger(
    connection: Any, keep: Keep, now: float, held: set[str], pseudonyms: Pseudonyms, out: Purged
) -> None:
    from pyroaring import BitMap
    from sqlalchemy import and_

    table = table_of(LedgerRow)

    def row_key(actor: str, day: int, fieldset: int) -> Any:
        return and_(table.c.actor == actor, table.c.day == day, table.c.fieldset == fieldset)

    def end_of(day: int) -> float:  # a row covers its whole day
        return (day + 1) * DAY

    for actor, day, fieldset in connection.execute(
        select(table.c.actor, table.c.day, table.c.fieldset).where(
            table.c.day < int((now - keep.pseudonymised) // DAY)
        )
    ).all():
        if actor not in held and end_of(day) <= now - keep.pseudonymised:
            out.deleted += connection.execute(
                delete(table).where(row_key(actor, day, fieldset))
            ).rowcount
    flagged = _flagged(connection)
    for actor, day, fieldset, unnamed, blob in connection.execute(
        select(table.c.actor, table.c.day, table.c.fieldset, table.c.unnamed, table.c.bitmap)
        .where(table.c.day < int((now - keep.raw) // DAY))
        .where(~table.c.actor.startswith(PSEUDONYM))
    ).all():
        if end_of(day) > now - keep.raw or actor in held:
            continue
        if actor in flagged and end_of(day) > now - keep.flagged_raw:
            continue
        pseudonym = pseudonyms.of(actor, day * DAY)
        assert pseudonym is not None  # created as needed
        connection.execute(delete(table).where(row_key(actor, day, fieldset)))
        existing = connection.execute(
            select(table.c.unnamed, table.c.bitmap).where(row_key(pseudonym, day, fieldset))
        ).first()
        if existing is not None:  # a late write of the same actor and day: merge
            bitmap = BitMap.deserialize(blob) | BitMap.deserialize(existing[1])
            connection.execute(
                table.update()
                .where(row_key(pseudonym, day, fieldset))
                .values(unnamed=unnamed + existing[0], bitmap=bitmap.serialize())
            )
        else:
            connection.execute(
                table.insert().values(
                    actor=pseudonym, day=day, fieldset=fieldset, unnamed=unnamed, bitmap=blob
                )
            )
        out.pseudonymised += 1


def _subjects(connection: Any, out: Purged) -> None:
    """Delete the subjects that no ledger row names any more (their rows were purged above, or
    by an earlier purge; a held actor's rows are kept, and so the people they name). Writers
    are locked out until the purge commits (`lock_numbering`): no bitmap about to name one of
    them is missed, and writers forget the numbers they cached."""
    from pyroaring import BitMap

    ledger, subjects = table_of(LedgerRow), table_of(SubjectRow)
    named = BitMap()
    for (blob,) in connection.execute(select(ledger.c.bitmap).execution_options(yield_per=500)):
        named |= BitMap.deserialize(blob)
    gone = list(BitMap(connection.execute(select(subjects.c.id)).scalars()) - named)
    for i in range(0, len(gone), 500):
        out.subjects_deleted += connection.execute(
            delete(subjects).where(subjects.c.id.in_(gone[i : i + 500]))
        ).rowcount
    if gone:
        numbering = table_of(NumberingRow)
        connection.execute(update(numbering).values(sweeps=numbering.c.sweeps + 1))


def export(connection: Any, actor: str, subject: str | None, period: float) -> dict[str, Any]:
    """Everything the store holds about `actor` (`ip:…` or `account:…`), under its raw key and
    every pseudonym whose key is still kept, for the person's access request. As a visitor:
    the decisions about them, and per day how many people's data they received with which
    fields (not who: those are other people). With `subject` (their id on the site): per day,
    which kinds of actor received their data and which fields (not the actors' addresses)."""
    from pyroaring import BitMap

    from .ledger import fieldset_names

    keys = [actor, *Pseudonyms(connection, period).all_of(actor)]
    decisions = table_of(DecisionRow)
    ledger = table_of(LedgerRow)
    fieldsets = fieldset_names(connection)
    doc: dict[str, Any] = {"actor": actor, "keys_searched": len(keys)}
    doc["decisions"] = [
        dict(row)
        for row in connection.execute(
            select(
                decisions.c.time,
                decisions.c.reference,
                decisions.c.action,
                decisions.c.enforced,
                decisions.c.origin,
                decisions.c.reasons,
            )
            .where(decisions.c.actor.in_(keys))
            .order_by(decisions.c.time)
        ).mappings()
    ]
    received = []
    for day, fieldset, unnamed, blob in connection.execute(
        select(ledger.c.day, ledger.c.fieldset, ledger.c.unnamed, ledger.c.bitmap)
        .where(ledger.c.actor.in_(keys))
        .order_by(ledger.c.day)
    ):
        received.append(
            {
                "day": day,
                "fields": list(fieldsets.get(fieldset, ())),
                "people": len(BitMap.deserialize(blob)),
                "unnamed_people": unnamed,
            }
        )
    doc["received"] = received
    if subject is not None:
        number = connection.execute(
            select(table_of(SubjectRow).c.id).where(table_of(SubjectRow).c.value == subject)
        ).scalar()
        shown = []
        if number is not None:
            for actor_key, day, fieldset, blob in connection.execute(
                select(ledger.c.actor, ledger.c.day, ledger.c.fieldset, ledger.c.bitmap)
            ):
                if number in BitMap.deserialize(blob):
                    kind = actor_key.lstrip(PSEUDONYM).partition(":")[0]
                    shown.append(
                        {"day": day, "to": kind, "fields": list(fieldsets.get(fieldset, ()))}
                    )
        doc["your_data_shown"] = sorted(shown, key=lambda r: (r["day"], r["to"]))
    return doc
