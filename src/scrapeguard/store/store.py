"""`Store`: what scrapeguard keeps on disk, written in batches off the request path.

Integrations and replays call the `record_*` methods, which only queue; a background thread
writes the queue every `flush_interval` seconds (or sooner, when `max_pending` records wait),
and `close` writes what is left. A crash therefore loses at most the last `flush_interval`
seconds of records, plus those of a write in progress (docs/store.md).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..events import Disclosure
from . import db
from .privacy import Purged, Retention, export, purge

if TYPE_CHECKING:
    from ..engine import Decision

log = logging.getLogger("scrapeguard.store")

DAY = 86400


class Store:
    """The decisions, alerts, actor summaries and disclosure ledger of one deployment."""

    def __init__(
        self,
        url: str = db.DEFAULT_URL,
        flush_interval: float = 1.0,
        max_pending: int = 50_000,
        retention: Retention | None = None,
        purge_every: float = 0.0,
        wait_for_database: bool = False,
    ) -> None:
        """Open the store at `url` (its schema must be current). With `purge_every` (seconds),
        the writer also applies `retention` that often, on the wall clock.

        A database that does not answer is an error (`StoreUnavailable`), unless
        `wait_for_database` (a web app, which must serve whether or not its store is up): then
        records wait in memory, and the schema is checked, once it answers."""
        from .ledger import Ledger

        self.url = db.redact(url)
        self.engine = db.create(url)
        self._checked = False  # the database answered, with the schema this version needs
        try:
            self._check_schema()
        except db.StoreUnavailable as e:
            if not wait_for_database:
                self.engine.dispose()
                raise db.StoreUnavailable(f"store: {self.url} does not answer: {e}") from None
            log.error(
                "scrapeguard: the store %s does not answer (%s); records wait in memory and "
                "are written once it does",
                self.url,
                e,
            )
        except ConfigError:
            self.engine.dispose()
            raise
        self.flush_interval = flush_interval
        self.max_pending = max_pending
        self.retention = retention if retention is not None else Retention()
        self.purge_every = purge_every
        self._next_purge = time.monotonic()  # at start, then every `purge_every`
        self.ledger = Ledger(self.engine)
        self.written = 0
        self.failures = 0
        self._last_failure = ""  # said when it changes, then every 100 failures
        self.dropped = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._decisions: list[dict[str, Any]] = []
        self._alerts: list[dict[str, Any]] = []
        self._actors: dict[str, dict[str, Any]] = {}
        self._disclosures: dict[tuple[str, int, tuple[str, ...]], list[Any]] = {}
        self._partners: list[dict[str, Any]] | None = None  # to write, when given
        self._pending = 0
        self._pid = os.getpid()
        self._writer = threading.Thread(target=self._run, name="scrapeguard-store", daemon=True)
        self._writer.start()

    def _check_schema(self) -> None:
        """Confirm the database holds the schema this version needs (`ConfigError` if not)."""
        found, wanted = db.current(self.engine), db.head()
        if found != wanted:
            where = "an empty database" if found is None else f"schema {found}"
            raise ConfigError(
                [
                    f"store: {self.url} has {where}; this scrapeguard needs {wanted}: "
                    f"run `scrapeguard db upgrade --store {self.url}`"
                ]
            )
        self._checked = True

    # -- recording (never blocks on the database) -------------------------------------------

    def record_decision(self, decision: Decision) -> None:
        """Queue a decision other than a plain allow."""
        row = {
            "time": decision.time,
            "reference": decision.reference,
            "actor": decision.key,
            "scope": decision.scope,
            "action": decision.action,
            "enforced": decision.enforced,
            "simulated": decision.simulated,
            "origin": decision.origin,
            "score": decision.score,
            "ttl": decision.ttl,
            "reasons": list(decision.reasons),
        }
        with self._lock:
            self._decisions.append(row)
            self._added(1)

    def record_alert(self, time_: float, kind: str, subject: str, detail: dict[str, Any]) -> None:
        """Queue an alert."""
        with self._lock:
            self._alerts.append({"time": time_, "kind": kind, "subject": subject, "detail": detail})
            self._added(1)

    def record_actor(self, state: Any) -> None:
        """Queue the summary of an actor (an `ActorState`) that was flagged or decided on."""
        row = {
            "key": state.key,
            "first_seen": state.first,
            "last_seen": state.last,
            "requests": state.requests,
            "people": state.distinct_people,
            "peak": int(state.peak),
            "verdict": state.verdict,
            "reasons": state.reasons(),
            "updated": time.time(),
        }
        with self._lock:
            self._actors[state.key] = row
            self._added(1)

    def sync_partners(self, partners: Iterable[Any]) -> None:
        """Make the `partners` table say what the policy's `partners:` say (with the next
        write)."""
        rows = [
            {
                "name": p.name,
                "purpose": p.purpose,
                "expires": p.expires,
                "people_per_day": p.people_per_day,
            }
            for p in partners
        ]
        with self._lock:
            self._partners = rows
            self._added(1)

    def record_disclosure(
        self,
        actors: Iterable[str],
        time_: float,
        disclosures: Iterable[Disclosure],
        withheld: frozenset[str] | None = None,
    ) -> None:
        """Queue in the ledger that each of `actors` received `disclosures` at `time_`, without
        the `withheld` fields (a degraded or decoy page)."""
        day = int(time_ // DAY)
        added = 0
        with self._lock:
            for d in disclosures:
                fields = tuple(sorted(f for f in d.fields if not withheld or f not in withheld))
                for actor in actors:
                    entry = self._disclosures.get((actor, day, fields))
                    if entry is None:
                        entry = self._disclosures[(actor, day, fields)] = [set(), 0]
                    if d.people == 1:
                        entry[0].add(d.subject)
                    else:  # a list page whose members are not known
                        entry[1] += d.people
                    added += 1
            self._added(added)

    def _added(self, count: int) -> None:
        self._pending += count
        if self._pending >= self.max_pending:
            self._wake.set()

    # -- writing ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything queued so far."""
        with self._lock:
            decisions, self._decisions = self._decisions, []
            alerts, self._alerts = self._alerts, []
            disclosures, self._disclosures = self._disclosures, {}
            actors, self._actors = self._actors, {}
            partners, self._partners = self._partners, None
            self._pending = 0
        if not (decisions or alerts or disclosures or actors or partners is not None):
            return
        from .models import ActorRow, AlertRow, DecisionRow, PartnerRow, table_of

        try:
            if not self._checked:
                self._check_schema()
            with self.engine.begin() as connection:
                if partners is not None:
                    connection.execute(table_of(PartnerRow).delete())
                    if partners:
                        connection.execute(table_of(PartnerRow).insert(), partners)
                if decisions:
                    connection.execute(table_of(DecisionRow).insert(), decisions)
                if alerts:
                    connection.execute(table_of(AlertRow).insert(), alerts)
                if disclosures:
                    self.ledger.merge(connection, disclosures)
                if actors:
                    table = table_of(ActorRow)
                    keys = list(actors)
                    for i in range(0, len(keys), 500):
                        connection.execute(table.delete().where(table.c.key.in_(keys[i : i + 500])))
                    connection.execute(table.insert(), list(actors.values()))
            self.written += len(decisions) + len(alerts) + len(disclosures) + len(actors)
        except Exception as e:  # noqa: BLE001 - kept for the next attempt, said once per kind
            # The numbers given to new subjects and field sets were rolled back with the rest:
            # cached, they would file the next write under no one, or under someone else.
            self.ledger.forget()
            self.failures += 1
            why = db.driver_message(e)
            if why != self._last_failure or self.failures % 100 == 0:
                self._last_failure = why
                log.error("scrapeguard: cannot write to the store %s: %s", self.url, why)
            with self._lock:  # back to the front of the queue, unless the queue is too long
                if self._pending >= 10 * self.max_pending:
                    self.dropped += len(decisions) + len(alerts) + len(disclosures) + len(actors)
                    log.error("scrapeguard: store queue full; %d records dropped", self.dropped)
                else:
                    self._decisions[:0] = decisions
                    self._alerts[:0] = alerts
                    for key, (names, unnamed) in disclosures.items():
                        entry = self._disclosures.setdefault(key, [set(), 0])
                        entry[0] |= names
                        entry[1] += unnamed
                    for actor, row in actors.items():
                        self._actors.setdefault(actor, row)
                    if self._partners is None:
                        self._partners = partners
                    self._pending += len(decisions) + len(alerts) + len(disclosures) + len(actors)

    def _run(self) -> None:
        # A write starts every `flush_interval`, counted from the start of the last one, so a
        # record waits at most that long plus one write.
        next_at = time.monotonic() + self.flush_interval
        while not self._closed:
            self._wake.wait(max(0.0, next_at - time.monotonic()))
            self._wake.clear()
            next_at = time.monotonic() + self.flush_interval
            started = time.monotonic()
            self.flush()
            if self.purge_every and started >= self._next_purge:
                self._next_purge = started + self.purge_every
                try:
                    self.purge(time.time())
                except Exception as e:  # noqa: BLE001 - tried again at the next turn
                    log.error("scrapeguard: scheduled purge of %s failed: %s", self.url, e)

    def close(self) -> None:
        """Write what is queued and stop the writer."""
        self._closed = True
        self._wake.set()
        if self._writer.is_alive() and os.getpid() == self._pid:
            self._writer.join(timeout=30)
        self.flush()
        self.engine.dispose()

    # -- privacy ----------------------------------------------------------------------------

    def purge(self, now: float, who: str = "scheduled purge") -> Purged:
        """Pseudonymise and delete what `retention` says is due at `now`; destroy the keys
        of purged periods. Writes what it did to the audit log."""
        self.flush()
        with self.engine.begin() as connection:
            done = purge(connection, self.retention, now)
        self.audit(who, "purge", "*", "retention", **done.__dict__, now=now)
        return done

    def hold(self, case: str, actors: Iterable[str], until: float, *, who: str, why: str) -> None:
        """Keep everything about `actors` raw and whole until `until` (a legal hold)."""
        from .models import LegalHoldRow, table_of

        actors = list(actors)
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(
                table_of(LegalHoldRow).insert(),
                [
                    {
                        "case_name": case,
                        "actor": a,
                        "until": until,
                        "created": now,
                        "who": who,
                        "why": why,
                    }
                    for a in actors
                ],
            )
        self.audit(who, "hold", ",".join(actors[:20]), why, case=case, until=until)

    def export(
        self, actor: str, subject: str | None = None, *, who: str, why: str
    ) -> dict[str, Any]:
        """Everything held about `actor` (and, as `subject`, who was shown their data), for
        a person's access request; audited."""
        self.audit(who, "privacy.export", actor, why, subject=subject)
        self.flush()
        with self.engine.connect() as connection:
            return export(connection, actor, subject, self.retention.period)

    # -- the audit log ----------------------------------------------------------------------

    def audit(self, who: str, action: str, target: str, why: str, **detail: Any) -> None:
        """Append to the audit log at once (what people do is never left in a queue)."""
        self.ledger.audit(who, action, target, why, detail)

    def audit_entries(self, since: float = 0.0) -> list[dict[str, Any]]:
        """The audit log from `since` (wall-clock time), oldest first."""
        from sqlalchemy import select

        from .models import AuditRow, table_of

        with self.engine.connect() as connection:
            table = table_of(AuditRow)
            rows = connection.execute(
                select(table).where(table.c.time >= since).order_by(table.c.id)
            ).mappings()
            return [dict(r) for r in rows]
