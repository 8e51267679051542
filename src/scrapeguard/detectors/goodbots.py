"""Good bots: declared crawlers verified against their operators' published address ranges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .base import Context, Detector, Settings, Signal


@dataclass
class GoodBotSettings(Settings):
    """Weights for crawlers that cannot be verified and for impostors."""

    unverifiable_weight: float = 15
    impostor_weight: float = 70


class GoodBots(Detector):
    """Names declared crawlers verified, unverifiable or impostor. A verified crawler is not
    scored as automation, but its own people quota (volume detector) still applies."""

    name = "goodbots"
    traits = frozenset({"unverifiable"})
    settings_type = GoodBotSettings

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        verdict = ctx.crawler
        if verdict is None:
            return ()
        s: GoodBotSettings = self.settings
        ctx.principal.bot = worse_bot(ctx.principal.bot, verdict.status)
        if verdict.status == "impostor":
            return [self.signal("impostor", s.impostor_weight, verdict.reason, ctx.principal_kind)]
        if verdict.status == "unverifiable":
            return [
                self.signal(
                    "unverifiable", s.unverifiable_weight, verdict.reason, ctx.principal_kind
                )
            ]
        return [self.signal("verified", 0, verdict.reason, ctx.principal_kind)]


_RANK: Final = {None: 0, "verified": 1, "unverifiable": 2, "impostor": 3}


def worse_bot(held: str | None, status: str) -> str:
    """The more suspicious of two crawler statuses (impostor > unverifiable > verified)."""
    return status if _RANK[status] >= _RANK[held] else held  # type: ignore[return-value]
