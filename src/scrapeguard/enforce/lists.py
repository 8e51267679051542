"""Blocklists and allowlists: addresses, CIDR ranges and accounts, each with an optional expiry.

An `AccessList` keeps one table per IP version and prefix length in use, keyed by the network
bits, so `match` costs one dict lookup per distinct prefix length, longest first. IPv4 ranges
written in IPv4-mapped IPv6 form (``::ffff:192.0.2.0/120``) are stored as IPv4, and an IPv4-mapped
address matches IPv4 entries. Time is passed in by the caller; expired entries are ignored and
dropped lazily.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from typing import Final

from scrapeguard.netranges import ip_to_int, parse_cidr

__all__ = ["AccessList", "ListEntry"]

_KINDS: Final = ("ip", "account")
_MAPPED_TAG: Final = 0xFFFF
_V4_MASK: Final = 0xFFFFFFFF

_Table = dict[int, "ListEntry"]
_Order = tuple[tuple[int, _Table], ...]


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One entry of an access list.

    `value` is normalised: a network in CIDR form (``203.0.113.0/24``, ``198.51.100.7/32``,
    ``2001:db8::/32``) for kind ``ip``, the account id for kind ``account``. `expires` is in
    epoch seconds (None: until removed); the entry is active while ``now < expires``.
    """

    kind: str
    value: str
    expires: float | None
    reason: str
    added: float

    def active(self, now: float) -> bool:
        """True while the entry has not expired at `now`."""
        return self.expires is None or now < self.expires


