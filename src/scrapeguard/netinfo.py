"""The engine's view of addresses and crawlers, from the published ranges shipped as data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .crawlers import CrawlerVerdict, CrawlerVerifier
from .engine import NetworkInfo
from .netranges import NetworkData, network_data

MAX_BLOCKS: Final = 1 << 18


class PublishedNetworkInfo(NetworkInfo):
    """Origin tags and crawler verification from the packaged (or refreshed) range lists,
    plus the shared ranges a site model declares (a mobile carrier's NAT pool, say)."""

    def __init__(self, shared_ranges: Iterable[str] = ()) -> None:
        extra = list(shared_ranges)
        self.data: NetworkData = NetworkData(extra) if extra else network_data()
        self.verifier = CrawlerVerifier(self.data)
        self._blocks: dict[str, frozenset[str] | None] = {}

    def origin(self, ip: str) -> frozenset[str]:
        """Tags of the networks `ip` belongs to (`shared:*`, `datacenter`, `vpn`, `tor`)."""
        if ":" in ip:
            return self.data.origin(ip)
        # Most /24s lie wholly inside or outside every list: answer them once per block.
        block = ip.rpartition(".")[0]
        blocks = self._blocks
        try:
            tags = blocks[block]
        except KeyError:
            if len(blocks) >= MAX_BLOCKS:
                blocks.clear()
            tags = blocks[block] = self.data.origin_of_block(block)
        return tags if tags is not None else self.data.origin(ip)

    def crawler(self, user_agent: str, ip: str, now: float) -> CrawlerVerdict | None:
        """The crawler verdict for a client, or None when it does not claim to be one."""
        return self.verifier.classify(user_agent, ip, now)
