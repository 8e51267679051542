"""Tests of scrapeguard.netranges: prefix sets, origin tags, packaged lists and user overrides."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import os
import random
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from support import DATASETS

from scrapeguard import netranges
from scrapeguard.crawlers import stale_crawler_lists
from scrapeguard.netranges import (
    NetworkData,
    PrefixSet,
    RangeListError,
    date_epoch,
    ip_to_int,
    list_range_lists,
    parse_cidr,
    ranges_override_dir,
    update_range_list,
)

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ip-ranges"
if not DATASET.is_dir():
    DATASET = DATASETS / "ip-ranges"
PACKAGED = Path(str(resources.files("scrapeguard").joinpath("data").joinpath("ranges")))


@pytest.fixture(autouse=True)
def _isolated_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the override directory at an empty temporary one, and forget loaded lists."""
    target = tmp_path / "overrides"
    monkeypatch.setenv("SCRAPEGUARD_RANGES_DIR", str(target))
    netranges.reload_network_data()
    yield target
    netranges.reload_network_data()


@pytest.fixture(scope="module")
def packaged() -> NetworkData:
    return NetworkData(use_overrides=False)


# --------------------------------------------------------------------------- addresses


def test_ip_to_int_maps_ipv4_into_the_ipv6_space() -> None:
    assert ip_to_int("192.0.2.1") == ip_to_int("::ffff:192.0.2.1")
    assert ip_to_int("0.0.0.0") == 0xFFFF << 32
    assert ip_to_int("2001:db8::1") == int(ipaddress.ip_address("2001:db8::1"))
    assert ip_to_int("fe80::1%eth0") == int(ipaddress.ip_address("fe80::1"))


@pytest.mark.parametrize(
    "bad",
    ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "::g", "1.2.3.4/24",
     "example.com", "1.2.3.-1", "2001:db8::1::2", "\x00"],
)  # fmt: skip
def test_invalid_addresses_give_none(bad: str) -> None:
    assert ip_to_int(bad) is None


def test_non_string_addresses_give_none() -> None:
    assert ip_to_int(None) is None
    assert ip_to_int(17) is None


