"""scrapeguard's store: decisions, alerts, actor summaries, campaigns, partners, users, the
append-only audit log and the disclosure ledger, on SQLite or PostgreSQL (docs/store.md)."""

from __future__ import annotations

from .db import DEFAULT_URL, upgrade
from .ledger import Exposure, Ledger, Receipt
from .store import Store

__all__ = ["DEFAULT_URL", "Exposure", "Ledger", "Receipt", "Store", "upgrade"]
