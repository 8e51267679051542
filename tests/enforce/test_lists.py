"""Access lists: addresses, ranges and accounts with expiry, longest prefix first."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.enforce.lists import AccessList, ListEntry

NOW = 1_700_000_000.0


def matched(lst: AccessList, ip: str, account: str | None = None, now: float = NOW) -> str | None:
    entry = lst.match(ip, account, now)
    return None if entry is None else entry.value


def test_empty_list_is_false_and_matches_nothing() -> None:
    lst = AccessList("blocklist")
    assert not lst
    assert len(lst) == 0
    assert lst.match("203.0.113.7", "alice", NOW) is None
    assert lst.entries(NOW) == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("198.51.100.7", "198.51.100.7/32"),
        ("203.0.113.9/24", "203.0.113.0/24"),
        (" 203.0.113.0/24 ", "203.0.113.0/24"),
        ("2001:DB8::1", "2001:db8::1/128"),
        ("2001:db8:ffff::/32", "2001:db8::/32"),
        ("fe80::1%eth0", "fe80::1/128"),
        ("::ffff:192.0.2.0/120", "192.0.2.0/24"),
        ("::ffff:192.0.2.1", "192.0.2.1/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("::/0", "::/0"),
    ],
)
def test_values_are_normalised(given: str, stored: str) -> None:
    lst = AccessList("blocklist")
    entry = lst.add(given, reason="test", now=NOW)
    assert entry == ListEntry("ip", stored, None, "test", NOW)
    assert lst.entries(NOW) == [entry]


def test_ipv4_exact_and_range() -> None:
    lst = AccessList("blocklist")
    lst.add("198.51.100.7")
    lst.add("203.0.113.0/24")
    assert matched(lst, "198.51.100.7") == "198.51.100.7/32"
    assert matched(lst, "198.51.100.8") is None
    assert matched(lst, "203.0.113.0") == "203.0.113.0/24"
    assert matched(lst, "203.0.113.255") == "203.0.113.0/24"
    assert matched(lst, "203.0.114.0") is None
    assert matched(lst, "203.0.112.255") is None


def test_ipv6_exact_and_range() -> None:
    lst = AccessList("blocklist")
    lst.add("2001:db8::/32")
    lst.add("2001:db9::5")
    assert matched(lst, "2001:db8:1234::1") == "2001:db8::/32"
    assert matched(lst, "2001:DB8:ffff:ffff:ffff:ffff:ffff:ffff") == "2001:db8::/32"
    assert matched(lst, "2001:db9::5") == "2001:db9::5/128"
    assert matched(lst, "2001:db9:0:0:0:0:0:5") == "2001:db9::5/128"
    assert matched(lst, "2001:db9::5%eth0") == "2001:db9::5/128"
    assert matched(lst, "2001:db9::6") is None
    assert matched(lst, "2001:db7::1") is None


def test_versions_do_not_mix() -> None:
    lst = AccessList("blocklist")
    lst.add("::/0")
    assert matched(lst, "192.0.2.1") is None
    assert matched(lst, "2001:db8::1") == "::/0"
    lst.add("0.0.0.0/0")
    assert matched(lst, "192.0.2.1") == "0.0.0.0/0"
    assert matched(lst, "::1") == "::/0"


def test_ipv4_mapped_address_matches_the_ipv4_entry() -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.0/24")
    assert matched(lst, "::ffff:192.0.2.77") == "192.0.2.0/24"
    assert matched(lst, "::FFFF:c000:0201") == "192.0.2.0/24"
    assert matched(lst, "::ffff:192.0.3.1") is None


def test_longest_prefix_wins() -> None:
    lst = AccessList("allowlist")
    lst.add("10.0.0.0/8", reason="office")
    lst.add("10.1.0.0/16", reason="lab")
    lst.add("10.1.2.3", reason="printer")
    assert matched(lst, "10.1.2.3") == "10.1.2.3/32"
    assert matched(lst, "10.1.2.4") == "10.1.0.0/16"
    assert matched(lst, "10.2.0.1") == "10.0.0.0/8"
    lst.remove("10.1.0.0/16")
    assert matched(lst, "10.1.2.4") == "10.0.0.0/8"


def test_account_entry_wins_over_ip_entry() -> None:
    lst = AccessList("blocklist")
    lst.add("203.0.113.0/24", reason="range")
    lst.add("mallory", kind="account", reason="scraper account")
    entry = lst.match("203.0.113.5", "mallory", NOW)
    assert entry is not None and entry.kind == "account" and entry.reason == "scraper account"
    assert matched(lst, "198.51.100.1", "mallory") == "mallory"
    assert matched(lst, "203.0.113.5", "alice") == "203.0.113.0/24"
    assert matched(lst, "203.0.113.5", None) == "203.0.113.0/24"
    assert matched(lst, "198.51.100.1", "alice") is None


def test_account_ids_are_exact() -> None:
    lst = AccessList("blocklist")
    lst.add("Mallory", kind="account")
    assert matched(lst, "192.0.2.1", "mallory") is None
    assert matched(lst, "192.0.2.1", "Mallory") == "Mallory"
    assert matched(lst, "Mallory") is None


@pytest.mark.parametrize(
    ("now", "active"),
    [(NOW + 99.999, True), (NOW + 100, False), (NOW + 100.001, False)],
)
def test_expiry_on_injected_time(now: float, active: bool) -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.0/24", expires=NOW + 100, now=NOW)
    lst.add("mallory", kind="account", expires=NOW + 100, now=NOW)
    assert (matched(lst, "192.0.2.9", now=now) is not None) is active
    assert (matched(lst, "198.51.100.1", "mallory", now=now) is not None) is active
    assert len(lst.entries(now)) == (2 if active else 0)


def test_expired_entries_are_dropped_lazily() -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.1", expires=NOW + 10)
    lst.add("mallory", kind="account", expires=NOW + 10)
    assert len(lst) == 2
    assert lst.match("192.0.2.1", "mallory", NOW + 10) is None
    assert len(lst) == 0
    assert not lst


def test_expired_longer_prefix_falls_back_to_shorter() -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.0/24", reason="range")
    lst.add("192.0.2.1", expires=NOW + 10, reason="temporary")
    assert matched(lst, "192.0.2.1") == "192.0.2.1/32"
    assert matched(lst, "192.0.2.1", now=NOW + 10) == "192.0.2.0/24"


def test_expired_account_falls_back_to_ip() -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.1")
    lst.add("mallory", kind="account", expires=NOW + 10)
    assert matched(lst, "192.0.2.1", "mallory", now=NOW + 10) == "192.0.2.1/32"


def test_entries_drop_expired_and_sort_for_display() -> None:
    lst = AccessList("blocklist")
    lst.add("zed", kind="account")
    lst.add("2001:db8::/32")
    lst.add("198.51.100.0/24")
    lst.add("10.0.0.0/8", expires=NOW)
    lst.add("9.9.9.9")
    lst.add("198.51.100.7")
    lst.add("adam", kind="account")
    values = [entry.value for entry in lst.entries(NOW)]
    assert values == [
        "9.9.9.9/32",
        "198.51.100.0/24",
        "198.51.100.7/32",
        "2001:db8::/32",
        "adam",
        "zed",
    ]
    assert len(lst) == 6


def test_add_replaces_an_entry() -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.1", expires=NOW + 10, reason="first")
    lst.add("192.0.2.1/32", reason="second")
    assert len(lst) == 1
    entry = lst.match("192.0.2.1", None, NOW + 20)
    assert entry is not None and entry.reason == "second" and entry.expires is None


def test_remove() -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.0/24")
    lst.add("mallory", kind="account")
    assert lst.remove("192.0.2.77/24")
    assert not lst.remove("192.0.2.0/24")
    assert not lst.remove("192.0.2.0/25")
    assert matched(lst, "192.0.2.1") is None
    assert lst.remove("mallory", kind="account")
    assert not lst.remove("mallory", kind="account")
    assert not lst


def test_remove_does_not_touch_other_entries_of_the_same_prefix_length() -> None:
    lst = AccessList("blocklist")
    lst.add("192.0.2.1")
    lst.add("192.0.2.2")
    assert lst.remove("192.0.2.1")
    assert matched(lst, "192.0.2.2") == "192.0.2.2/32"


@pytest.mark.parametrize(
    "value",
    ["", "nonsense", "192.0.2.1/33", "2001:db8::/129", "192.0.2.256", "192.0.2.1/", "1.2.3.4/-1"],
)
def test_invalid_ip_is_rejected_with_the_list_name(value: str) -> None:
    lst = AccessList("blocklist")
    with pytest.raises(ValueError, match=r"^blocklist: .* is not an IP address or CIDR range"):
        lst.add(value)
    with pytest.raises(ValueError, match="blocklist"):
        lst.remove(value)
    assert not lst


def test_invalid_kind_account_and_expiry_are_rejected() -> None:
    lst = AccessList("allowlist")
    with pytest.raises(ValueError, match="unknown kind 'user'"):
        lst.add("alice", kind="user")
    with pytest.raises(ValueError, match="account id"):
        lst.add("", kind="account")
    with pytest.raises(ValueError, match="finite"):
        lst.add("192.0.2.1", expires=float("nan"))
    assert not lst


@pytest.mark.parametrize(
    "ip", ["", "unknown", "192.0.2", "192.0.2.1:80", "[2001:db8::1]", "\x00", "\udcff", "é" * 50]
)
def test_unparsable_ip_matches_no_ip_entry(ip: str) -> None:
    lst = AccessList("blocklist")
    lst.add("0.0.0.0/0")
    lst.add("::/0")
    lst.add("mallory", kind="account")
    assert lst.match(ip, None, NOW) is None
    assert matched(lst, ip, "mallory") == "mallory"


def test_ten_thousand_addresses_and_some_ranges() -> None:
    lst = AccessList("blocklist")
    for i in range(10_000):
        lst.add(f"100.{64 + i // 65536}.{i // 256 % 256}.{i % 256}", reason=f"host {i}")
    lst.add("100.64.0.0/16", reason="range16")
    lst.add("100.64.128.0/17", reason="range17")
    lst.add("2001:db8::/48", reason="v6")
    assert len(lst) == 10_003
    for i in (0, 1, 255, 256, 4_999, 9_999):
        entry = lst.match(f"100.64.{i // 256}.{i % 256}", None, NOW)
        assert entry is not None and entry.reason == f"host {i}"
    miss = lst.match("100.64.39.17", None, NOW)
    assert miss is not None and miss.reason == "range16"
    miss = lst.match("100.64.200.1", None, NOW)
    assert miss is not None and miss.reason == "range17"
    assert lst.match("100.65.0.0", None, NOW) is None
    v6 = lst.match("2001:db8:0:1::1", None, NOW)
    assert v6 is not None and v6.reason == "v6"
    assert lst.match("2001:db8:1::1", None, NOW) is None


@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.integers(0, (1 << 24) - 1),
            st.integers(0, 32) | st.integers(16, 32),
            st.integers(0, (1 << 20) - 1),
            st.integers(0, 128) | st.integers(40, 64),
        ),
        max_size=12,
    ),
    st.lists(st.integers(0, (1 << 24) - 1) | st.integers(0, (1 << 20) - 1), max_size=6),
)
def test_the_longest_prefix_holding_an_address_is_its_entry(
    ranges: list[tuple[bool, int, int, int, int]], probes: list[int]
) -> None:
    """Entries and addresses clustered in 198.51.0.0/16-ish and 2001:db8::/32-ish space so
    that they nest; the answer is checked against ipaddress."""
    lists = AccessList("blocklist")
    networks: dict[str, ipaddress.IPv4Network | ipaddress.IPv6Network] = {}
    for v6, low4, len4, low6, len6 in ranges:
        if v6:
            net: ipaddress.IPv4Network | ipaddress.IPv6Network = ipaddress.IPv6Network(
                ((0x20010DB8 << 96) | (low6 << 76), len6), strict=False
            )
        else:
            net = ipaddress.IPv4Network(((0xC6 << 24) | low4, len4), strict=False)
        entry = lists.add(str(net), reason=str(net))
        networks[entry.value] = net
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for p in probes:
        addresses.append(ipaddress.IPv4Address((0xC6 << 24) | (p & 0xFFFFFF)))
        addresses.append(ipaddress.IPv6Address((0x20010DB8 << 96) | (p << 76)))
    for net in networks.values():  # every entry's edges, as address text both ways
        addresses += [net.network_address, net.broadcast_address]
    for address in addresses:
        holding = [n for n in networks.values() if n.version == address.version and address in n]
        expected = max(holding, key=lambda n: n.prefixlen, default=None)
        texts = [str(address)]
        if address.version == 4:
            texts.append(f"::ffff:{address}")  # as a dual-stack socket gives it
        for text in texts:
            found = lists.match(text, None, 0.0)
            assert (found.value if found else None) == (str(expected) if expected else None), text
