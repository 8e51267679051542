"""The engine's view of addresses and crawlers, from the published ranges shipped as data."""

from __future__ import annotations

from collections.abc import Iterable

from .crawlers import CrawlerVerdict, CrawlerVerifier
from .netranges import NetworkData, network_data


class PublishedNetworkInfo:
    """Origin tags and crawler verification from the packaged (or refreshed) range lists,
    plus the shared ranges a site model declares (a mobile carrier's NAT pool, say)."""

    def __init__(self, shared_ranges: Iterable[str] = ()) -> None:
        extra = list(shared_ranges)
        self.data: NetworkData = NetworkData(extra) if extra else network_data()
        self.verifier = CrawlerVerifier(self.data)

    def origin(self, ip: str) -> frozenset[str]:
        """Tags of the networks `ip` belongs to (`shared:*`, `datacenter`, `vpn`, `tor`)."""
        return self.data.origin(ip)

    def crawler(self, user_agent: str, ip: str, now: float) -> CrawlerVerdict | None:
        """The crawler verdict for a client, or None when it does not claim to be one."""
        return self.verifier.classify(user_agent, ip, now)
