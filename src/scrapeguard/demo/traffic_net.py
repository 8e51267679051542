"""Client addresses for the traffic simulator, drawn from the range lists scrapeguard ships.

The engine verifies crawlers and recognises shared addresses with the same lists, so good bots
come from their operators' published ranges, impostors and hosted scrapers from cloud ranges,
iCloud Private Relay users from the relay egress list and carrier-grade NAT users from
100.64.0.0/10. Residential, mobile and office addresses come from ordinary ISP ranges and are
checked to be in no packaged list at all. Only the packaged copies are read (never the user's
overrides), so the same seed gives the same addresses everywhere.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Sequence
from importlib import resources

from scrapeguard.netranges import (
    CGNAT_RANGE,
    RANGE_LISTS,
    TAG_DATACENTER,
    NetworkData,
    PrefixSet,
    parse_cidr,
)

_V4_MAPPED = 0xFFFF << 32

#: Well-known cloud and hosting providers (AWS, Google Cloud, Azure, DigitalOcean, Hetzner,
#: OVH, Linode, Tencent). Every address drawn from them is checked to be tagged datacenter and
#: to lie outside every crawler range.
CLOUD_V4 = (
    "3.80.0.0/12",
    "18.204.0.0/14",
    "52.0.0.0/11",
    "13.48.0.0/15",
    "34.120.0.0/14",
    "35.190.0.0/16",
    "20.40.0.0/13",
    "40.112.0.0/13",
    "159.203.0.0/16",
    "167.99.0.0/16",
    "134.209.0.0/16",
    "5.9.0.0/16",
    "88.99.0.0/16",
    "95.216.0.0/16",
    "65.108.0.0/15",
    "51.75.0.0/16",
    "54.36.0.0/14",
    "45.33.0.0/17",
    "139.162.0.0/16",
    "43.128.0.0/14",
)
#: Hosting networks SEO crawlers typically run from (Hetzner, OVH).
HOSTING_V4 = ("5.9.0.0/16", "88.99.0.0/16", "95.216.0.0/16", "51.75.0.0/16", "54.36.0.0/14")
#: Home broadband (UK, European and North American ISPs).
RESIDENTIAL_V4 = (
    "86.128.0.0/11",
    "81.128.0.0/12",
    "82.0.0.0/13",
    "92.0.0.0/13",
    "109.144.0.0/13",
    "2.24.0.0/13",
    "176.248.0.0/13",
    "31.48.0.0/13",
    "151.224.0.0/13",
    "94.168.0.0/14",
    "62.252.0.0/14",
    "79.192.0.0/11",
    "90.0.0.0/11",
    "73.0.0.0/9",
    "24.0.0.0/12",
    "98.192.0.0/11",
    "71.0.0.0/12",
    "67.160.0.0/12",
    "68.32.0.0/12",
    "76.96.0.0/12",
)
RESIDENTIAL_V6 = ("2a00:23c0::/28", "2a02:c78::/29", "2601::/20", "2a01:4b00::/32")
#: Mobile carriers' public pools (a new address per visit).
MOBILE_V4 = ("31.94.0.0/16", "212.183.128.0/17", "92.40.0.0/14", "82.132.0.0/16", "172.56.0.0/14")
MOBILE_V6 = ("2607:fb90::/32", "2a01:4c8::/32")
#: Business lines (office networks).
BUSINESS_V4 = ("195.171.0.0/16", "80.229.0.0/16", "212.58.0.0/17", "62.172.0.0/16")


def _text_intervals(file: str) -> list[tuple[int, int]]:
    """The prefixes of a packaged one-prefix-per-line list."""
    root = resources.files("scrapeguard").joinpath("data").joinpath("ranges")
    out: list[tuple[int, int]] = []
    for line in root.joinpath(file).read_text(encoding="utf-8").splitlines():
        token = line.split("#", 1)[0].replace(",", " ").split()
        if token:
            parsed = parse_cidr(token[0])
            if parsed is not None:
                out.append(parsed)
    return out


def _packaged(name: str) -> list[tuple[int, int]]:
    spec = next(s for s in RANGE_LISTS if s.name == name)
    return [iv for packaged in spec.files for iv in _text_intervals(packaged.file)]


def _cidrs(cidrs: Sequence[str]) -> list[tuple[int, int]]:
    out = []
    for cidr in cidrs:
        parsed = parse_cidr(cidr)
        if parsed is None:  # pragma: no cover - the tables above are constants
            raise ValueError(cidr)
        out.append(parsed)
    return out


def address_text(value: int) -> str:
    """An address from `ip_to_int` form (IPv4 in the IPv4-mapped space) to text."""
    if value >> 32 == 0xFFFF:
        return str(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return str(ipaddress.IPv6Address(value))


def _pick(rng: random.Random, intervals: Sequence[tuple[int, int]]) -> int:
    """A random host address in one of `intervals` (IPv4 never ending in .0 or .255)."""
    first, last = intervals[int(rng.random() * len(intervals))]
    if first >> 32 == 0xFFFF:
        if last - first < 2:
            return first
        while True:
            value = rng.randint(first, last)
            if 0 < value & 255 < 255:
                return value
    if last - first >= 1 << 64:  # a /64 of the prefix, with a random interface id
        net_bits = (last - first + 1).bit_length() - 1
        net = rng.getrandbits(net_bits - 64) << 64
        return first + net + rng.getrandbits(64)
    return rng.randint(first, last)


class Networks:
    """Address sources for one simulation (the lists are read once, lazily)."""

    def __init__(self) -> None:
        self._data = NetworkData(use_overrides=False)
        self._lists: dict[str, list[tuple[int, int]]] = {}
        self._crawlers: PrefixSet | None = None

    def _list(self, name: str, load: Callable[[], list[tuple[int, int]]]) -> list[tuple[int, int]]:
        found = self._lists.get(name)
        if found is None:
            found = self._lists[name] = load()
        return found

    def _crawler_set(self) -> PrefixSet:
        if self._crawlers is None:
            lists = [
                (ranges.name, ranges.prefixes.intervals())
                for table in self._data.crawler_table().values()
                for ranges in table
            ]
            self._crawlers = PrefixSet.from_intervals(lists)
        return self._crawlers

    def _crawler_v4(self, name: str) -> list[tuple[int, int]]:
        def load() -> list[tuple[int, int]]:
            for table in self._data.crawler_table().values():
                for ranges in table:
                    if ranges.name == name:
                        return [iv for iv in ranges.prefixes.intervals() if iv[0] >> 32 == 0xFFFF]
            raise LookupError(f"no packaged crawler list {name!r}")

        return self._list("crawler:" + name, load)

    def _draw(
        self,
        rng: random.Random,
        intervals: Sequence[tuple[int, int]],
        accept: Callable[[str], bool],
    ) -> str:
        for _ in range(200):
            ip = address_text(_pick(rng, intervals))
            if accept(ip):
                return ip
        raise RuntimeError("no acceptable address in the ranges given")  # pragma: no cover

    def _unlisted(self, ip: str) -> bool:
        return not self._data.origin(ip) and ip not in self._crawler_set()

    def _cloud_ok(self, ip: str) -> bool:
        return self._data.origin(ip) == {TAG_DATACENTER} and ip not in self._crawler_set()

    # ------------------------------------------------------------------ address kinds

    def googlebot(self, rng: random.Random) -> str:
        """An address of Googlebot's published ranges (googlebot.json)."""
        return address_text(_pick(rng, self._crawler_v4("google-common")))

    def bingbot(self, rng: random.Random) -> str:
        """An address of Bingbot's published ranges."""
        return address_text(_pick(rng, self._crawler_v4("bing")))

    def relay(self, rng: random.Random, v6: bool) -> str:
        """An iCloud Private Relay egress address."""
        intervals = self._list("relay", lambda: _packaged("icloud-relay"))
        family = [iv for iv in intervals if (iv[0] >> 32 == 0xFFFF) != v6]
        return address_text(_pick(rng, family or intervals))

    def vpn(self, rng: random.Random) -> str:
        """An address of a commercial VPN network (IPv4)."""
        intervals = self._list(
            "vpn", lambda: [iv for iv in _packaged("vpn") if iv[0] >> 32 == 0xFFFF]
        )
        return self._draw(rng, intervals, lambda ip: "vpn" in self._data.origin(ip))

    def cgnat(self, rng: random.Random) -> str:
        """An address of carrier-grade NAT shared space (100.64.0.0/10)."""
        return address_text(_pick(rng, _cidrs([CGNAT_RANGE])))

    def cloud(self, rng: random.Random, hosting: bool = False) -> str:
        """An address of a cloud or hosting provider (tagged datacenter, no crawler range)."""
        blocks = self._list(
            "hosting" if hosting else "cloud", lambda: _cidrs(HOSTING_V4 if hosting else CLOUD_V4)
        )
        return self._draw(rng, blocks, self._cloud_ok)

    def residential(self, rng: random.Random, v6: bool = False) -> str:
        """A home broadband address in no packaged list."""
        blocks = _cidrs(RESIDENTIAL_V6 if v6 else RESIDENTIAL_V4)
        return self._draw(rng, blocks, self._unlisted)

    def mobile(self, rng: random.Random, v6: bool = False) -> str:
        """A mobile carrier's public address in no packaged list."""
        return self._draw(rng, _cidrs(MOBILE_V6 if v6 else MOBILE_V4), self._unlisted)

    def business(self, rng: random.Random) -> str:
        """An office's fixed address (a business line, in no packaged list)."""
        return self._draw(rng, _cidrs(BUSINESS_V4), self._unlisted)

    def block24(self, rng: random.Random, kind: str) -> Callable[[random.Random], str]:
        """A source of addresses inside one IPv4 /24 of `kind` ("cloud" or "residential")."""
        seed_ip = self.cloud(rng) if kind == "cloud" else self.residential(rng)
        head = seed_ip.rpartition(".")[0]

        def draw(r: random.Random) -> str:
            return f"{head}.{r.randint(2, 254)}"

        return draw

    def block48(self, rng: random.Random) -> Callable[[random.Random], str]:
        """A source of addresses inside one IPv6 /48 of a hosting provider."""
        net = ipaddress.IPv6Network("2a01:4f8::/32")  # Hetzner
        base = int(net.network_address) | rng.getrandbits(16) << 80

        def draw(r: random.Random) -> str:
            return str(ipaddress.IPv6Address(base | r.getrandbits(16) << 64 | r.getrandbits(64)))

        return draw

    def tags(self, ip: str) -> frozenset[str]:
        """The engine's origin tags for `ip` (for tests)."""
        return self._data.origin(ip)
