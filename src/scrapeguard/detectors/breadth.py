"""Breadth: the share of all known people one actor has seen."""

from __future__ import annotations

from dataclasses import dataclass

from ..reasons import Later
from .base import Context, Detector, Settings, Signal, plural, ramp, thousands


@dataclass
class BreadthSettings(Settings):
    """`share` of the directory (its declared size, else the people seen by anyone) is
    suspicious from `min_people` people on (`account_factor` times more for a logged-in
    account, which its own quotas bound already, and `shared_factor` times more for the network
    of an address many people share); the weight grows from where it starts to
    full at `full_share` or twice the starting share, whichever is more."""

    min_people: float = 500
    share: float = 0.01
    full_share: float = 0.10
    min_directory: float = 1000
    account_factor: float = 3
    shared_factor: float = 10


class Breadth(Detector):
    """Flags actors that have seen a large share of everyone on the site."""

    name = "breadth"
    needs_new_people = True
    settings_type = BreadthSettings

    def __init__(self, settings: Settings | None = None, directory_size: int = 0) -> None:
        super().__init__(settings)
        self.directory_size = directory_size

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        if not ctx.new_people or ctx.verified_crawler:
            return ()  # a verified crawler's reach is bounded by its own quota (volume)
        s: BreadthSettings = self.settings
        universe = self.directory_size or ctx.known_people
        if universe < s.min_directory:
            return ()
        for actor, scope in ((ctx.principal, ctx.principal_kind), (ctx.net, "net")):
            seen = actor.counted_people
            least = s.min_people
            if ctx.principal_kind == "account":  # its own quotas bound a logged-in account
                least *= s.account_factor
            if ctx.shared and scope != "account" and scope != "session":
                least *= s.shared_factor
            share = seen / universe
            start = max(s.share, least / universe)
            if seen >= least and share >= start:
                weight = ramp(share, start, max(s.full_share, 2 * start), 45, 90)
                reason = Later(_share_words, seen, universe)
                return [self.signal("share", weight, reason, scope)]
        return ()


def _share_words(seen: float, universe: float) -> str:
    if seen <= universe:
        return (
            f"has seen {plural(seen, 'person')}, {seen / universe:.1%} of the "
            f"{thousands(universe)} people known on the site"
        )
    # From logs, the same people on different list pages count again.
    return (
        f"has seen {plural(seen, 'person')}, more than the {thousands(universe)} people known "
        "on the site (list and search pages counted by their size)"
    )
