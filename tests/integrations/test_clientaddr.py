"""Client addresses: forwarding headers believed only from trusted proxies."""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.integrations.clientaddr import UNKNOWN_ADDRESS, ClientAddress

PROXY = "10.0.0.1"
EDGE = "10.0.0.2"
CLIENT = "203.0.113.7"
FORGED = "6.6.6.6"
PROXIES = ("10.0.0.0/24", "2001:db8:ffff::/48")


def xff(value: str) -> dict[str, str]:
    return {"x-forwarded-for": value}


def fwd(value: str) -> dict[str, str]:
    return {"forwarded": value}


@pytest.mark.parametrize(
    "headers",
    [
        xff(FORGED),
        fwd(f"for={FORGED}"),
        {"x-real-ip": FORGED},
        xff(f"{FORGED}, {PROXY}"),
        {"forwarded": f"for={FORGED}", "x-forwarded-for": FORGED, "x-real-ip": FORGED},
    ],
)
@pytest.mark.parametrize(
    ("peer", "expected"),
    [(CLIENT, CLIENT), ("2001:DB8::7", "2001:db8::7"), ("::ffff:203.0.113.7", CLIENT)],
)
def test_headers_from_untrusted_peers_are_ignored(
    headers: dict[str, str], peer: str, expected: str
) -> None:
    assert ClientAddress(PROXIES).resolve(peer, headers) == expected


def test_no_trusted_proxies_means_the_peer() -> None:
    resolver = ClientAddress()
    assert resolver.resolve(PROXY, xff(CLIENT)) == PROXY
    assert resolver.resolve("2001:db8:ffff::1", fwd(f"for={CLIENT}")) == "2001:db8:ffff::1"


def test_trusted_single_proxy() -> None:
    resolver = ClientAddress([PROXY])
    assert resolver.resolve(PROXY, xff(CLIENT)) == CLIENT
    assert resolver.resolve(PROXY, fwd(f"for={CLIENT}")) == CLIENT
    assert resolver.resolve(PROXY, {"x-real-ip": CLIENT}) == CLIENT
    assert resolver.resolve(PROXY, {}) == PROXY
    assert resolver.resolve("10.0.0.9", xff(CLIENT)) == "10.0.0.9"


def test_chain_through_several_trusted_proxies() -> None:
    resolver = ClientAddress(PROXIES)
    chain = f"{CLIENT}, 10.0.0.3, {EDGE}"
    assert resolver.resolve(PROXY, xff(chain)) == CLIENT
    forwarded = f'for={CLIENT};proto=https, for="[2001:db8:ffff::5]:443", for={EDGE}'
    assert resolver.resolve(PROXY, fwd(forwarded)) == CLIENT


def test_client_forged_part_of_the_chain_is_never_believed() -> None:
    resolver = ClientAddress([PROXY, EDGE])
    assert resolver.resolve(PROXY, xff(f"{FORGED}, {CLIENT}")) == CLIENT
    assert resolver.resolve(PROXY, xff(f"{FORGED}, {PROXY}, {CLIENT}, {EDGE}")) == CLIENT
    assert resolver.resolve(PROXY, fwd(f"for={FORGED}, for={CLIENT}")) == CLIENT


def test_client_claiming_to_be_a_trusted_proxy_gains_nothing() -> None:
    resolver = ClientAddress([PROXY])
    assert resolver.resolve(PROXY, xff(f"{FORGED}, {PROXY}, {CLIENT}")) == CLIENT


def test_every_hop_trusted_gives_the_leftmost() -> None:
    resolver = ClientAddress(PROXIES)
    assert resolver.resolve(PROXY, xff(f"10.0.0.5, 10.0.0.4, {EDGE}")) == "10.0.0.5"


