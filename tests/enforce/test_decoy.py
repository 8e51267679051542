"""Decoy canaries: unique per actor, never real, traceable in any spelling, bounded."""

from __future__ import annotations

import re

import pytest
from support import T0

from scrapeguard.enforce.decoy import Canaries, Canary

SECRET = b"0123456789abcdef-test-secret"
EMAIL = re.compile(r"(contact|hello|info|mail|office|post|reach|team)\.[a-z2-7]{12}@example\.com")
NANP = re.compile(r"\+1([2-9])([0-8])([0-9])5550(1[0-9]{2})")
UK = re.compile(r"\+447700900([0-9]{3})")


def is_fictional(phone: str) -> bool:
    """In Ofcom's drama range or NANP 555-0100…0199 under an area code 201–989 whose middle
    digit is not 9 and whose last two digits differ (no N11, N00, 8XX toll-free, 900)."""
    if UK.fullmatch(phone):
        return True
    m = NANP.fullmatch(phone)
    return m is not None and m[2] != m[3] and 100 <= int(m[4]) <= 199


def test_canaries_are_deterministic_and_remembered_from_their_first_issue() -> None:
    a = Canaries(SECRET)
    first = a.issue("ip:203.0.113.9", "u/alice", T0)
    assert a.issue("ip:203.0.113.9", "u/alice", T0 + 60) is first
    again = Canaries(SECRET).issue("ip:203.0.113.9", "u/alice", T0 + 999)
    assert (again.email, again.phone) == (first.email, first.phone)
    other = Canaries(b"another-secret-of-16+").issue("ip:203.0.113.9", "u/alice", T0)
    assert other.email != first.email
    assert a.records() == [first] and first.time == T0


def test_emails_differ_across_actors_and_subjects() -> None:
    c = Canaries(SECRET)
    emails = {
        c.issue(f"ip:198.51.100.{i}", f"u/person{j}", T0).email
        for i in range(100)
        for j in range(100)
    }
    assert len(emails) == 10_000
    # The HMAC input is length-prefixed: moving characters between actor and subject matters.
    assert c.issue("ab", "c", T0).email != c.issue("a", "bc", T0).email


def test_every_value_is_in_a_reserved_range() -> None:
    c = Canaries(SECRET)
    canaries = [c.issue(f"account:{i}", "u/bob", T0) for i in range(20_000)]
    for canary in canaries:
        assert EMAIL.fullmatch(canary.email), canary.email
        assert is_fictional(canary.phone), canary.phone
    phones = {x.phone for x in canaries}
    assert len(phones) > 15_000  # spread over the ranges
    assert any(UK.fullmatch(p) for p in phones) and any(NANP.fullmatch(p) for p in phones)
    area_codes = {p[2:5] for p in phones if p.startswith("+1")}
    assert len(area_codes) == 648  # every allowed one is used, no other


@pytest.mark.parametrize(("region", "pattern"), [("uk", UK), ("nanp", NANP)])
def test_phone_region(region: str, pattern: re.Pattern[str]) -> None:
    c = Canaries(SECRET, phone_region=region)
    phones = {c.issue(f"ip:{i}", "s", T0).phone for i in range(3000)}
    assert all(pattern.fullmatch(p) and is_fictional(p) for p in phones)
    assert len(phones) > (600 if region == "uk" else 2800)


def test_the_checker_rejects_real_looking_numbers() -> None:
    for phone in (
        "+12125551234",  # 555 outside 0100-0199
        "+12125550200",
        "+19115550150",  # 911
        "+18005550150",  # toll-free
        "+12915550150",  # middle digit 9
        "+11235550150",  # area code starting with 1
        "+447700901000",
        "+44770090012",
        "+447911123456",
    ):
        assert not is_fictional(phone), phone


@pytest.mark.parametrize(
    "spelling",
    [
        "{email}",
        "{upper}",
        "  {email}\n",
        "mailto:{email}",
        "{local} @ Example.COM",
    ],
)
def test_trace_an_email_in_any_spelling(spelling: str) -> None:
    c = Canaries(SECRET)
    c.issue("ip:192.0.2.1", "u/carol", T0)
    canary = c.issue("ip:203.0.113.9", "u/alice", T0 + 5)
    local = canary.email.split("@")[0]
    value = spelling.format(email=canary.email, upper=canary.email.upper(), local=local.upper())
    assert c.trace(value) == [canary]


