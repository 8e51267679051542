"""Volume: how many people's data one actor received per hour and per day, against quotas."""

from __future__ import annotations

from dataclasses import dataclass

from ..reasons import Later
from ..state.actor import ActorState
from .base import Context, Detector, Settings, Signal, plural, ramp, thousands


@dataclass
class VolumeSettings(Settings):
    """Quotas in people disclosed; guests are visitors who are not logged in."""

    account_per_hour: float = 200
    account_per_day: float = 1000
    guest_per_hour: float = 100
    guest_per_day: float = 300
    network_per_day: float = 3000
    crawler_per_day: float = 20000
    shared_factor: float = 20


class Volume(Detector):
    """Flags actors that received more people's data than their quota allows."""

    name = "volume"
    needs_new_people = True
    settings_type = VolumeSettings

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        if not ctx.new_people:
            return ()
        s: VolumeSettings = self.settings
        out: list[Signal] = []
        p = ctx.principal
        crawler = ctx.verified_crawler
        if crawler:
            self._check(out, p, ctx.principal_kind, "verified crawler", 0, s.crawler_per_day)
        elif ctx.account is not None:
            self._check(out, p, "account", "account", s.account_per_hour, s.account_per_day)
        else:
            factor = s.shared_factor if ctx.shared and ctx.principal_kind == "ip" else 1
            self._check(
                out,
                p,
                ctx.principal_kind,
                "guest",
                s.guest_per_hour * factor,
                s.guest_per_day * factor,
            )
        if not crawler:
            factor = s.shared_factor if ctx.shared else 1
            self._check(out, ctx.net, "net", "network", 0, s.network_per_day * factor)
        return out

    def _check(
        self,
        out: list[Signal],
        actor: ActorState,
        scope: str,
        who: str,
        hourly: float,
        daily: float,
    ) -> None:
        if hourly and actor.people_hour > hourly:
            count, quota, period = actor.people_hour, hourly, "hour"
        elif daily and actor.people_day > daily:
            count, quota, period = actor.people_day, daily, "day"
        else:
            return
        reason = Later(_quota_words, count, period, who, quota)
        rule = f"{who.replace(' ', '-')}-per-{period}"
        out.append(self.signal(rule, ramp(count / quota, 1, 4, 45, 95), reason, scope))


def _quota_words(count: float, period: str, who: str, quota: float) -> str:
    return (
        f"received the data of {plural(count, 'person')} in the last {period}; "
        f"the {who} quota is {thousands(quota)} per {period}"
    )
