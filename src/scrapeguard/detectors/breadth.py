"""Breadth: the share of all known people one actor has seen."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Context, Detector, Settings, Signal, plural, ramp


@dataclass
class BreadthSettings(Settings):
    """`share` of the directory (its declared size, else the people seen by anyone) is
    suspicious from `min_people` people on; `full_share` gives full weight."""

    min_people: float = 200
    share: float = 0.01
    full_share: float = 0.10
    min_directory: float = 1000


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
            seen = actor.distinct_people
            share = seen / universe
            if seen >= s.min_people and share >= s.share:
                reason = (
                    f"has seen {plural(seen, 'person')}, {share:.1%} of the "
                    f"{universe:,} people known on the site"
                )
                weight = ramp(share, s.share, s.full_share, 45, 90)
                return [self.signal("share", weight, reason, scope)]
        return ()
