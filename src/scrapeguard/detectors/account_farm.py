"""Account farms: many sign-ups or logins from one network or one device."""

from __future__ import annotations

from dataclasses import dataclass

from ..site import Kind
from ..state.actor import DAY, ActorState
from .base import Context, Detector, Settings, Signal, plural, ramp


@dataclass
class AccountFarmSettings(Settings):
    """Per day: sign-ups from one network, and distinct accounts used from one device/address.

    People do not sign up from hosting and cloud networks, so there `hosting_signups_per_day`
    applies instead (when it is lower)."""

    signups_per_day: float = 5
    hosting_signups_per_day: float = 2
    logins_per_day: float = 30
    accounts_per_device: float = 4
    shared_factor: float = 20


class AccountFarm(Detector):
    """Flags networks and devices that create or operate many accounts."""

    name = "account_farm"
    kinds = frozenset({Kind.SIGNUP, Kind.LOGIN})
    settings_type = AccountFarmSettings

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        kind = ctx.access.kind
        if kind != Kind.SIGNUP and kind != Kind.LOGIN:
            return ()
        s: AccountFarmSettings = self.settings
        factor = s.shared_factor if ctx.shared else 1
        signup_limit, hosting = s.signups_per_day * factor, ""
        if "datacenter" in ctx.origin and s.hosting_signups_per_day < signup_limit:
            signup_limit, hosting = s.hosting_signups_per_day, ", a hosting network"
        out: list[Signal] = []
        networks = [(ctx.ip, "ip"), (ctx.net, "net")]
        networks += zip(ctx.wider, ("net56", "net48"), strict=False)
        for actor, scope in reversed(networks):
            x = actor.more()
            signups = x.signups.value(ctx.now, DAY) if x.signups else 0.0
            logins = x.logins.value(ctx.now, DAY) if x.logins else 0.0
            if signups > signup_limit:
                reason = f"{plural(signups, 'sign-up')} in a day from {_where(actor)}{hosting}"
                weight = ramp(signups / signup_limit, 1, 5, 50, 90)
                out.append(self.signal("signups", weight, reason, scope))
                break
            if logins > s.logins_per_day * factor:
                reason = f"{plural(logins, 'login')} in a day from {_where(actor)}"
                weight = ramp(logins / (s.logins_per_day * factor), 1, 5, 40, 80)
                out.append(self.signal("logins", weight, reason, scope))
                break
        candidates: tuple[tuple[ActorState | None, str], ...] = (
            (ctx.device, "device"),
            (ctx.ip, "ip"),
        )
        for maybe, scope in candidates:
            if maybe is None or (scope == "ip" and ctx.shared):
                continue
            actor = maybe
            accounts = actor.more().account_count
            if accounts > s.accounts_per_device:
                reason = f"{plural(accounts, 'account')} used from {_where(actor)}"
                weight = ramp(accounts / s.accounts_per_device, 1, 5, 50, 90)
                out.append(self.signal("accounts", weight, reason, scope))
                break
        return out


def _where(actor: ActorState) -> str:
    kind, _, value = actor.key.partition(":")
    return {"net": "network ", "ip": "address ", "device": "one device"}.get(kind, "") + (
        "" if kind == "device" else value
    )