def test_trace_unknown_values() -> None:
    c = Canaries(SECRET)
    issued = c.issue("ip:203.0.113.9", "u/alice", T0).phone
    never = next(p for p in ("+12015550100", "+12015550101") if p != issued)
    assert c.trace("alice@example.com") == []
    assert c.trace(never) == []
    assert c.trace("not a number") == []
    assert c.trace("") == []


def phone_spellings(phone: str) -> list[str]:
    if phone.startswith("+44"):
        n = phone[3:]  # 7700900123
        return [
            phone,
            f"+44 {n[:4]} {n[4:]}",
            f"0{n[:4]} {n[4:]}",
            f"(0{n[:4]}) {n[4:7]}-{n[7:]}",
            f"+44 (0){n[:4]} {n[4:]}",
            f"0044{n}",
        ]
    n = phone[2:]  # 2015550123
    return [
        phone,
        f"({n[:3]}) {n[3:6]}-{n[6:]}",
        f"1-{n[:3]}-{n[3:6]}-{n[6:]}",
        f"+1 {n[:3]}.{n[3:6]}.{n[6:]}",
        f"011 1 {n}",
        n,
    ]


def test_trace_a_phone_in_any_spelling_lists_every_candidate_newest_first() -> None:
    c = Canaries(SECRET, phone_region="uk")  # 1,000 numbers: shared soon
    canaries = [c.issue(f"ip:198.51.100.{i}", f"u/p{i}", T0 + i) for i in range(3000)]
    target = canaries[-1]
    same = [x for x in reversed(canaries) if x.phone == target.phone]
    assert len(same) > 1
    for spelling in phone_spellings(target.phone):
        assert c.trace(spelling) == same, spelling
    nanp = Canaries(SECRET, phone_region="nanp").issue("ip:192.0.2.7", "u/dave", T0)
    traced = Canaries(SECRET, phone_region="nanp")
    traced.issue("ip:192.0.2.7", "u/dave", T0)
    for spelling in phone_spellings(nanp.phone):
        assert traced.trace(spelling) == [nanp], spelling


def test_records_are_capped_oldest_dropped_first() -> None:
    c = Canaries(SECRET, max_records=100, phone_region="uk")
    canaries = [c.issue(f"ip:{i}", "u/eve", T0 + i) for i in range(250)]
    assert c.records() == canaries[150:]
    assert c.dropped == 150
    assert c.trace(canaries[0].email) == []
    assert c.trace(canaries[-1].email) == [canaries[-1]]
    for canary in canaries[150:]:
        assert canary in c.trace(canary.phone)
    for canary in canaries[:150]:
        assert canary not in c.trace(canary.phone)
    again = c.issue("ip:0", "u/eve", T0 + 1000)  # dropped, so issued anew: same values
    assert (again.email, again.phone, again.time) == (
        canaries[0].email,
        canaries[0].phone,
        T0 + 1000,
    )
    assert c.dropped == 151 and len(c.records()) == 100


@pytest.mark.parametrize(
    "domain",
    ["example.com", "EXAMPLE.NET", "example.org.", "decoy.example.com", "a.b-c.example.org"],
)
def test_reserved_domains_are_accepted(domain: str) -> None:
    canary = Canaries(SECRET, domain=domain).issue("ip:1", "s", T0)
    assert canary.email.endswith("@" + domain.lower().rstrip("."))
    assert isinstance(canary, Canary)


@pytest.mark.parametrize(
    "domain",
    [
        "example.edu",
        "gmail.com",
        "notexample.com",
        "example.com.evil.net",
        "example.co",
        "",
        "-bad.example.com",
        "a..example.com",
        "sp ace.example.com",
        "x@example.com",
    ],
)
def test_other_domains_are_rejected(domain: str) -> None:
    with pytest.raises(ValueError, match="RFC 2606"):
        Canaries(SECRET, domain=domain)


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Canaries(b"short")
    with pytest.raises(ValueError, match="max_records"):
        Canaries(SECRET, max_records=0)
    with pytest.raises(ValueError, match="phone_region"):
        Canaries(SECRET, phone_region="de")
