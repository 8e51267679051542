"""Address-range lookup: published crawler ranges and origin tags (shared, datacenter, VPN, Tor).

Three layers:

* `PrefixSet`: IPv4 and IPv6 CIDR prefixes flattened into one sorted table of disjoint
  segments, so that one `bisect` answers which named lists hold an address. IPv4 lives in the
  IPv4-mapped part of the IPv6 space, so ``::ffff:192.0.2.1`` and ``192.0.2.1`` are the same.
  Answers are cached per address (bounded). Invalid addresses never raise.
* The range lists scrapeguard ships (`RANGE_LISTS`): copies of operator-published crawler lists,
  the iCloud Private Relay egress list, a Tor exit list and X4BNet's datacenter and VPN lists,
  read from package data, or from the user's override directory where the user refreshed a
  list from a file with `update_range_list`. Nothing here ever touches the network.
* `NetworkData`: the lists loaded lazily, answering `origin(ip)` and `crawler_ranges(operator)`.

Order of use: check crawler ranges before the datacenter tag, since crawlers run in datacenters
(every Googlebot prefix lies inside the datacenter list).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import re
import socket
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from scrapeguard.errors import ScrapeguardError

__all__ = [
    "CGNAT_RANGE",
    "PRIVATE_RANGES",
    "RANGE_LISTS",
    "CrawlerRanges",
    "NetworkData",
    "PackagedFile",
    "PrefixSet",
    "RangeListError",
    "RangeListInfo",
    "RangeListSpec",
    "TAG_DATACENTER",
    "TAG_SHARED_CGNAT",
    "TAG_SHARED_CONFIGURED",
    "TAG_SHARED_ICLOUD",
    "TAG_SHARED_PRIVATE",
    "TAG_TOR",
    "TAG_VPN",
    "date_epoch",
    "ip_to_int",
    "list_range_lists",
    "network_data",
    "parse_cidr",
    "ranges_override_dir",
    "reload_network_data",
    "update_range_list",
]

TAG_SHARED_CGNAT = "shared:cgnat"
TAG_SHARED_ICLOUD = "shared:icloud-relay"
TAG_SHARED_PRIVATE = "shared:private"
TAG_SHARED_CONFIGURED = "shared:configured"
TAG_DATACENTER = "datacenter"
TAG_VPN = "vpn"
TAG_TOR = "tor"

CGNAT_RANGE = "100.64.0.0/10"
"""RFC 6598 shared address space used by carrier-grade NAT."""

PRIVATE_RANGES = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
)
"""Private, loopback and link-local ranges: seen as a client address, they mean a proxy hides the
real clients (everyone behind it shares the address)."""

_V4_MAPPED = 0xFFFF << 32
_ALL_ONES_128 = (1 << 128) - 1
_EMPTY: frozenset[str] = frozenset()
_CACHE_SIZE = 1 << 16
_DAY = 86400.0


class RangeListError(ScrapeguardError, ValueError):
    """A range list file is unusable; the message names the file and, where known, the line."""


# --------------------------------------------------------------------------- addresses


def ip_to_int(ip: object) -> int | None:
    """Return `ip` as an integer in one 128-bit space (IPv4 as ``::ffff:a.b.c.d``), or None.

    Accepts dotted-quad IPv4 and any IPv6 text form (a ``%zone`` suffix is ignored). Anything
    else, including non-strings, gives None.
    """
    if not isinstance(ip, str):
        return None
    try:
        if ":" in ip:
            if "%" in ip:
                ip = ip.split("%", 1)[0]
            return int.from_bytes(socket.inet_pton(socket.AF_INET6, ip), "big")
        return _V4_MAPPED | int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big")
    except (OSError, ValueError, TypeError):
        return None


def parse_cidr(text: str) -> tuple[int, int] | None:
    """Return the first and last address (as `ip_to_int` integers) of a CIDR prefix, or None.

    A bare address is a /32 (IPv4) or /128 (IPv6). Host bits set below the prefix length are
    ignored, as most published lists are merged by tools that sometimes leave them.
    """
    addr, sep, length = text.partition("/")
    value = ip_to_int(addr)
    if value is None:
        return None
    bits = 128 if ":" in addr else 32
    if not sep:
        return value, value
    if not length.isascii() or not length.isdigit() or len(length) > 3:
        return None
    prefix = int(length)
    if prefix > bits:
        return None
    host = (1 << (bits - prefix)) - 1
    start = value & ~host & _ALL_ONES_128
    return start, start | host


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort intervals and merge overlapping or adjacent ones."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


# --------------------------------------------------------------------------- PrefixSet


class PrefixSet:
    """Named sets of IPv4/IPv6 prefixes answering membership in about a microsecond.

    Build it from CIDR strings (one name) or with `from_lists` (several names, e.g. one per
    range list). Overlapping lists are fine: `tags` returns every name that holds the address,
    `lookup` the first in the order the lists were given. Invalid addresses are in no list.
    """

    __slots__ = (
        "_cache",
        "_cache_size",
        "_first",
        "_invalid",
        "_names",
        "_starts",
        "_tags",
        "prefix_count",
    )

    def __init__(
        self, cidrs: Iterable[str] = (), name: str = "prefixes", *, cache_size: int = _CACHE_SIZE
    ) -> None:
        """Build from CIDR strings under one `name`; raise `RangeListError` on a bad CIDR."""
        self._init([(name, _parse_all(cidrs))], cache_size)

    @classmethod
    def from_lists(
        cls,
        lists: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]],
        *,
        cache_size: int = _CACHE_SIZE,
    ) -> PrefixSet:
        """Build from several named lists of CIDR strings, earlier names first for `lookup`."""
        items = lists.items() if isinstance(lists, Mapping) else lists
        return cls.from_intervals(
            [(name, _parse_all(cidrs)) for name, cidrs in items], cache_size=cache_size
        )

    @classmethod
    def from_intervals(
        cls,
        lists: Sequence[tuple[str, Sequence[tuple[int, int]]]],
        *,
        cache_size: int = _CACHE_SIZE,
    ) -> PrefixSet:
        """Build from named lists of (first, last) integer ranges, as `parse_cidr` returns."""
        prefixes = cls(cache_size=cache_size)
        prefixes._init(lists, cache_size)
        return prefixes

    def intervals(self) -> list[tuple[int, int]]:
        """The covered ranges as merged (first, last) integer pairs, whatever their names."""
        out: list[tuple[int, int]] = []
        ends = self._starts[1:] + [1 << 128]
        for start, end, tags in zip(self._starts, ends, self._tags, strict=False):
            if tags:
                if out and out[-1][1] + 1 == start:
                    out[-1] = (out[-1][0], end - 1)
                else:
                    out.append((start, end - 1))
        return out

    def _init(
        self, lists: Sequence[tuple[str, Sequence[tuple[int, int]]]], cache_size: int
    ) -> None:
        by_name: dict[str, list[tuple[int, int]]] = {}
        for name, intervals in lists:
            by_name.setdefault(name, []).extend(intervals)
        self._names = tuple(by_name)
        self.prefix_count = sum(len(v) for v in by_name.values())
        self._starts, self._tags = _flatten([_merge(v) for v in by_name.values()], self._names)
        rank = {name: i for i, name in enumerate(self._names)}
        self._first: list[str | None] = [
            min(tags, key=rank.__getitem__) if tags else None for tags in self._tags
        ]
        # One extra empty segment at the end answers for invalid addresses.
        self._invalid = len(self._tags)
        self._tags.append(_EMPTY)
        self._first.append(None)
        self._cache: dict[str, int] = {}
        self._cache_size = cache_size

    @property
    def names(self) -> tuple[str, ...]:
        """The list names, in priority order."""
        return self._names

    def __len__(self) -> int:
        """Number of prefixes given (before merging)."""
        return self.prefix_count

    def _segment(self, ip: str) -> int:
        idx = self._cache.get(ip)
        if idx is None:
            value = ip_to_int(ip)
            idx = self._invalid if value is None else bisect.bisect_right(self._starts, value) - 1
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[ip] = idx
        return idx

    def contains(self, ip: str) -> bool:
        """True when `ip` lies in any of the lists."""
        return bool(self._tags[self._segment(ip)])

    def __contains__(self, ip: object) -> bool:
        return isinstance(ip, str) and self.contains(ip)

    def lookup(self, ip: str) -> str | None:
        """The name of the first list holding `ip`, or None."""
        return self._first[self._segment(ip)]

    def tags(self, ip: str) -> frozenset[str]:
        """The names of every list holding `ip` (empty for none or an invalid address)."""
        return self._tags[self._segment(ip)]

    def uniform_tags(self, first: int, last: int) -> frozenset[str] | None:
        """The tags shared by every address in [first, last], or None when they differ."""
        i = bisect.bisect_right(self._starts, first) - 1
        j = bisect.bisect_right(self._starts, last) - 1
        return self._tags[i] if i == j else None


def _flatten(
    lists: Sequence[list[tuple[int, int]]],
    names: Sequence[str],
) -> tuple[list[int], list[frozenset[str]]]:
    """Sweep merged per-list intervals into disjoint segments labelled with their list names.

    Segment i covers [starts[i], starts[i+1]); segment 0 starts at 0, so every address has one.
    Each event is one int, (position << 7) | (list index << 1) | is_start, so that sorting is
    cheap; within one list the merged intervals never touch, so a bit mask tracks what is open.
    """
    if len(lists) > 63:
        raise ValueError("at most 63 named lists per PrefixSet")
    events: list[int] = []
    for idx, intervals in enumerate(lists):
        tag = idx << 1
        for start, end in intervals:
            events.append((start << 7) | tag | 1)
            events.append(((end + 1) << 7) | tag)
    events.sort()
    tagsets: dict[int, frozenset[str]] = {0: _EMPTY}
    starts: list[int] = [0]
    tags: list[frozenset[str]] = [_EMPTY]
    mask = 0
    count = len(events)
    i = 0
    while i < count:
        pos = events[i] >> 7
        while i < count and events[i] >> 7 == pos:
            event = events[i]
            bit = 1 << ((event >> 1) & 63)
            mask = mask | bit if event & 1 else mask & ~bit
            i += 1
        active = tagsets.get(mask)
        if active is None:
            active = tagsets[mask] = frozenset(
                name for k, name in enumerate(names) if mask >> k & 1
            )
        if active is tags[-1]:
            continue
        if starts[-1] == pos:
            tags[-1] = active
        else:
            starts.append(pos)
            tags.append(active)
    return starts, tags


def _parse_all(cidrs: Iterable[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cidr in cidrs:
        parsed = parse_cidr(cidr.strip()) if isinstance(cidr, str) else None
        if parsed is None:
            raise RangeListError(f"{cidr!r} is not a valid IPv4/IPv6 address or CIDR prefix")
        out.append(parsed)
    return out


# --------------------------------------------------------------------------- the lists


@dataclass(frozen=True, slots=True)
class PackagedFile:
    """One packaged data file of a range list; `key` selects a sub-list in a JSON file."""

    file: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class RangeListSpec:
    """A range list scrapeguard knows: what it is, where its packaged copy lives, its date.

    `kind` is "crawler" (an operator's published crawler addresses), "shared", "datacenter",
    "vpn" or "tor". `formats` are what `update_range_list` accepts for it ("json": the
    operators' ``{"prefixes": [{"ipv4Prefix": ...}]}`` form; "text": one address or CIDR per
    line, extra comma- or space-separated columns ignored). `data_date` is the packaged copy's.
    """

    name: str
    kind: str
    operator: str | None
    data_date: dt.date | None
    files: tuple[PackagedFile, ...]
    formats: tuple[str, ...]
    description: str
    upstream: str


def _spec(
    name: str,
    kind: str,
    operator: str | None,
    date: str | None,
    files: Sequence[str],
    description: str,
    upstream: str,
    *,
    key: str | None = None,
    formats: tuple[str, ...] = ("json", "text"),
) -> RangeListSpec:
    return RangeListSpec(
        name=name,
        kind=kind,
        operator=operator,
        data_date=dt.date.fromisoformat(date) if date else None,
        files=tuple(PackagedFile(f, key) for f in files),
        formats=formats,
        description=description,
        upstream=upstream,
    )


_TEXT = ("text",)

#: The day of the lord-alfred/ipranges copy the bing, duckduckgo, perplexity and meta lists come
#: from. It re-fetches every list from its operator daily, so a file unchanged that day was the
#: operator's list that day, however long ago the operator generated it: a list's date says
#: until when it was known to be current (Bing's bingbot.json still says 2024-01-03).
LORD_ALFRED_SNAPSHOT: Final = "2026-08-22"

RANGE_LISTS: tuple[RangeListSpec, ...] = (
    _spec(
        "google-common",
        "crawler",
        "google",
        "2026-08-20",
        ["googlebot.json"],
        "Googlebot and Google's other common crawlers",
        "https://developers.google.com/static/search/apis/ipranges/googlebot.json",
    ),
    _spec(
        "google-special",
        "crawler",
        "google",
        "2026-08-20",
        ["googlesc.json"],
        "Google special-case crawlers (AdsBot, Mediapartners, APIs-Google, Google-Safety)",
        "https://developers.google.com/static/search/apis/ipranges/special-crawlers.json",
    ),
    _spec(
        "google-user-triggered",
        "crawler",
        "google",
        "2026-08-20",
        ["googleutf.json"],
        "Google user-triggered fetchers (FeedFetcher, Read-Aloud, Site-Verification, ...)",
        "https://developers.google.com/static/search/apis/ipranges/user-triggered-fetchers.json",
    ),
    _spec(
        "bing",
        "crawler",
        "bing",
        LORD_ALFRED_SNAPSHOT,
        ["bingbot-ipv4.txt"],
        "Bingbot, BingPreview, msnbot (IPv4 prefixes of Bing's bingbot.json)",
        "https://www.bing.com/toolbox/bingbot.json",
    ),
    _spec(
        "duckduckgo",
        "crawler",
        "duckduckgo",
        LORD_ALFRED_SNAPSHOT,
        ["duckduckbot-ipv4.txt"],
        "DuckDuckBot and DuckAssistBot",
        "https://duckduckgo.com/duckduckbot.json",
    ),
    _spec(
        "apple",
        "crawler",
        "apple",
        "2026-09-15",
        ["applebot.json"],
        "Applebot",
        "https://search.developer.apple.com/applebot.json",
    ),
    _spec(
        "openai-gptbot",
        "crawler",
        "openai",
        "2025-10-30",
        ["openai.json"],
        "GPTBot",
        "https://openai.com/gptbot.json",
        key="gptbot",
    ),
    _spec(
        "openai-searchbot",
        "crawler",
        "openai",
        "2026-01-02",
        ["openai.json"],
        "OAI-SearchBot",
        "https://openai.com/searchbot.json",
        key="searchbot",
    ),
    _spec(
        "openai-chatgpt-user",
        "crawler",
        "openai",
        "2026-08-14",
        ["openai.json"],
        "ChatGPT-User",
        "https://openai.com/chatgpt-user.json",
        key="chatgptUser",
    ),
    _spec(
        "anthropic",
        "crawler",
        "anthropic",
        "2026-10-07",
        ["anthropic.json"],
        "ClaudeBot, Claude-User, Claude-SearchBot",
        "https://claude.com/crawling/bots.json",
    ),
    _spec(
        "perplexity",
        "crawler",
        "perplexity",
        LORD_ALFRED_SNAPSHOT,
        ["perplexity-ipv4.txt"],
        "PerplexityBot and Perplexity-User",
        "https://www.perplexity.ai/perplexitybot.json (+ perplexity-user.json)",
    ),
    _spec(
        "meta",
        "crawler",
        "meta",
        LORD_ALFRED_SNAPSHOT,
        ["meta-asn-ipv4_merged.txt", "meta-asn-ipv6_merged.txt"],
        "all routes of Meta's ASNs (AS32934, AS54115, AS63293, AS149642); Meta publishes no "
        "crawler-only list",
        "routes of Meta's ASNs (e.g. whois -h whois.radb.net -- '-i origin AS32934')",
    ),
    _spec(
        "amazon",
        "crawler",
        "amazon",
        None,
        [],
        "Amazonbot (no packaged copy; supply Amazon's list to enable verification)",
        "https://developer.amazon.com/amazonbot/ip-addresses/",
    ),
    _spec(
        "icloud-relay",
        "shared",
        None,
        "2026-08-10",
        ["icloud-private-relay-ipv4_merged.txt", "icloud-private-relay-ipv6_merged.txt"],
        "iCloud Private Relay egress ranges (real Safari users behind a relay)",
        "https://mask-api.icloud.com/egress-ip-ranges.csv",
        formats=_TEXT,
    ),
    _spec(
        "datacenter",
        "datacenter",
        None,
        "2026-08-15",
        ["x4bnet-datacenter-ipv4.txt", "x4bnet-datacenter-ipv6.txt"],
        "X4BNet hosting/datacenter networks (not eyeball networks)",
        "https://github.com/X4BNet/lists_vpn (output/datacenter/)",
        formats=_TEXT,
    ),
    _spec(
        "vpn",
        "vpn",
        None,
        "2026-08-15",
        ["x4bnet-vpn-ipv4.txt", "x4bnet-vpn-ipv6.txt"],
        "X4BNet commercial VPN networks",
        "https://github.com/X4BNet/lists_vpn (output/vpn/)",
        formats=_TEXT,
    ),
    _spec(
        "tor",
        "tor",
        None,
        "2026-08-22",
        ["tor-exit-nodes.list"],
        "Tor exit addresses",
        "https://check.torproject.org/torbulkexitlist",
        formats=_TEXT,
    ),
)

_SPECS: dict[str, RangeListSpec] = {spec.name: spec for spec in RANGE_LISTS}
_ORIGIN_TAG_OF_LIST = {
    "icloud-relay": TAG_SHARED_ICLOUD,
    "datacenter": TAG_DATACENTER,
    "vpn": TAG_VPN,
    "tor": TAG_TOR,
}


@dataclass(frozen=True, slots=True)
class RangeListInfo:
    """What `list_range_lists` reports for one list.

    `source` is "override" (a file the user supplied), "packaged" or "none" (no data at all);
    `path` is the override file's path, or the packaged file names ("a.txt, b.txt"), or None.
    `prefixes` counts the entries as listed (before merging).
    """

    name: str
    kind: str
    operator: str | None
    data_date: dt.date | None
    prefixes: int
    source: str
    path: str | None
    description: str


@dataclass(frozen=True, slots=True)
class _LoadedList:
    spec: RangeListSpec
    intervals: tuple[tuple[int, int], ...]
    data_date: dt.date | None
    source: str
    path: str | None


@dataclass(frozen=True, slots=True)
class CrawlerRanges:
    """One operator-published crawler range list, loaded: its prefixes and data date."""

    name: str
    operator: str
    data_date: dt.date | None
    source: str
    files: str
    prefixes: PrefixSet

    @property
    def date_epoch(self) -> float | None:
        """The data date as seconds since the epoch (midnight UTC), or None when unknown."""
        return date_epoch(self.data_date)


def date_epoch(date: dt.date | None) -> float | None:
    """A list's data date as seconds since the epoch (midnight UTC), or None when unknown."""
    if date is None:
        return None
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp()


def ranges_override_dir() -> Path:
    """The directory whose files override the packaged range lists.

    ``$SCRAPEGUARD_RANGES_DIR`` if set, else ``$XDG_DATA_HOME/scrapeguard/ranges``, else
    ``~/.local/share/scrapeguard/ranges``.
    """
    explicit = os.environ.get("SCRAPEGUARD_RANGES_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "scrapeguard" / "ranges"


def _override_path(name: str, data_dir: str | os.PathLike[str] | None) -> Path:
    base = Path(data_dir).expanduser() if data_dir is not None else ranges_override_dir()
    return base / f"{name}.txt"


_DATE_HEADER = re.compile(
    r"^#\s*(?:data-date|last[ -]updated|date|creationTime)\s*:?\s*(\d{4}-\d{2}-\d{2})", re.I
)


_FIRST_FIELD = re.compile(r"[\s,;#]")


def _text_prefixes(text: str, origin: str) -> tuple[list[tuple[int, int]], dt.date | None]:
    """Parse a one-address-or-CIDR-per-line file; comments start with '#'."""
    out: list[tuple[int, int]] = []
    date: dt.date | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            match = _DATE_HEADER.match(line)
            if match and date is None:
                date = _safe_date(match.group(1))
            continue
        parsed = parse_cidr(line)  # most lines are the address alone
        token = line
        if parsed is None:
            token = _FIRST_FIELD.split(line, maxsplit=1)[0]
            parsed = parse_cidr(token)
        if parsed is None:
            raise RangeListError(
                f"{origin}, line {lineno}: {token!r} is not a valid IPv4/IPv6 address or CIDR "
                "prefix"
            )
        out.append(parsed)
    return out, date


_PREFIX_KEYS = ("ipv4Prefix", "ipv6Prefix", "ip_prefix", "ipv6_prefix", "prefix", "cidr")
_CONTAINER_KEYS = ("prefixes", "ipv4Prefixes", "ipv6Prefixes", "ipv6_prefixes", "cidrs")
_DATE_KEYS = ("creationTime", "createDate", "lastUpdated", "last_updated_timestamp")


def _json_prefixes(
    text: str,
    origin: str,
    key: str | None,
) -> tuple[list[tuple[int, int]], dt.date | None]:
    """Parse an operator's JSON list: ``{"creationTime": ..., "prefixes": [{"ipv4Prefix": ...}]}``.

    `key` selects a sub-object first when present (OpenAI's feeds combined in one file).
    """
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RangeListError(f"{origin}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if key is not None and isinstance(doc, dict) and isinstance(doc.get(key), dict):
        doc = doc[key]
    if isinstance(doc, list):
        containers: list[Any] = [doc]
    elif isinstance(doc, dict):
        containers = [doc[k] for k in _CONTAINER_KEYS if isinstance(doc.get(k), list)]
    else:
        containers = []
    if not containers:
        raise RangeListError(f"{origin}: JSON holds no 'prefixes' list")
    out: list[tuple[int, int]] = []
    for container in containers:
        for item in container:
            value = _json_prefix_value(item)
            parsed = parse_cidr(value.strip()) if value is not None else None
            if parsed is None:
                shown = value if value is not None else json.dumps(item)
                raise RangeListError(
                    f"{origin}, line {_line_of(text, shown)}: {shown!r} is not a valid "
                    "IPv4/IPv6 address or CIDR prefix"
                )
            out.append(parsed)
    date = None
    if isinstance(doc, dict):
        for date_key in _DATE_KEYS:
            if isinstance(doc.get(date_key), str):
                date = _safe_date(doc[date_key][:10])
                break
    return out, date


def _json_prefix_value(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for k in _PREFIX_KEYS:
            if isinstance(item.get(k), str):
                return str(item[k])
    return None


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def _safe_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _parse_list_text(
    text: str,
    origin: str,
    spec: RangeListSpec,
    key: str | None,
) -> tuple[list[tuple[int, int]], dt.date | None]:
    """Parse a list file in whichever of the list's accepted formats it is written in."""
    looks_json = text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
    if looks_json:
        if "json" not in spec.formats:
            raise RangeListError(
                f"{origin}, line 1: list {spec.name!r} takes one address or CIDR per line, not JSON"
            )
        return _json_prefixes(text, origin, key)
    return _text_prefixes(text, origin)


def _load_packaged(spec: RangeListSpec) -> _LoadedList:
    root = resources.files("scrapeguard").joinpath("data").joinpath("ranges")
    intervals: list[tuple[int, int]] = []
    for packaged in spec.files:
        text = root.joinpath(packaged.file).read_text(encoding="utf-8")
        parsed, _ = _parse_list_text(text, f"packaged {packaged.file}", spec, packaged.key)
        intervals.extend(parsed)
    source = "packaged" if spec.files else "none"
    files = ", ".join(p.file for p in spec.files) or None
    return _LoadedList(spec, tuple(intervals), spec.data_date, source, files)


def _load_override(spec: RangeListSpec, path: Path) -> _LoadedList:
    text = path.read_text(encoding="utf-8")
    intervals, date = _text_prefixes(text, str(path))
    return _LoadedList(spec, tuple(intervals), date, "override", str(path))


_LIST_CACHE: dict[tuple[str, str, int], _LoadedList] = {}


def _load_list(spec: RangeListSpec, override_dir: Path | None) -> _LoadedList:
    """The user's override of a list when there is one, else the packaged copy (cached)."""
    path = override_dir / f"{spec.name}.txt" if override_dir is not None else None
    try:
        stamp = path.stat().st_mtime_ns if path is not None else -1
    except OSError:
        stamp = -1
    cache_key = (spec.name, str(path) if stamp >= 0 else "", stamp)
    loaded = _LIST_CACHE.get(cache_key)
    if loaded is None:
        if path is not None and stamp >= 0:
            loaded = _load_override(spec, path)
        else:
            loaded = _load_packaged(spec)
        _LIST_CACHE[cache_key] = loaded
    return loaded


# --------------------------------------------------------------------------- NetworkData


class NetworkData:
    """Range lists loaded lazily: crawler ranges per operator and origin tags per address.

    `extra_shared_ranges` are the site's own shared-address ranges (e.g. a mobile carrier's NAT
    pool, from ``network.shared_ranges`` in the site model); they tag as ``shared:configured``.
    `override_dir` defaults to `ranges_override_dir()`; `use_overrides=False` reads only the
    packaged copies.
    """

    def __init__(
        self,
        extra_shared_ranges: Iterable[str] = (),
        *,
        override_dir: str | os.PathLike[str] | None = None,
        use_overrides: bool = True,
    ) -> None:
        """Validate `extra_shared_ranges` now (`RangeListError` names a bad entry); load later."""
        self._extra = _parse_extra(extra_shared_ranges)
        if not use_overrides:
            self._override_dir: Path | None = None
        elif override_dir is not None:
            self._override_dir = Path(override_dir).expanduser()
        else:
            self._override_dir = ranges_override_dir()
        self._origin_set: PrefixSet | None = None
        self._crawlers: dict[str, tuple[CrawlerRanges, ...]] | None = None

    @property
    def override_dir(self) -> Path | None:
        """Where this instance looks for the user's overrides (None: packaged data only)."""
        return self._override_dir

    def _list(self, name: str) -> _LoadedList:
        return _load_list(_SPECS[name], self._override_dir)

    def origin(self, ip: str) -> frozenset[str]:
        """Origin tags of `ip`: any of ``shared:cgnat``, ``shared:icloud-relay``,
        ``shared:private``, ``shared:configured``, ``datacenter``, ``vpn``, ``tor``.

        ``shared:*`` means many people may stand behind the address; treat it as a guard
        against false positives, ahead of ``datacenter``/``vpn`` (the VPN list also holds some
        relay ranges). Check crawler ranges before acting on ``datacenter``. Invalid addresses
        have no tags.
        """
        prefixes = self._origin_set
        if prefixes is None:
            prefixes = self._origin_set = self._build_origin()
        return prefixes.tags(ip)

    def preload(self) -> None:
        """Load every list and build the lookup tables now (about 0.3 s) instead of on first use."""
        self.origin("0.0.0.0")
        self.crawler_table()

    def origin_of_block(self, block: str) -> frozenset[str] | None:
        """Origin tags that hold for every address of an IPv4 /24 given as `a.b.c`, or None
        when the block is split between lists (then ask `origin` per address)."""
        first = ip_to_int(block + ".0")
        if first is None:
            return None
        prefixes = self._origin_set
        if prefixes is None:
            prefixes = self._origin_set = self._build_origin()
        return prefixes.uniform_tags(first, first + 255)

    def is_shared(self, ip: str) -> bool:
        """True when many people may share `ip` (any ``shared:*`` origin tag)."""
        return any(tag.startswith("shared:") for tag in self.origin(ip))

    def _build_origin(self) -> PrefixSet:
        lists: list[tuple[str, Sequence[tuple[int, int]]]] = [
            (TAG_SHARED_CGNAT, _parse_all([CGNAT_RANGE])),
            (TAG_SHARED_PRIVATE, _parse_all(PRIVATE_RANGES)),
            (TAG_SHARED_CONFIGURED, self._extra),
        ]
        for name, tag in _ORIGIN_TAG_OF_LIST.items():
            lists.append((tag, self._list(name).intervals))
        return PrefixSet.from_intervals(lists)

    def crawler_table(self) -> dict[str, tuple[CrawlerRanges, ...]]:
        """Every operator's published crawler range lists (lists without data are left out)."""
        if self._crawlers is None:
            table: dict[str, list[CrawlerRanges]] = {}
            for spec in RANGE_LISTS:
                if spec.kind != "crawler" or spec.operator is None:
                    continue
                table.setdefault(spec.operator, [])
                loaded = self._list(spec.name)
                if not loaded.intervals:
                    continue
                files = (
                    Path(loaded.path).name
                    if loaded.source == "override" and loaded.path
                    else ", ".join(p.file + (f" ({p.key})" if p.key else "") for p in spec.files)
                )
                table[spec.operator].append(
                    CrawlerRanges(
                        name=spec.name,
                        operator=spec.operator,
                        data_date=loaded.data_date,
                        source=loaded.source,
                        files=files,
                        prefixes=PrefixSet.from_intervals([(spec.name, loaded.intervals)]),
                    )
                )
            self._crawlers = {op: tuple(lists) for op, lists in table.items()}
        return self._crawlers

    def crawler_ranges(self, operator: str) -> tuple[CrawlerRanges, ...]:
        """The loaded crawler range lists of `operator` ("google", "bing", ...); () if none."""
        return self.crawler_table().get(operator, ())

    def list_info(self) -> list[RangeListInfo]:
        """Name, kind, operator, data date, prefix count and source of every list."""
        out: list[RangeListInfo] = []
        for spec in RANGE_LISTS:
            loaded = self._list(spec.name)
            out.append(
                RangeListInfo(
                    name=spec.name,
                    kind=spec.kind,
                    operator=spec.operator,
                    data_date=loaded.data_date,
                    prefixes=len(loaded.intervals),
                    source=loaded.source,
                    path=loaded.path,
                    description=spec.description,
                )
            )
        return out


def _parse_extra(cidrs: Iterable[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cidr in cidrs:
        parsed = parse_cidr(cidr.strip()) if isinstance(cidr, str) else None
        if parsed is None:
            raise RangeListError(f"shared range {cidr!r} is not a valid IPv4/IPv6 CIDR prefix")
        out.append(parsed)
    return out


_DEFAULT: NetworkData | None = None


def network_data() -> NetworkData:
    """The process-wide `NetworkData` (no extra shared ranges, default override directory)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = NetworkData()
    return _DEFAULT


def reload_network_data() -> None:
    """Forget every loaded list, so the next use re-reads packaged data and overrides."""
    global _DEFAULT
    _DEFAULT = None
    _LIST_CACHE.clear()


def list_range_lists(data_dir: str | os.PathLike[str] | None = None) -> list[RangeListInfo]:
    """Every known range list with its data date, prefix count and source (for the CLI)."""
    return NetworkData(override_dir=data_dir).list_info()


# --------------------------------------------------------------------------- refresh


def update_range_list(
    name: str,
    source_path: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    data_date: dt.date | None = None,
) -> int:
    """Validate the user's copy of list `name` and install it as an override; return its size.

    The file may be in any format the list accepts (see `RangeListSpec.formats`): the
    operator's JSON, or one address/CIDR per line. Its data date, the day it was known to be
    the operator's current list, is `data_date`, else the later of the date inside the file
    (``creationTime``, a ``# Last updated:`` header) and the file's modification date (the day
    it was downloaded): an operator keeps the date inside its list until the list changes, so
    Bing's current list says 2024-01-03, and it is current the day it is downloaded. The
    override is written to `data_dir` (default `ranges_override_dir()`) as ``NAME.txt`` and
    wins over the packaged copy. Raises `RangeListError` naming the file and line of the first
    bad entry; never uses the network.
    """
    spec = _SPECS.get(name)
    if spec is None:
        known = ", ".join(sorted(_SPECS))
        raise RangeListError(f"unknown range list {name!r}; known lists: {known}")
    path = Path(source_path).expanduser()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RangeListError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise RangeListError(f"{path}: not a UTF-8 text file") from None
    key = spec.files[0].key if spec.files else None
    intervals, found_date = _parse_list_text(text, str(path), spec, key)
    if not intervals:
        raise RangeListError(f"{path}: holds no addresses or prefixes")
    if data_date is None:
        downloaded = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()
        data_date = downloaded if found_date is None else max(found_date, downloaded)
    target = _override_path(name, data_dir)
    _write_override(target, spec, path, data_date, intervals)
    reload_network_data()
    return len(intervals)


def _format_interval(start: int, end: int) -> str:
    size = end - start + 1
    bits = size.bit_length() - 1
    if start >> 32 == 0xFFFF:
        return (
            f"{socket.inet_ntop(socket.AF_INET, (start & 0xFFFFFFFF).to_bytes(4, 'big'))}/"
            f"{32 - bits}"
        )
    return f"{socket.inet_ntop(socket.AF_INET6, start.to_bytes(16, 'big'))}/{128 - bits}"


def _write_override(
    target: Path,
    spec: RangeListSpec,
    source: Path,
    date: dt.date,
    intervals: Sequence[tuple[int, int]],
) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        f"# scrapeguard range list: {spec.name} ({spec.description})",
        f"# data-date: {date.isoformat()}",
        f"# source: {source} (imported {now})",
        f"# prefixes: {len(intervals)}",
    ]
    lines.extend(_format_interval(s, e) for s, e in intervals)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{spec.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
