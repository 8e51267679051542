"""Detectors: one small module each, each turning a request in context into signals."""

from __future__ import annotations

from .account_farm import AccountFarm
from .automation import Automation
from .base import Context, Detector, Settings, Signal
from .breadth import Breadth
from .campaign import Campaign
from .enumeration import Enumeration
from .goodbots import GoodBots
from .long_tail import LongTail
from .model import Model
from .new_account import NewAccount
from .origin import Origin
from .timing import Timing
from .traps import Traps
from .volume import Volume

#: Every detector, in the order they run.
DETECTORS: dict[str, type[Detector]] = {
    d.name: d
    for d in (
        Traps,
        GoodBots,
        Volume,
        NewAccount,
        AccountFarm,
        Campaign,
        Enumeration,
        Breadth,
        LongTail,
        Automation,
        Timing,
        Model,
        Origin,
    )
}

__all__ = ["DETECTORS", "Context", "Detector", "Settings", "Signal"]