def test_ipv6_client_and_proxies() -> None:
    resolver = ClientAddress(["2001:db8:ffff::/48"])
    peer = "2001:db8:ffff::1"
    assert resolver.resolve(peer, xff("2001:DB8:0:0::9")) == "2001:db8::9"
    assert resolver.resolve(peer, xff("[2001:db8::9]:4711, 2001:db8:ffff::2")) == "2001:db8::9"
    assert resolver.resolve(f"{peer}%eth0", xff("2001:db8::9")) == "2001:db8::9"
    assert resolver.resolve("2001:db8:fffe::1", xff("2001:db8::9")) == "2001:db8:fffe::1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17"),
        ('for="[2001:DB8:CAFE::17]"', "2001:db8:cafe::17"),
        ('for="192.0.2.60:8080"', "192.0.2.60"),
        ("for=192.0.2.60", "192.0.2.60"),
        ('For="192.0.2.60";Proto=https;BY=10.0.0.1', "192.0.2.60"),
        ("proto=https; FOR=192.0.2.60 ;host=example.com", "192.0.2.60"),
        ('for="[::ffff:192.0.2.60]"', "192.0.2.60"),
        ('for="[fe80::1%25eth0]:80"', "fe80::1"),
        ('for="192.0.2.60:_port"', "192.0.2.60"),
    ],
)
def test_forwarded_rfc7239_forms(value: str, expected: str) -> None:
    assert ClientAddress([PROXY]).resolve(PROXY, fwd(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.7:5678", CLIENT),
        ("  203.0.113.7  ", CLIENT),
        ("203.0.113.7,10.0.0.2", CLIENT),
        ("[2001:db8::1]:5678", "2001:db8::1"),
        ("::ffff:203.0.113.7", CLIENT),
        ("2001:db8::1%eth0", "2001:db8::1"),
    ],
)
def test_x_forwarded_for_forms(value: str, expected: str) -> None:
    assert ClientAddress(PROXIES).resolve(PROXY, xff(value)) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "unknown",
        "_hidden",
        "",
        "garbage",
        "203.0.113",
        "203.0.113.7.8",
        "[2001:db8::1",
        "[2001:db8::1]x",
        "1.2.3.4:5:6",
        "\x00\xff\udcff",
        '"203.0.113.7"',
    ],
)
def test_unusable_hop_stops_at_the_last_believed_address(bad: str) -> None:
    resolver = ClientAddress(PROXIES)
    assert resolver.resolve(PROXY, xff(bad)) == PROXY
    assert resolver.resolve(PROXY, xff(f"{CLIENT}, {bad}, {EDGE}")) == EDGE
    assert resolver.resolve(PROXY, xff(f"{bad}, {CLIENT}")) == CLIENT


@pytest.mark.parametrize(
    "element", ["for=unknown", 'for="_hidden"', "for=_gazonk", "proto=https", "for=", 'for="']
)
def test_unusable_forwarded_element_stops_the_walk(element: str) -> None:
    resolver = ClientAddress(PROXIES)
    assert resolver.resolve(PROXY, fwd(f"for={CLIENT}, {element}, for={EDGE}")) == EDGE
    assert resolver.resolve(PROXY, fwd(element)) == PROXY


def test_x_real_ip_is_a_single_address() -> None:
    resolver = ClientAddress([PROXY])
    assert resolver.resolve(PROXY, {"x-real-ip": " 203.0.113.7 "}) == CLIENT
    assert resolver.resolve(PROXY, {"x-real-ip": f"{FORGED}, {CLIENT}"}) == PROXY


def test_auto_header_order() -> None:
    resolver = ClientAddress([PROXY])
    every = {"forwarded": "for=192.0.2.1", "x-forwarded-for": "192.0.2.2", "x-real-ip": "192.0.2.3"}
    assert resolver.resolve(PROXY, every) == "192.0.2.1"
    del every["forwarded"]
    assert resolver.resolve(PROXY, every) == "192.0.2.2"
    del every["x-forwarded-for"]
    assert resolver.resolve(PROXY, every) == "192.0.2.3"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("forwarded", "192.0.2.1"),
        ("x-forwarded-for", "192.0.2.2"),
        ("X-Real-IP", "192.0.2.3"),
    ],
)
def test_explicit_header_is_the_only_one_believed(header: str, expected: str) -> None:
    resolver = ClientAddress([PROXY], header=header)
    every = {"forwarded": "for=192.0.2.1", "x-forwarded-for": "192.0.2.2", "x-real-ip": "192.0.2.3"}
    assert resolver.resolve(PROXY, every) == expected
    others = {name: value for name, value in every.items() if name != header.lower()}
    assert resolver.resolve(PROXY, others) == PROXY


@pytest.mark.parametrize("peer", [None, ""])
def test_unix_socket_peer(peer: str | None) -> None:
    trusted = ClientAddress(["UNIX", PROXY])
    assert trusted.resolve(peer, xff(CLIENT)) == CLIENT
    assert trusted.resolve(peer, xff(f"{CLIENT}, {PROXY}")) == CLIENT
    assert trusted.resolve(peer, {}) == UNKNOWN_ADDRESS
    assert trusted.resolve(peer, xff("unknown")) == UNKNOWN_ADDRESS
    untrusted = ClientAddress([PROXY])
    assert untrusted.resolve(peer, xff(CLIENT)) == UNKNOWN_ADDRESS


def test_unix_keyword_does_not_trust_network_peers() -> None:
    resolver = ClientAddress(["unix"])
    assert resolver.resolve(PROXY, xff(FORGED)) == PROXY


