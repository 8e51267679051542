"""Address keys: the networks an address is counted in."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.events import ipv6_prefix, ipv6_prefixes, network_of

WIDTHS = (64, 56, 48)


@given(st.ip_addresses(v=6), st.booleans())
def test_an_ipv6_address_is_counted_in_its_own_networks(
    address: ipaddress.IPv6Address, exploded: bool
) -> None:
    text = address.exploded if exploded else address.compressed
    prefixes = ipv6_prefixes(text, WIDTHS)
    assert prefixes == [ipv6_prefix(text, bits) for bits in WIDTHS]
    assert prefixes[0] == network_of(text)
    for bits, prefix in zip(WIDTHS, prefixes, strict=True):
        assert ipaddress.IPv6Network(prefix) == ipaddress.IPv6Network((address, bits), strict=False)
    # One network, one key: however the address is written.
    assert prefixes == ipv6_prefixes(address.exploded.upper(), WIDTHS)


def test_a_malformed_ipv6_address_is_its_own_network() -> None:
    assert ipv6_prefixes("1:2:3", WIDTHS) == ["1:2:3"] * 3
    assert ipv6_prefixes("1:2:3:zz::", WIDTHS) == ["1:2:3:zz::"] * 3
    assert network_of("198.51.100.7") == "198.51.100.0/24"
