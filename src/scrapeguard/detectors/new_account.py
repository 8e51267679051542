"""New-account velocity: how fast a young account starts looking at other people."""

from __future__ import annotations

from dataclasses import dataclass

from ..reasons import Later
from .base import Context, Detector, Settings, Signal, plural, ramp, thousands


@dataclass
class NewAccountSettings(Settings):
    """An account younger than `younger_than` seconds gets the tighter `per_day` quota, and
    `first_hour` people within an hour of sign-up is already suspicious."""

    younger_than: float = 7 * 86400
    per_day: float = 100
    first_hour: float = 60


class NewAccount(Detector):
    """Flags accounts that harvest soon after they were created."""

    name = "new_account"
    needs_new_people = True
    settings_type = NewAccountSettings
    durations = frozenset({"younger_than"})

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        account = ctx.account
        if account is None or not ctx.new_people:
            return ()
        created = ctx.event.account_created or account.account_created
        if created is None:
            return ()
        account.account_created = created
        s: NewAccountSettings = self.settings
        age = ctx.now - created
        if age >= s.younger_than:
            return ()
        if age < 3600 and account.people_hour > s.first_hour:
            reason = Later(_first_hour_words, age, account.people_hour)
            weight = ramp(account.people_hour / s.first_hour, 1, 4, 55, 90)
            return [self.signal("first-hour", weight, reason, "account")]
        if account.people_day > s.per_day:
            reason = Later(_per_day_words, max(age / 86400, 0), account.people_day, s.per_day)
            weight = ramp(account.people_day / s.per_day, 1, 4, 50, 90)
            return [self.signal("per-day", weight, reason, "account")]
        return ()


def _first_hour_words(age: float, people: float) -> str:
    return (
        f"account created {age / 60:.0f} min ago already received the data of "
        f"{plural(people, 'person')}"
    )


def _per_day_words(days: float, people: float, quota: float) -> str:
    return (
        f"account {days:.1f} days old received the data of {plural(people, 'person')} in a "
        f"day; new accounts may see {thousands(quota)}"
    )
