"""Client addresses, held to a plain reading of the forwarding headers: behind trusted proxies
a user relies on scrapeguard counting the visitor's own address, read from the right of the
chain the proxies wrote, never one the visitor wrote itself, whatever else the header holds."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapeguard.integrations.clientaddr import ClientAddress

NETWORKS = (
    "10.0.0.0/24",
    "10.0.1.7",
    "192.168.0.0/16",
    "2001:db8:ffff::/48",
    "::ffff:172.16.0.0/108",
)
ADDRESSES = (
    "10.0.0.1",
    "10.0.0.99",
    "10.0.1.7",
    "10.0.1.8",
    "192.168.44.5",
    "172.16.3.3",
    "172.32.0.1",
    "203.0.113.7",
    "198.51.100.20",
    "2001:db8:ffff::1",
    "2001:db8:ffff:1::abcd",
    "2001:db8::9",
    "::1",
    "fe80::1",
    "::ffff:10.0.0.5",
    "::ffff:203.0.113.8",
)
#: What a proxy writes when it does not know, or will not say, the address.
UNUSABLE = ("unknown", "_hidden", "_gazonk", "garbage")
#: Client-controlled text a trusted proxy may copy into its own element (the Host header).
HOSTILE = st.text(alphabet=st.sampled_from(list('ab.-:,;= "\\_[]9')), max_size=30)


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address, without zone, IPv4-mapped IPv6 as IPv4."""
    address = ipaddress.ip_address(text.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def trusted_by(networks: list[str], address: str) -> bool:
    """Whether a configured network holds the address (IPv4-mapped ranges as IPv4)."""
    for text in networks:
        net = ipaddress.ip_network(text, strict=False)
        if isinstance(net, ipaddress.IPv6Network) and net.network_address.ipv4_mapped:
            v4 = net.network_address.ipv4_mapped
            net = ipaddress.ip_network(f"{v4}/{net.prefixlen - 96}")
        if ip(address) in net:
            return True
    return False


def expected(networks: list[str], peer: str, hops: list[str | None]) -> str:
    """The documented rule: a header counts only from a trusted peer; its hops are read from
    the nearest, skipping trusted proxies, and the first other address is the client; a hop
    with no usable address ends the walk at the last address believed."""
    believed = str(ip(peer))
    if not trusted_by(networks, peer):
        return believed
    for hop in reversed(hops):
        if hop is None:
            return believed
        if not trusted_by(networks, hop):
            return str(ip(hop))
        believed = str(ip(hop))
    return believed


@st.composite
def node(draw: st.DrawFn, address: str, forwarded: bool) -> str:
    """One way a proxy writes `address` (with or without a port), as RFC 7239 ``for=`` value
    text if `forwarded`, else as an X-Forwarded-For hop."""
    port = draw(st.sampled_from(["", ":8080", ":1", ":_obf"]))
    v6 = ":" in address
    if draw(st.booleans()):
        address = address.upper()
    if v6:
        if port or forwarded or draw(st.booleans()):
            text = f"[{address}]{port}"
        else:
            text = address + draw(st.sampled_from(["", "%eth0"]))
    else:
        text = address + port
    if forwarded and (v6 or port or draw(st.booleans())):
        text = f'"{text}"'
    return text


def quoted(text: str) -> str:
    """An RFC 7230 quoted-string holding `text`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def element(draw: st.DrawFn, hop: str | None) -> str:
    """One Forwarded element a proxy writes for `hop`: its ``for=`` among other parameters,
    the host perhaps copied from the client's Host header."""
    if hop is None:
        value = draw(st.sampled_from([*UNUSABLE, '"_hidden"', '"unknown"']))
    else:
        value = draw(node(hop, forwarded=True))
    pairs = [draw(st.sampled_from(["for", "For", "FOR"])) + "=" + value]
    if draw(st.booleans()):
        pairs.append("proto=https")
    if draw(st.booleans()):
        pairs.append("host=" + quoted(draw(HOSTILE)))
    if draw(st.booleans()):
        pairs.append('by="[2001:db8:ffff::2]:443"')
    return ";".join(draw(st.permutations(pairs)))


CHAINS = st.lists(st.sampled_from(ADDRESSES) | st.none(), min_size=0, max_size=30)
#: The hops read, nearest first (tests/integrations/test_clientaddr.py: long chains).
MAX_HOPS = 20
TRUSTED = st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=5, unique=True)


