"""The tables of scrapeguard's store (SQLAlchemy 2): decisions, alerts, actor summaries,
campaigns, partners, console users, the append-only audit log, and the disclosure ledger.

Times are epoch seconds (event time for what traffic did, wall-clock time for what people
did); days are whole days since the epoch (UTC).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The store's tables."""


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk statements."""
    return cast(Table, model.__table__)


class DecisionRow(Base):
    """A decision other than a plain allow, as taken (enforced or simulated)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    time: Mapped[float] = mapped_column(Float, index=True)
    reference: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(300), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    enforced: Mapped[str] = mapped_column(String(20))
    simulated: Mapped[bool]
    origin: Mapped[str] = mapped_column(String(200))
    score: Mapped[int]
    ttl: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON)


class AlertRow(Base):
    """Something a person should look at (a breaker trip, a canary seen in the wild)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    time: Mapped[float] = mapped_column(Float, index=True)
    kind: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ActorRow(Base):
    """What scrapeguard concluded about one actor, as of `updated`."""

    __tablename__ = "actors"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    first_seen: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float, index=True)
    requests: Mapped[int] = mapped_column(BigInteger)
    people: Mapped[int] = mapped_column(BigInteger)
    peak: Mapped[int]
    verdict: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    updated: Mapped[float] = mapped_column(Float)


class CampaignRow(Base):
    """Actors that act as one (addresses, accounts, devices)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created: Mapped[float] = mapped_column(Float)
    members: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class PartnerRow(Base):
    """An organisation allowed to collect data under an agreement (policy `partners:`)."""

    __tablename__ = "partners"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    purpose: Mapped[str] = mapped_column(Text)
    expires: Mapped[float | None] = mapped_column(Float, nullable=True)
    people_per_day: Mapped[float] = mapped_column(Float)


class UserRow(Base):
    """A person who uses the console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(50))
    created: Mapped[float] = mapped_column(Float)


class AuditRow(Base):
    """One entry of the append-only audit log: who did or looked at what, and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    time: Mapped[float] = mapped_column(Float, index=True)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(Text)
    why: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class SubjectRow(Base):
    """A person whose data was disclosed (their id on the site, in clear), numbered for the
    ledger's bitmaps; deleted by the purge once no ledger row names them. A number is never
    handed out again after its row is deleted (PostgreSQL's sequence, SQLite's AUTOINCREMENT)."""

    __tablename__ = "ledger_subjects"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(300), unique=True)


class NumberingRow(Base):
    """The one row that ledger writes lock shared and purges lock alone, with the count of
    purges that deleted subjects: a writer that sees it change forgets the numbers it cached."""

    __tablename__ = "ledger_numbering"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sweeps: Mapped[int] = mapped_column(BigInteger)


class FieldSetRow(Base):
    """A set of fields disclosed together (one route's fields), numbered."""

    __tablename__ = "ledger_fieldsets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fields: Mapped[str] = mapped_column(String(1000), unique=True)  # sorted, comma-separated


class LedgerRow(Base):
    """The people one actor received on one day with one set of fields: a roaring bitmap of
    subject numbers (`pyroaring`, portable serialisation), and how many people it was shown on
    list pages whose members are not known (log replay; an upper bound: a page seen twice
    counts twice)."""

    __tablename__ = "ledger"

    actor: Mapped[str] = mapped_column(String(300), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    fieldset: Mapped[int] = mapped_column(Integer, primary_key=True)
    unnamed: Mapped[int] = mapped_column(BigInteger)
    bitmap: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_ledger_day", "day"),)


class PseudonymKeyRow(Base):
    """The key that turns actor keys of one period into pseudonyms; deleted (destroyed) when
    the last data it links is purged, so that old pseudonyms can never be linked again."""

    __tablename__ = "pseudonym_keys"

    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created: Mapped[float] = mapped_column(Float)


class LegalHoldRow(Base):
    """Evidence of a case kept as it is, raw and whole, until `until`."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_name: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(300), index=True)
    until: Mapped[float] = mapped_column(Float)
    created: Mapped[float] = mapped_column(Float)
    who: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text)