def test_unparsable_peer_is_unknown() -> None:
    resolver = ClientAddress([PROXY])
    assert resolver.resolve("not-an-address", xff(CLIENT)) == UNKNOWN_ADDRESS
    assert resolver.resolve("10.0.0.1:8080", xff(CLIENT)) == UNKNOWN_ADDRESS


def test_trusted_entries_forms() -> None:
    resolver = ClientAddress(
        [" 10.0.0.1 ", "192.168.0.0/16", "2001:DB8::/32", "::ffff:172.16.0.0/108"]
    )
    assert resolver.resolve("10.0.0.1", xff(CLIENT)) == CLIENT
    assert resolver.resolve("192.168.44.5", xff(CLIENT)) == CLIENT
    assert resolver.resolve("2001:db8::53", xff(CLIENT)) == CLIENT
    assert resolver.resolve("172.16.9.9", xff(CLIENT)) == CLIENT
    assert resolver.resolve("::ffff:192.168.1.1", xff(CLIENT)) == CLIENT
    assert resolver.resolve("172.32.0.1", xff(CLIENT)) == "172.32.0.1"


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "proxy.internal", "", "2001:db8::/200", "unix:"])
def test_invalid_trusted_entry_is_named(entry: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"invalid trusted proxy {entry!r}")):
        ClientAddress([PROXY, entry])


def test_single_string_of_proxies_is_refused() -> None:
    with pytest.raises(TypeError, match="list"):
        ClientAddress("10.0.0.1")


def test_invalid_header_is_named() -> None:
    with pytest.raises(ValueError, match="unknown forwarding header 'x-client-ip'"):
        ClientAddress([PROXY], header="x-client-ip")


def test_long_chains_are_capped_and_keep_the_nearest_hops() -> None:
    resolver = ClientAddress(PROXIES)
    trusted = [f"10.0.0.{i}" for i in range(100, 200)]
    assert resolver.resolve(PROXY, xff(", ".join([CLIENT, *trusted[-19:]]))) == CLIENT
    assert resolver.resolve(PROXY, xff(", ".join([CLIENT, *trusted[-20:]]))) == "10.0.0.180"
    assert resolver.resolve(PROXY, xff(", ".join([CLIENT, *trusted]))) == "10.0.0.180"


def test_huge_header_is_read_from_its_nearest_end() -> None:
    resolver = ClientAddress(PROXIES)
    assert resolver.resolve(PROXY, xff("x" * 1_000_000 + f", {CLIENT}, {EDGE}")) == CLIENT
    for padding in range(200, 400):
        # when the hops are long, the cap cuts one in the middle: "10.0.0.11" may become the
        # valid but never sent "0.0.0.11", which must not be read
        chain = ",".join([" " * padding + "10.0.0.11"] * 30)
        assert resolver.resolve(PROXY, xff(chain)) == "10.0.0.11"
    assert resolver.resolve(PROXY, {"x-real-ip": "9" * 100_000}) == PROXY


def test_repeated_calls_agree_with_the_cache() -> None:
    resolver = ClientAddress(PROXIES)
    for _ in range(3):
        assert resolver.resolve("2001:DB8::7", xff(FORGED)) == "2001:db8::7"
        assert resolver.resolve(PROXY, xff(f"{CLIENT}:1, {EDGE}")) == CLIENT
        assert resolver.resolve(EDGE, xff("garbage")) == EDGE


HEADER_TEXT = st.text(
    alphabet=st.sampled_from(list('0123456789abcdef.:,;=[]"_% \tforFOR\x00\udcffé')), max_size=200
) | st.text(max_size=200)


@given(
    peer=st.sampled_from([None, "", PROXY, EDGE, CLIENT, "2001:db8:ffff::1", "::1", "bogus"]),
    forwarded=st.none() | HEADER_TEXT,
    forwarded_for=st.none() | HEADER_TEXT,
    real_ip=st.none() | HEADER_TEXT,
    header=st.sampled_from([None, "forwarded", "x-forwarded-for", "x-real-ip"]),
)
def test_resolve_never_raises_and_returns_an_address(
    peer: str | None,
    forwarded: str | None,
    forwarded_for: str | None,
    real_ip: str | None,
    header: str | None,
) -> None:
    headers = {
        name: value
        for name, value in (
            ("forwarded", forwarded),
            ("x-forwarded-for", forwarded_for),
            ("x-real-ip", real_ip),
        )
        if value is not None
    }
    resolver = ClientAddress([*PROXIES, "unix"], header=header)
    address = resolver.resolve(peer, headers)
    assert str(ipaddress.ip_address(address)) == address
    if peer in (CLIENT, "::1"):
        assert address == peer
