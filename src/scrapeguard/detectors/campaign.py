"""Campaigns: many clients that act as one, judged together.

The engine gives a request a campaign key (`events.campaign_key`) when it may be part of one:
a guest keeping no cookies joins the campaign of its signature (user agent, language, TLS
fingerprint), a young account joins the campaign of the young accounts of its network. This
detector decides when a campaign has taken too much: together its clients received more
people than one visitor may, and they are more than a handful. Its decision applies to every
member (see `Guard`), so a scraper spread over hundreds of addresses or dozens of accounts
is stopped as one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..events import NEW_ACCOUNTS_CAMPAIGN, SIGNATURE_CAMPAIGN, ActorKind
from ..reasons import Later
from ..state.actor import DAY, MAX_SMALL_SET, ActorState
from .base import Context, Detector, Settings, Signal, plural, ramp, thousands


@dataclass
class CampaignSettings(Settings):
    """Quotas in people per day for a whole campaign, and what makes one.

    A signature campaign counts only while almost none of its addresses load page assets (at
    most a share of `bare_share`): people's browsers load them, so a signature that people
    share is never one campaign. Such a campaign is challenged from `link_addresses` addresses
    on, even under its quota: that many bare clients with one signature are one operator.
    `young` is the age below which accounts of one network are linked.
    """

    people_per_day: float = 100
    new_accounts_per_day: float = 300
    min_members: float = 3
    link_addresses: float = 20
    bare_share: float = 0.2
    young: float = 7 * DAY


class Campaign(Detector):
    """Flags campaigns: clients that look alike, or young accounts of one network, that
    together received more people than their quota."""

    name = "campaign"
    needs_new_people = True
    settings_type = CampaignSettings
    durations = frozenset({"young"})

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        if not ctx.new_people:
            return ()
        out: list[Signal] = []
        if ctx.campaign is not None:
            self._judge(ctx, ctx.campaign, ActorKind.CAMPAIGN, out)
        if ctx.stack is not None:
            self._judge(ctx, ctx.stack, ActorKind.STACK, out)
        return out

    def _judge(self, ctx: Context, campaign: ActorState, scope: str, out: list[Signal]) -> None:
        s: CampaignSettings = self.settings
        members = campaign.more().account_count
        if members < s.min_members:
            return
        people = campaign.people_day
        who: Later
        if campaign.key.startswith(SIGNATURE_CAMPAIGN):
            bare = ctx.assets_seen and not ctx.ip.statics
            if not bare or campaign.member_count > s.bare_share * members:
                return
            quota = s.people_per_day
            rule = "stack" if scope == ActorKind.STACK else "signature"
            who = Later(_lookalike_words, members, rule)
        else:
            quota, rule = s.new_accounts_per_day, "new-accounts"
            net = campaign.key[len(NEW_ACCOUNTS_CAMPAIGN) :]
            who = Later(_young_accounts_words, members, s.young, net)
        if people > quota:
            weight = ramp(people / quota, 1, 2, 60, 90)
            reason = Later(_campaign_words, who, people, quota)
        elif rule != "new-accounts" and members >= s.link_addresses:
            weight, reason = 45.0, Later(_campaign_words, who, people, None)
        else:
            return
        out.append(self.signal(rule, weight, reason, scope))


def _many(members: int) -> str:
    return " or more" if members >= MAX_SMALL_SET else ""


def _lookalike_words(members: int, rule: str) -> str:
    if rule == "stack":
        alike = "the same request headers under any user agent"
    else:
        alike = "the same user agent and language"
    return (
        f"one of {plural(members, 'address')}{_many(members)} that send {alike}, keep no "
        "cookies and load no page assets"
    )


def _young_accounts_words(members: int, young: float, net: str) -> str:
    return (
        f"one of {plural(members, 'account')}{_many(members)} younger than {_days(young)} "
        f"used from network {net}"
    )


def _campaign_words(who: Later, people: float, quota: float | None) -> str:
    took = f"together they received the data of {plural(people, 'person')} in a day"
    if quota is None:
        return f"{who()}: {took}"
    return f"{who()}: {took}; the quota for one campaign is {thousands(quota)}"


def _days(seconds: float) -> str:
    days = seconds / DAY
    return f"{days:g} day" + ("" if days == 1 else "s")