def test_parse_cidr_edges_and_host_bits() -> None:
    first, last = parse_cidr("10.1.2.0/24") or (0, 0)
    assert (first, last) == (ip_to_int("10.1.2.0"), ip_to_int("10.1.2.255"))
    assert parse_cidr("10.1.2.77/24") == (first, last)  # host bits ignored
    assert parse_cidr("10.1.2.3") == (ip_to_int("10.1.2.3"), ip_to_int("10.1.2.3"))
    assert parse_cidr("0.0.0.0/0") == (ip_to_int("0.0.0.0"), ip_to_int("255.255.255.255"))
    assert parse_cidr("2001:db8::/32") == (
        ip_to_int("2001:db8::"),
        ip_to_int("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
    )
    for bad in ("10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1",
                "10.0.0/8", "/8", "10.0.0.0/٣"):  # fmt: skip
        assert parse_cidr(bad) is None, bad


# --------------------------------------------------------------------------- PrefixSet


def test_prefix_set_ipv4_edges() -> None:
    ps = PrefixSet(["198.51.100.0/24", "203.0.113.128/25"], name="test")
    assert ps.contains("198.51.100.0")
    assert ps.contains("198.51.100.255")
    assert not ps.contains("198.51.99.255")
    assert not ps.contains("198.51.101.0")
    assert ps.contains("203.0.113.128") and ps.contains("203.0.113.255")
    assert not ps.contains("203.0.113.127")
    assert not ps.contains("203.0.114.0")
    assert ps.lookup("198.51.100.7") == "test"
    assert ps.lookup("192.0.2.1") is None
    assert "198.51.100.9" in ps
    assert len(ps) == 2


def test_prefix_set_ipv6_edges_and_mapped_ipv4() -> None:
    ps = PrefixSet(["2001:db8:1::/48", "192.0.2.0/24"])
    assert ps.contains("2001:db8:1::")
    assert ps.contains("2001:db8:1:ffff:ffff:ffff:ffff:ffff")
    assert not ps.contains("2001:db8:0:ffff:ffff:ffff:ffff:ffff")
    assert not ps.contains("2001:db8:2::")
    assert ps.contains("::ffff:192.0.2.10")
    assert ps.contains("2001:DB8:1::AB")


@pytest.mark.parametrize("bad", ["", "not-an-ip", "300.1.1.1", "2001:db8:1::/48", "::ffff:1.2.3"])
def test_prefix_set_invalid_input_is_in_no_list(bad: str) -> None:
    ps = PrefixSet(["0.0.0.0/0", "::/0"], name="everything")
    assert not ps.contains(bad)
    assert ps.lookup(bad) is None
    assert ps.tags(bad) == frozenset()


def test_prefix_set_everything_list_still_covers_every_valid_address() -> None:
    ps = PrefixSet(["::/0"], name="all")
    assert ps.contains("::") and ps.contains("1.2.3.4")
    assert ps.contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")


def test_prefix_set_rejects_bad_cidr() -> None:
    with pytest.raises(RangeListError, match="'10.0.0.0/40'"):
        PrefixSet(["10.0.0.0/8", "10.0.0.0/40"])


def test_prefix_set_named_lists_overlap_and_priority() -> None:
    ps = PrefixSet.from_lists(
        {"small": ["10.0.0.0/24"], "big": ["10.0.0.0/8"], "other": ["10.0.0.128/25"]}
    )
    assert ps.tags("10.0.0.200") == {"small", "big", "other"}
    assert ps.lookup("10.0.0.200") == "small"
    assert ps.tags("10.5.0.1") == {"big"}
    assert ps.lookup("10.5.0.1") == "big"
    assert ps.lookup("11.0.0.0") is None
    assert ps.names == ("small", "big", "other")


def test_prefix_set_adjacent_and_nested_prefixes_merge() -> None:
    ps = PrefixSet(["10.0.0.0/25", "10.0.0.128/25", "10.0.0.64/26", "10.0.1.0/24"])
    assert ps.intervals() == [(ip_to_int("10.0.0.0"), ip_to_int("10.0.1.255"))]


def test_prefix_set_matches_ipaddress_on_random_data() -> None:
    rnd = random.Random(20260822)
    nets = []
    for _ in range(300):
        if rnd.random() < 0.7:
            addr = ipaddress.IPv4Address(rnd.getrandbits(32))
            nets.append(ipaddress.ip_network(f"{addr}/{rnd.randint(8, 32)}", strict=False))
        else:
            addr6 = ipaddress.IPv6Address(rnd.getrandbits(128))
            nets.append(ipaddress.ip_network(f"{addr6}/{rnd.randint(16, 128)}", strict=False))
    halves = {"a": [str(n) for n in nets[::2]], "b": [str(n) for n in nets[1::2]]}
    ps = PrefixSet.from_lists(halves, cache_size=64)
    probes: list[str] = []
    for net in nets:  # edges of every prefix and their neighbours
        for value in (int(net.network_address) - 1, int(net.network_address),
                      int(net.broadcast_address), int(net.broadcast_address) + 1):  # fmt: skip
            limit = 2**32 if net.version == 4 else 2**128
            if 0 <= value < limit:
                probes.append(str(ipaddress.ip_address(value) if net.version == 6
                                  else ipaddress.IPv4Address(value)))  # fmt: skip
    probes += [str(ipaddress.IPv4Address(rnd.getrandbits(32))) for _ in range(2000)]
    parsed = {name: [ipaddress.ip_network(c) for c in cidrs] for name, cidrs in halves.items()}
    for probe in probes:
        probe_addr = ipaddress.ip_address(probe)
        expect = {name for name, group in parsed.items()
                  if any(probe_addr.version == n.version and probe_addr in n
                         for n in group)}  # fmt: skip
        assert ps.tags(probe) == expect, probe
        assert ps.contains(probe) == bool(expect)


def test_prefix_set_cache_is_bounded() -> None:
    ps = PrefixSet(["10.0.0.0/8"], cache_size=16)
    for i in range(100):
        assert ps.contains(f"10.0.0.{i}")
        assert not ps.contains(f"11.0.0.{i}")
    assert len(ps._cache) <= 16


# --------------------------------------------------------------------------- origin


def test_origin_cgnat_edges(packaged: NetworkData) -> None:
    assert netranges.TAG_SHARED_CGNAT in packaged.origin("100.64.0.0")
    assert netranges.TAG_SHARED_CGNAT in packaged.origin("100.127.255.255")
    assert netranges.TAG_SHARED_CGNAT not in packaged.origin("100.63.255.255")
    assert netranges.TAG_SHARED_CGNAT not in packaged.origin("100.128.0.0")
    assert packaged.is_shared("100.100.100.100")


def test_origin_icloud_private_relay(packaged: NetworkData) -> None:
    # First prefixes of the packaged lists: 104.28.28.0/26 and 2a02:26f7:b00a:4000::/64.
    assert netranges.TAG_SHARED_ICLOUD in packaged.origin("104.28.28.1")
    assert netranges.TAG_SHARED_ICLOUD in packaged.origin("2a02:26f7:b00a:4000::1234")
    assert packaged.is_shared("104.28.28.1")


def test_origin_tor_exit(packaged: NetworkData) -> None:
    assert netranges.TAG_TOR in packaged.origin("171.25.193.25")
    assert netranges.TAG_TOR in packaged.origin("::ffff:171.25.193.25")
    assert not packaged.is_shared("171.25.193.25")


def test_origin_datacenter_and_vpn(packaged: NetworkData) -> None:
    assert netranges.TAG_DATACENTER in packaged.origin("1.12.0.1")  # 1.12.0.0/14 in x4bnet
    assert netranges.TAG_VPN in packaged.origin("2.26.157.1")  # 2.26.157.0/24 in x4bnet vpn
    # Googlebot lies inside the datacenter list: callers check crawler ranges first.
    assert netranges.TAG_DATACENTER in packaged.origin("66.249.66.1")


def test_origin_private_and_unlisted(packaged: NetworkData) -> None:
    assert packaged.origin("192.168.1.10") == {netranges.TAG_SHARED_PRIVATE}
    assert packaged.origin("::1") == {netranges.TAG_SHARED_PRIVATE}
    assert packaged.origin("203.0.113.9") == frozenset()  # TEST-NET-3
    assert packaged.origin("bogus") == frozenset()
    assert packaged.origin("") == frozenset()


def test_origin_extra_shared_ranges() -> None:
    nd = NetworkData(["203.0.113.0/24", "2001:db8:77::/48"], use_overrides=False)
    assert nd.origin("203.0.113.9") == {netranges.TAG_SHARED_CONFIGURED}
    assert nd.is_shared("2001:db8:77::5")
    assert not nd.is_shared("203.0.114.1")


def test_extra_shared_ranges_are_validated() -> None:
    with pytest.raises(RangeListError, match="'203.0.113.0/33'"):
        NetworkData(["203.0.113.0/33"])


# --------------------------------------------------------------------------- packaged lists


def test_crawler_table_has_every_operator_with_dates(packaged: NetworkData) -> None:
    google = packaged.crawler_ranges("google")
    assert [r.name for r in google] == ["google-common", "google-special", "google-user-triggered"]
    assert all(r.data_date == dt.date(2026, 8, 20) for r in google)
    assert google[0].prefixes.contains("66.249.66.1")
    (bing,) = packaged.crawler_ranges("bing")
    assert bing.data_date == dt.date(2026, 8, 22)  # known current then; its file says 2024-01-03
    for operator in ("duckduckgo", "apple", "openai", "anthropic", "perplexity", "meta"):
        assert packaged.crawler_ranges(operator), operator
    assert packaged.crawler_ranges("amazon") == ()  # not packaged
    assert packaged.crawler_ranges("nobody") == ()


def test_openai_feeds_are_separate_lists(packaged: NetworkData) -> None:
    lists = {r.name: r for r in packaged.crawler_ranges("openai")}
    assert lists["openai-gptbot"].data_date == dt.date(2025, 10, 30)
    assert lists["openai-searchbot"].data_date == dt.date(2026, 1, 2)
    assert lists["openai-chatgpt-user"].data_date == dt.date(2026, 8, 14)
    assert lists["openai-gptbot"].prefixes.contains("132.196.86.1")


def test_list_range_lists_reports_every_list() -> None:
    infos = {i.name: i for i in list_range_lists()}
    assert set(infos) == {spec.name for spec in netranges.RANGE_LISTS}
    assert infos["google-common"].prefixes == 315
    assert infos["google-common"].source == "packaged"
    assert infos["bing"].data_date == dt.date(2026, 8, 22)
    assert infos["amazon"].source == "none" and infos["amazon"].prefixes == 0
    assert infos["tor"].kind == "tor"
    assert infos["icloud-relay"].kind == "shared"


def test_packaged_files_are_unedited_copies() -> None:
    if not DATASET.is_dir():
        pytest.skip(f"REFERENCE DATASET MISSING: {DATASET} not found; cannot compare copies")
    for spec in netranges.RANGE_LISTS:
        for packaged_file in spec.files:
            ours = (PACKAGED / packaged_file.file).read_bytes()
            theirs = (DATASET / packaged_file.file).read_bytes()
            assert hashlib.sha256(ours).digest() == hashlib.sha256(theirs).digest(), (
                packaged_file.file
            )


def test_sources_md_names_every_packaged_file_and_licence() -> None:
    text = (PACKAGED / "SOURCES.md").read_text(encoding="utf-8")
    for spec in netranges.RANGE_LISTS:
        for packaged_file in spec.files:
            assert f"`{packaged_file.file}`" in text
    for licence in (
        "LICENSE.apache-2.0",
        "LICENSE.lord-alfred-ipranges",
        "LICENSE.x4bnet-lists_vpn",
    ):
        assert (PACKAGED / licence).is_file()
        assert licence in text


def test_package_data_stays_small() -> None:
    data = PACKAGED.parent
    total = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    assert total < 5_000_000


# --------------------------------------------------------------------------- overrides


def test_override_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRAPEGUARD_RANGES_DIR", str(tmp_path / "explicit"))
    assert ranges_override_dir() == tmp_path / "explicit"
    monkeypatch.delenv("SCRAPEGUARD_RANGES_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert ranges_override_dir() == tmp_path / "xdg" / "scrapeguard" / "ranges"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert (
        ranges_override_dir() == tmp_path / "home" / ".local" / "share" / "scrapeguard" / "ranges"
    )


def _google_json(tmp_path: Path, prefixes: list[str], created: str = "2026-11-01") -> Path:
    doc = {
        "creationTime": f"{created}T10:00:00.000000",
        "prefixes": [{"ipv6Prefix" if ":" in p else "ipv4Prefix": p} for p in prefixes],
    }
    path = tmp_path / "googlebot.json"
    path.write_text(json.dumps(doc, indent=4), encoding="utf-8")
    return path


def _downloaded(path: Path, day: dt.date) -> Path:
    """`path`, its modification time set to noon UTC of `day`, as if downloaded then."""
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp()
    os.utime(path, (noon, noon))
    return path


def test_override_takes_precedence(tmp_path: Path, _isolated_overrides: Path) -> None:
    source = _google_json(tmp_path, ["198.51.100.0/24", "2001:db8:42::/48"])
    _downloaded(source, dt.date(2026, 10, 1))  # before the list's own date: that one counts
    assert update_range_list("google-common", source) == 2
    written = _isolated_overrides / "google-common.txt"
    assert written.is_file()
    infos = {i.name: i for i in list_range_lists()}
    assert infos["google-common"].source == "override"
    assert infos["google-common"].prefixes == 2
    assert infos["google-common"].data_date == dt.date(2026, 11, 1)
    assert infos["google-special"].source == "packaged"
    common = netranges.network_data().crawler_ranges("google")[0]
    assert common.source == "override"
    assert common.prefixes.contains("198.51.100.7")
    assert common.prefixes.contains("2001:db8:42::1")
    assert not common.prefixes.contains("66.249.66.1")  # the packaged list no longer applies
    assert NetworkData(use_overrides=False).crawler_ranges("google")[0].source == "packaged"


def test_a_list_is_current_the_day_it_is_downloaded_whatever_date_it_carries(
    tmp_path: Path, _isolated_overrides: Path
) -> None:
    """Bing keeps the creationTime of its list until the list changes: downloaded today, a
    list that says 2024-01-03 is today's, and verifies today's crawlers. `--as-of` says when
    an older copy was current, for older logs."""
    source = tmp_path / "bingbot.json"
    source.write_text(json.dumps({"creationTime": "2024-01-03T10:00:00",
                                  "prefixes": [{"ipv4Prefix": "157.55.39.0/24"}]}))  # fmt: skip
    _downloaded(source, dt.date(2026, 11, 30))
    update_range_list("bing", source)
    (bing,) = netranges.network_data().crawler_ranges("bing")
    assert (bing.source, bing.data_date) == ("override", dt.date(2026, 11, 30))
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()
    assert "bing" not in stale_crawler_lists(netranges.network_data(), now)
    update_range_list("bing", source, data_date=dt.date(2015, 5, 1))
    (bing,) = netranges.network_data().crawler_ranges("bing")
    assert bing.data_date == dt.date(2015, 5, 1)
    assert "bing" in stale_crawler_lists(netranges.network_data(), now)


def test_override_of_origin_list(tmp_path: Path) -> None:
    source = tmp_path / "torbulkexitlist"
    source.write_text("# Last updated: 2026-11-20T08:00:00Z\n192.0.2.44\n\n192.0.2.45\n")
    _downloaded(source, dt.date(2026, 11, 1))
    assert update_range_list("tor", source) == 2
    nd = netranges.network_data()
    assert netranges.TAG_TOR in nd.origin("192.0.2.44")
    assert netranges.TAG_TOR not in nd.origin("171.25.193.25")  # replaced, not merged
    info = {i.name: i for i in list_range_lists()}["tor"]
    assert info.data_date == dt.date(2026, 11, 20)


def test_override_to_explicit_data_dir(tmp_path: Path) -> None:
    source = tmp_path / "bing.txt"
    source.write_text("13.66.139.0/24\n40.77.167.0/24, extra column\n")
    target = tmp_path / "elsewhere"
    when = dt.date(2026, 10, 1)
    assert update_range_list("bing", source, data_dir=target, data_date=when) == 2
    infos = {i.name: i for i in list_range_lists(target)}
    assert infos["bing"].source == "override"
    assert infos["bing"].data_date == when
    assert {i.name: i for i in list_range_lists()}["bing"].source == "packaged"


def test_override_without_a_date_uses_the_file_time(tmp_path: Path) -> None:
    source = tmp_path / "apple.txt"
    source.write_text("17.241.208.160/27\n")
    update_range_list("apple", source)
    info = {i.name: i for i in list_range_lists()}["apple"]
    expected = dt.datetime.fromtimestamp(source.stat().st_mtime, tz=dt.UTC).date()
    assert info.data_date == expected


def test_openai_override_accepts_the_combined_file(tmp_path: Path) -> None:
    source = tmp_path / "openai.json"
    doc = {"gptbot": {"creationTime": "2026-11-02T00:00:00Z",
                      "ipv4Prefixes": [{"ipv4Prefix": "192.0.2.0/28"}], "ipv6Prefixes": None},
           "searchbot": {"creationTime": "2026-11-02T00:00:00Z", "ipv4Prefixes": []}}  # fmt: skip
    source.write_text(json.dumps(doc))
    assert update_range_list("openai-gptbot", source) == 1


def test_bad_text_file_names_file_and_line(tmp_path: Path, _isolated_overrides: Path) -> None:
    source = tmp_path / "dc.txt"
    source.write_text("# my list\n10.0.0.0/8\n10.0.0.0/33\n")
    with pytest.raises(RangeListError) as err:
        update_range_list("datacenter", source)
    message = str(err.value)
    assert str(source) in message and "line 3" in message and "'10.0.0.0/33'" in message
    assert not (_isolated_overrides / "datacenter.txt").exists()


def test_bad_json_prefix_names_its_line(tmp_path: Path) -> None:
    source = _google_json(tmp_path, ["198.51.100.0/24", "198.51.100.0/99"])
    with pytest.raises(RangeListError, match=r"googlebot\.json, line 8: '198\.51\.100\.0/99'"):
        update_range_list("google-common", source)


def test_json_syntax_error_names_its_line(tmp_path: Path) -> None:
    source = tmp_path / "broken.json"
    source.write_text('{\n  "prefixes": [\n    {"ipv4Prefix": "192.0.2.0/24"},\n  ]\n}\n')
    with pytest.raises(RangeListError, match=r"broken\.json, line 4: not valid JSON"):
        update_range_list("apple", source)


def test_json_for_a_text_only_list_is_refused(tmp_path: Path) -> None:
    source = _google_json(tmp_path, ["192.0.2.0/24"])
    with pytest.raises(RangeListError, match="one address or CIDR per line"):
        update_range_list("vpn", source)


def test_json_without_prefixes_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "x.json"
    source.write_text('{"creationTime": "2026-01-01"}')
    with pytest.raises(RangeListError, match="no 'prefixes' list"):
        update_range_list("apple", source)


def test_unknown_list_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(RangeListError, match="unknown range list 'nope'.*google-common"):
        update_range_list("nope", tmp_path / "x.txt")
    with pytest.raises(RangeListError, match="cannot read"):
        update_range_list("tor", tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    with pytest.raises(RangeListError, match="holds no addresses"):
        update_range_list("tor", empty)
    html = tmp_path / "page.html"
    html.write_text("<html>\n<body>oops</body>\n")
    with pytest.raises(RangeListError, match=r"page\.html, line 1"):
        update_range_list("tor", html)


def test_a_uniform_block_answers_like_its_addresses() -> None:
    from scrapeguard.netinfo import PublishedNetworkInfo

    info = PublishedNetworkInfo()
    data = info.data
    # A block wholly inside one list, one outside all lists, and one split between lists.
    for block in ("104.28.28", "198.51.100", "100.64.3", "8.8.8"):
        for host in range(256):
            ip = f"{block}.{host}"
            assert info.origin(ip) == data.origin(ip), ip
    assert data.origin_of_block("198.51.100") == frozenset()
    split = [b for b in ("104.28.28", "104.28.29") if data.origin_of_block(b) is None]
    assert split, "the iCloud relay list has /26-/32 pieces, so some /24 is split"


def test_ranges_list_marks_crawler_lists_too_old_to_verify_today(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrapeguard.cli import main

    assert main(["ranges", "list"]) == 0
    packaged = capsys.readouterr().out
    assert re.search(r"^openai-gptbot .*2025-10-30 .*\(packaged\)  STALE$", packaged, re.M)
    assert re.search(r"^tor .*\(packaged\)$", packaged, re.M)  # only crawler lists verify
    assert "`scrapeguard ranges update NAME FILE`" in packaged

    source = tmp_path / "gptbot.json"
    source.write_text(json.dumps({"creationTime": "2025-10-30T00:00:00",
                                  "prefixes": [{"ipv4Prefix": "132.196.86.0/24"}]}))  # fmt: skip
    assert main(["ranges", "update", "openai-gptbot", str(source)]) == 0  # downloaded today
    today = dt.datetime.now(dt.UTC).date()
    assert f"current as of {today}" in capsys.readouterr().out
    assert main(["ranges", "list"]) == 0
    assert re.search(r"^openai-gptbot .*\(override\)$", capsys.readouterr().out, re.M)


def test_stale_crawler_lists_are_judged_as_the_verifier_judges_them() -> None:
    data = NetworkData(use_overrides=False)
    bing = date_epoch(dt.date(2026, 8, 22))
    assert bing is not None
    day = 86400.0
    assert "bing" not in stale_crawler_lists(
        data, dt.datetime(2026, 9, 1, tzinfo=dt.UTC).timestamp()
    )
    assert "bing" in stale_crawler_lists(data, dt.datetime(2028, 1, 1, tzinfo=dt.UTC).timestamp())
    assert "bing" not in stale_crawler_lists(data, bing + 365 * day)  # the verifier's last day
    assert "bing" in stale_crawler_lists(data, bing + 366 * day)
    assert "bing" in stale_crawler_lists(data, bing - 366 * day)  # replaying older logs
    assert "bing" not in stale_crawler_lists(data, bing, max_age_days=1)
    names = stale_crawler_lists(data, bing)
    assert "amazon" not in names  # not installed: missing, not stale
    assert "tor" not in names  # only crawler lists verify anything