class AccessList:
    """Addresses, ranges and accounts with optional expiry, matched in O(prefix lengths)."""

    __slots__ = ("_accounts", "_order", "_tables", "name")

    def __init__(self, name: str) -> None:
        """Create an empty list; `name` (``blocklist``, ``allowlist``) appears in messages."""
        self.name = name
        self._accounts: dict[str, ListEntry] = {}
        # (version, prefix length) -> {network >> host bits: entry}
        self._tables: dict[tuple[int, int], _Table] = {}
        # per version, (host bits, table) with the longest prefix first
        self._order: dict[int, _Order] = {4: (), 6: ()}

    def add(
        self,
        value: str,
        *,
        kind: str = "ip",
        expires: float | None = None,
        reason: str = "",
        now: float = 0.0,
    ) -> ListEntry:
        """Add or replace an entry and return it.

        For kind ``ip``, `value` is an address or a CIDR range; host bits below the prefix are
        dropped (``203.0.113.9/24`` is stored as ``203.0.113.0/24``). Raises ValueError for an
        unknown kind, an invalid address or range, an empty account id or a non-finite expiry.
        """
        if expires is not None and not math.isfinite(expires):
            raise ValueError(f"{self.name}: expiry of {value!r} must be a finite time")
        if kind == "account":
            self._check_account(value)
            entry = ListEntry("account", value, expires, reason, now)
            self._accounts[value] = entry
            return entry
        version, length, network = self._network(value, kind)
        entry = ListEntry("ip", _cidr(version, length, network), expires, reason, now)
        table = self._tables.get((version, length))
        if table is None:
            table = self._tables[(version, length)] = {}
            self._reorder(version)
        table[network >> _host_bits(version, length)] = entry
        return entry

    def normalise(self, value: str, *, kind: str = "ip") -> str:
        """`value` as an entry stores it (``203.0.113.9/24`` → ``203.0.113.0/24``).

        Raises ValueError for an unknown kind or an invalid address, range or account id.
        """
        if kind == "account":
            self._check_account(value)
            return value
        version, length, network = self._network(value, kind)
        return _cidr(version, length, network)

    def remove(self, value: str, *, kind: str = "ip") -> bool:
        """Remove an entry, given as when added; False when it was not in the list.

        Raises ValueError for an unknown kind or an invalid address or range.
        """
        if kind == "account":
            self._check_account(value)
            return self._accounts.pop(value, None) is not None
        version, length, network = self._network(value, kind)
        table = self._tables.get((version, length))
        if table is None or table.pop(network >> _host_bits(version, length), None) is None:
            return False
        if not table:
            del self._tables[(version, length)]
            self._reorder(version)
        return True

    def match(self, ip: str, account: str | None, now: float) -> ListEntry | None:
        """The entry that applies to a request at `now`, or None.

        An active entry for `account` wins; otherwise the active IP entry with the longest
        prefix holding `ip`. An `ip` that is not a valid address matches no IP entry.
        """
        if account is not None and self._accounts:
            entry = self._accounts.get(account)
            if entry is not None:
                if entry.active(now):
                    return entry
                self._drop(entry)
        if not self._tables:
            return None
        value = ip_to_int(ip)
        if value is None:
            return None
        if value >> 32 == _MAPPED_TAG:
            order = self._order[4]
            value &= _V4_MASK
        else:
            order = self._order[6]
        for shift, table in order:
            entry = table.get(value >> shift)
            if entry is not None:
                if entry.active(now):
                    return entry
                self._drop(entry)
        return None

    def entries(self, now: float) -> list[ListEntry]:
        """The active entries for display: ranges by address (IPv4 first), then accounts.

        Expired entries met on the way are dropped.
        """
        ranges: list[tuple[int, int, int, ListEntry]] = []
        for (version, length), table in list(self._tables.items()):
            shift = _host_bits(version, length)
            ranges.extend((version, key << shift, length, entry) for key, entry in table.items())
        accounts = sorted(self._accounts.values(), key=lambda entry: entry.value)
        ranges.sort(key=lambda item: item[:3])
        shown: list[ListEntry] = []
        for entry in [item[3] for item in ranges] + accounts:
            if entry.active(now):
                shown.append(entry)
            else:
                self._drop(entry)
        return shown

    def __len__(self) -> int:
        """Entries held, counting expired ones not yet dropped."""
        return len(self._accounts) + sum(len(table) for table in self._tables.values())

    def __bool__(self) -> bool:
        """False when the list holds nothing: the caller's fast path."""
        return bool(self._accounts) or bool(self._tables)

    def __repr__(self) -> str:
        return f"AccessList({self.name!r}, {len(self)} entries)"

    def _check_account(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError(f"{self.name}: account id must be a non-empty string, not {value!r}")

    def _network(self, value: str, kind: str) -> tuple[int, int, int]:
        if kind != "ip":
            raise ValueError(f"{self.name}: unknown kind {kind!r}; expected one of {_KINDS}")
        parsed = _parse_network(value) if isinstance(value, str) else None
        if parsed is None:
            raise ValueError(
                f"{self.name}: {value!r} is not an IP address or CIDR range "
                "(e.g. 198.51.100.7, 203.0.113.0/24, 2001:db8::/32)"
            )
        return parsed

    def _drop(self, entry: ListEntry) -> None:
        """Remove `entry` if it is still the one stored under its value."""
        if entry.kind == "account":
            if self._accounts.get(entry.value) is entry:
                del self._accounts[entry.value]
            return
        version, length, network = self._network(entry.value, "ip")
        table = self._tables.get((version, length))
        key = network >> _host_bits(version, length)
        if table is not None and table.get(key) is entry:
            del table[key]
            if not table:
                del self._tables[(version, length)]
                self._reorder(version)

    def _reorder(self, version: int) -> None:
        lengths = sorted((n for v, n in self._tables if v == version), reverse=True)
        self._order[version] = tuple(
            (_host_bits(version, n), self._tables[(version, n)]) for n in lengths
        )


def _parse_network(text: str) -> tuple[int, int, int] | None:
    """(IP version, prefix length, network as an integer) of an address or CIDR, or None.

    IPv4-mapped IPv6 ranges of /96 or longer are returned as IPv4.
    """
    bounds = parse_cidr(text.strip())
    if bounds is None:
        return None
    first, last = bounds
    length = 129 - (last - first + 1).bit_length()
    if length >= 96 and first >> 32 == _MAPPED_TAG:
        return 4, length - 96, first & _V4_MASK
    return 6, length, first


def _host_bits(version: int, length: int) -> int:
    return (32 if version == 4 else 128) - length


def _cidr(version: int, length: int, network: int) -> str:
    address = ipaddress.IPv4Address(network) if version == 4 else ipaddress.IPv6Address(network)
    return f"{address}/{length}"
