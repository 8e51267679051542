"""Address arithmetic and prefix sets, checked against the standard library's `ipaddress`."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.netranges import PrefixSet, ip_to_int, parse_cidr

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
V4_MAPPED = 0xFFFF << 32


def as_int(address: Address) -> int:
    """The integer `ip_to_int` should give: IPv4 as ::ffff:a.b.c.d."""
    return int(address) | V4_MAPPED if address.version == 4 else int(address)


def contains(network: Network, address: Address) -> bool:
    """Whether `network` holds `address` in the one 128-bit space of `ip_to_int`, where an
    IPv4 address is its IPv4-mapped IPv6 one (::ffff:a.b.c.d), whichever way it is written."""
    value = as_int(address)
    return as_int(network.network_address) <= value <= as_int(network.broadcast_address)


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """Prefixes of any length, clustered in a few places so that they overlap and touch."""
    v6 = draw(st.booleans())
    bits = 128 if v6 else 32
    base = draw(st.sampled_from((0x2001_0DB8 << 96, 0xFE80 << 112) if v6 else (0xC0000200, 0)))
    length = draw(st.integers(max(0, bits - 12), bits) | st.integers(0, bits))
    offset = draw(st.integers(0, (1 << min(16, bits)) - 1))
    value = base + offset
    return ipaddress.ip_network((value, length) if v6 else (value, length), strict=False)


@given(st.ip_addresses())
def test_an_address_is_the_integer_ipaddress_makes_it(address: Address) -> None:
    assert ip_to_int(str(address)) == as_int(address)
    if address.version == 6:
        assert ip_to_int(address.exploded) == as_int(address)


@given(st.text(max_size=45))
def test_text_that_is_no_address_is_no_integer(text: str) -> None:
    try:
        parsed: Address | None = ipaddress.ip_address(text)
    except ValueError:
        parsed = None
    value = ip_to_int(text)
    if parsed is not None:
        assert value == as_int(parsed)
    elif "%" not in text:  # an empty zone ("fe80::1%") is ignored here, refused there
        assert value is None


@given(networks())
def test_a_prefix_spans_the_addresses_ipaddress_gives_it(network: Network) -> None:
    assert parse_cidr(str(network)) == (
        as_int(network.network_address),
        as_int(network.broadcast_address),
    )


@given(
    st.lists(st.tuples(st.sampled_from("abc"), networks()), max_size=12),
    st.lists(st.ip_addresses(), max_size=10),
)
def test_a_prefix_set_answers_as_its_prefixes_do(
    listed: list[tuple[str, Network]], others: list[Address]
) -> None:
    order: list[str] = []
    by_name: dict[str, list[str]] = {}
    for name, network in listed:
        if name not in by_name:
            order.append(name)
        by_name.setdefault(name, []).append(str(network))
    prefixes = PrefixSet.from_lists([(name, by_name[name]) for name in order])
    nets = [(name, network) for name, network in listed]
    # Probe every edge of every prefix and its neighbours, and some addresses anywhere.
    probes: list[Address] = list(others)
    for _, network in nets:
        for edge in (network.network_address, network.broadcast_address):
            probes.append(edge)
            if int(edge) > 0:
                probes.append(edge - 1)
            if int(edge) < (1 << edge.max_prefixlen) - 1:
                probes.append(edge + 1)
    for address in probes:
        holding = {name for name, network in nets if contains(network, address)}
        text = str(address)
        assert prefixes.tags(text) == holding, text
        assert prefixes.contains(text) == bool(holding)
        first = next((name for name in order if name in holding), None)
        assert prefixes.lookup(text) == first
    covered = [(as_int(n.network_address), as_int(n.broadcast_address)) for _, n in nets]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(covered):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    assert prefixes.intervals() == merged


@given(st.lists(st.tuples(st.sampled_from("ab"), networks()), max_size=8), st.data())
def test_a_block_has_uniform_tags_only_when_every_address_in_it_has_them(
    listed: list[tuple[str, Network]], data: st.DataObject
) -> None:
    """`uniform_tags` answers a whole /24 at once (the engine's shortcut for IPv4): it may say
    "mixed" (None) when unsure, but a set it gives must hold for every address of the block."""
    by_name: dict[str, list[str]] = {}
    for name, network in listed:
        by_name.setdefault(name, []).append(str(network))
    prefixes = PrefixSet.from_lists(list(by_name.items()))
    block = data.draw(st.sampled_from([0xC0000200, 0xC0000000, 0, 0xC0000300]))
    first = as_int(ipaddress.IPv4Address(block & ~0xFF))
    tags = prefixes.uniform_tags(first, first + 255)
    if tags is None:
        return
    for offset in range(256):
        address = ipaddress.IPv4Address((block & ~0xFF) + offset)
        assert prefixes.tags(str(address)) == tags
