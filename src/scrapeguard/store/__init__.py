"""scrapeguard's store: decisions, alerts, actor summaries, campaigns, partners, users, the
append-only audit log and the disclosure ledger, on SQLite or PostgreSQL (docs/store.md).

Its names are imported when first used, so that the command line and the engine work without
the store's own dependencies (`pip install 'scrapeguard[store]'`)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .db import DEFAULT_URL, upgrade
    from .ledger import Exposure, Ledger, Receipt
    from .store import Store

_WHERE = {
    "DEFAULT_URL": "db",
    "upgrade": "db",
    "Exposure": "ledger",
    "Ledger": "ledger",
    "Receipt": "ledger",
    "Store": "store",
}

__all__ = ["DEFAULT_URL", "Exposure", "Ledger", "Receipt", "Store", "upgrade"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
