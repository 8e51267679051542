"""Origin: requests from hosting, VPN and Tor networks rather than people's connections."""

from __future__ import annotations

from dataclasses import dataclass

from ..site import LISTING_KINDS, Kind
from .base import Context, Detector, Settings, Signal


@dataclass
class OriginSettings(Settings):
    """Weights of each kind of network; small, since these add to other evidence. A list,
    search or lookup page asked for from a hosting network weighs `datacenter_list_weight`
    (a challenge, which a person's browser passes), once the address has received the data
    of `policy.traits_act_after` people."""

    datacenter_weight: float = 15
    datacenter_list_weight: float = 40
    vpn_weight: float = 10
    tor_weight: float = 20


class Origin(Detector):
    """Flags personal-data requests from networks where people rarely browse from."""

    name = "origin"
    traits = frozenset({"tor", "datacenter", "datacenter-list", "vpn"})
    tells = frozenset({"datacenter", "datacenter-list"})  # people use VPNs and Tor for privacy
    needs_new_people = True
    settings_type = OriginSettings

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        origin = ctx.origin
        if not origin or ctx.shared or not ctx.access.people or ctx.access.kind == Kind.STATIC:
            return ()
        if ctx.verified_crawler:
            return ()
        s: OriginSettings = self.settings
        ip = ctx.event.ip
        if "tor" in origin:
            return [self.signal("tor", s.tor_weight, f"{ip} is a Tor exit node", "ip")]
        if "datacenter" in origin:
            if (
                ctx.access.kind in LISTING_KINDS
                and s.datacenter_list_weight
                and "vpn" not in origin
            ):
                # Lists of people are where harvesting pays; people rarely browse from a
                # cloud (but a VPN's exits are in one: people use VPNs for their privacy).
                reason = f"asked for a list of people from {ip}, a hosting or cloud network"
                return [self.signal("datacenter-list", s.datacenter_list_weight, reason, "ip")]
            reason = f"{ip} belongs to a hosting or cloud network, not a home or mobile one"
            return [self.signal("datacenter", s.datacenter_weight, reason, "ip")]
        if "vpn" in origin:
            return [self.signal("vpn", s.vpn_weight, f"{ip} belongs to a VPN network", "ip")]
        return ()
