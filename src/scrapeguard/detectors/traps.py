"""Traps: canary profiles, hidden links and robots.txt-disallowed paths."""

from __future__ import annotations

from dataclasses import dataclass

from ..site import Kind
from .base import Context, Detector, Settings, Signal


@dataclass
class TrapSettings(Settings):
    """Weights of a trap hit and of a request for a path robots.txt disallows."""

    trap_weight: float = 90
    disallowed_weight: float = 35
    disallowed_crawler_weight: float = 60


class Traps(Detector):
    """Flags requests no human makes: hidden canary profiles and links, and paths robots.txt
    disallows, requested by a declared crawler or by a client that read robots.txt."""

    name = "traps"
    settings_type = TrapSettings

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        access = ctx.access
        s: TrapSettings = self.settings
        if access.kind == Kind.TRAP:
            reason = (
                f"requested {ctx.event.path[:120]}, a hidden trap that no person can "
                "find by browsing"
            )
            return [self.signal("canary", s.trap_weight, reason, ctx.principal_kind)]
        if access.disallowed:
            # robots.txt binds robots: a declared crawler, or a client that read the file and
            # then went where it says not to. People never read it and use search pages freely.
            crawler = ctx.crawler is not None
            if not crawler and not ctx.principal.read_robots and not ctx.ip.read_robots:
                return ()
            weight = s.disallowed_crawler_weight if crawler else s.disallowed_weight
            who = "a declared crawler requested" if crawler else "read robots.txt, then requested"
            reason = f"{who} {ctx.event.path[:120]}, which robots.txt disallows"
            return [self.signal("robots-disallowed", weight, reason, ctx.principal_kind)]
        return ()