@settings(max_examples=500, deadline=None)
@given(
    networks=TRUSTED,
    peer=st.sampled_from(ADDRESSES),
    hops=CHAINS,
    name=st.sampled_from(["x-forwarded-for", "forwarded"]),
    data=st.data(),
)
def test_the_chain_is_read_from_the_nearest_hop_skipping_trusted_proxies(
    networks: list[str], peer: str, hops: list[str | None], name: str, data: st.DataObject
) -> None:
    """Whatever the forms of the hops (ports, brackets, zones, IPv4-mapped, other parameters),
    the client is the address the documented walk from the right finds in the nearest hops."""
    if name == "forwarded":
        parts = [data.draw(element(hop)) for hop in hops]
    else:
        parts = [
            data.draw(st.sampled_from(UNUSABLE)) if hop is None else data.draw(node(hop, False))
            for hop in hops
        ]
    spaces = data.draw(st.sampled_from([",", ", ", " , "]))
    headers = {name: spaces.join(parts)} if parts else {}
    resolver = ClientAddress(networks, header=name)
    assert resolver.resolve(peer, headers) == expected(networks, peer, hops[-MAX_HOPS:])


@settings(max_examples=500, deadline=None)
@given(
    networks=TRUSTED,
    client=st.sampled_from([a for a in ADDRESSES if not trusted_by(list(NETWORKS), a)]),
    proxies=st.lists(st.sampled_from(["10.0.0.1", "10.0.0.99", "2001:db8:ffff::1"]), max_size=4),
    forged=st.text(max_size=60)
    | st.text(alphabet=st.sampled_from(list('fo=r"1.6:[],; \\\tunk_')), max_size=60),
    name=st.sampled_from(["x-forwarded-for", "forwarded"]),
    data=st.data(),
)
def test_a_client_cannot_choose_its_own_address(
    networks: list[str],
    client: str,
    proxies: list[str],
    forged: str,
    name: str,
    data: st.DataObject,
) -> None:
    """The client sends any forwarding header it likes (and any Host the proxy copies); its
    first trusted proxy appends the client's real address, the others their own: the real
    address is what scrapeguard counts."""
    networks = [*networks, "10.0.0.0/24", "2001:db8:ffff::/48"]
    chain = [client, *proxies[:-1]] if proxies else [client]
    peer = proxies[-1] if proxies else "10.0.0.1"
    if name == "forwarded":
        appended = [data.draw(element(hop)) for hop in chain]
    else:
        appended = [data.draw(node(hop, False)) for hop in chain]
    value = ", ".join([forged, *appended])
    resolver = ClientAddress(networks, header=name)
    assert resolver.resolve(peer, {name: value}) == str(ip(client))


@settings(max_examples=200, deadline=None)
@given(
    proxies=st.lists(
        st.sampled_from(["10.0.0.1", "10.0.0.99", "2001:db8:ffff::1"]), min_size=15, max_size=30
    ),
    name=st.sampled_from(["x-forwarded-for", "forwarded"]),
    data=st.data(),
)
def test_long_chains_of_proxies_are_read_only_as_far_as_the_cap(
    proxies: list[str], name: str, data: st.DataObject
) -> None:
    """However each proxy writes its element, only the nearest hops are read: a long chain
    costs the same, and its far end (where the client writes) is not reached."""
    networks = ["10.0.0.0/24", "2001:db8:ffff::/48"]
    hops = ["203.0.113.7", *proxies]
    if name == "forwarded":
        parts = [data.draw(element(hop)) for hop in hops]
    else:
        parts = [data.draw(node(hop, False)) for hop in hops]
    resolver = ClientAddress(networks, header=name)
    got = resolver.resolve("10.0.0.1", {name: ", ".join(parts)})
    assert got == expected(networks, "10.0.0.1", hops[-MAX_HOPS:])


def test_a_huge_forwarded_header_cut_inside_a_quoted_host_yields_no_forged_address() -> None:
    """A client's huge Host, copied quoted by its proxy, is cut to the nearest end of the
    header: what is left of it is never read as an address, and the hops after it still are."""
    resolver = ClientAddress(["10.0.0.0/24"], header="forwarded")
    forged = "x" + ", for=6.6.6.6" * 500
    value = f'for=203.0.113.7;host="{forged}", for=10.0.0.2;host="a,b"'
    assert resolver.resolve("10.0.0.1", {"forwarded": value}) == "10.0.0.2"
    value = f'for=198.51.100.1;host="{forged}", for=203.0.113.7;host="a,b", for=10.0.0.2'
    assert resolver.resolve("10.0.0.1", {"forwarded": value}) == "203.0.113.7"
