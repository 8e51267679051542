"""Property tests of the challenge and its pass against what docs/inline.md promises: tokens
are signed (no other spelling of one is accepted, nor one signed with another key), a pass
expires and is bound to the session and a wide address prefix, and a proof is accepted exactly
when SHA-256 of "<token>:<counter>" starts with the difficulty's zero bits."""

from __future__ import annotations

import hashlib
import ipaddress

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scrapeguard.enforce.challenge import MAX_COUNTER, Challenges, has_work

SECRET = b"a-test-secret-of-at-least-32-bytes"
OTHER = b"another-secret-of-at-least-32-bytes"
T0 = 1_767_225_600.0
IP = "198.51.100.7"
SESSION = "session-1"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

CHALLENGES = Challenges(SECRET, difficulty=4, ttl=300, pass_ttl=3600, wait=8)


def claim_all(nonce: str, until: float) -> bool:
    return True


def leading_zero_bits(digest: bytes) -> int:
    """Counted bit by bit from the written-out digest, not with a shift."""
    bits = "".join(f"{byte:08b}" for byte in digest)
    return len(bits) - len(bits.lstrip("0"))


def first_solution(token: str, difficulty: int) -> int:
    counter = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < difficulty:
        counter += 1
    return counter


def a_pass(ip: str = IP, session: str | None = SESSION) -> str:
    ch = CHALLENGES.issue(T0, ip, session, "/u/alice")
    result = CHALLENGES.verify_work(
        ch.token, first_solution(ch.token, 4), T0 + 1, ip, session, claim_all
    )
    assert result.pass_token is not None
    return result.pass_token


PASS = a_pass()
CHALLENGE = CHALLENGES.issue(T0, IP, SESSION, "/u/alice").token
COUNTER = first_solution(CHALLENGE, 4)

#: Other spellings of a token: one character replaced (often the last: its low bits are
#: unused), characters cut or added anywhere.
EDITS = st.one_of(
    st.tuples(
        st.just("replace"),
        st.integers(0, 10_000) | st.just(-1),
        st.sampled_from(ALPHABET + ".="),
    ),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.integers(1, 50)),
    st.tuples(st.just("add"), st.integers(0, 10_000), st.text(ALPHABET + ".=", min_size=1)),
)


def edited(token: str, edit: tuple[str, int, object]) -> str:
    kind, at, what = edit
    at %= len(token) + (kind == "add")
    if kind == "replace":
        return token[:at] + str(what) + token[at + 1 :]
    if kind == "cut":
        return token[:at] + token[at + int(what) :]  # type: ignore[call-overload]
    return token[:at] + str(what) + token[at:]


def test_a_mac_spelled_with_other_unused_bits_is_forged() -> None:
    """The MAC's 43rd character carries 2 bits the 32 bytes do not use, so three other
    characters decode to the same bytes: each is another spelling, and refused."""
    for token in (PASS, CHALLENGE):
        last = ALPHABET.index(token[-1])
        for twin in ALPHABET[last & ~3 : (last & ~3) + 4]:
            if twin == token[-1]:
                continue
            forged = token[:-1] + twin
            assert not CHALLENGES.check_pass(forged, T0 + 2, IP, SESSION)
            result = CHALLENGES.verify_work(
                forged, first_solution(forged, 4), T0 + 2, IP, SESSION, claim_all
            )
            assert result.reason == "forged"


@settings(max_examples=400, deadline=None)
@given(edit=EDITS)
def test_no_other_spelling_of_a_pass_is_a_pass(edit: tuple[str, int, object]) -> None:
    forged = edited(PASS, edit)
    assume(forged != PASS)
    assert not CHALLENGES.check_pass(forged, T0 + 2, IP, SESSION)


@settings(max_examples=200, deadline=None)
@given(edit=EDITS)
def test_no_other_spelling_of_a_challenge_earns_a_pass(edit: tuple[str, int, object]) -> None:
    """Solved for the spelling sent, so that the proof is never what refuses it."""
    forged = edited(CHALLENGE, edit)
    assume(forged != CHALLENGE)
    counter = first_solution(forged, 4)
    result = CHALLENGES.verify_work(forged, counter, T0 + 2, IP, SESSION, claim_all)
    assert not result.ok and result.pass_token is None
    assert result.reason in ("malformed", "forged") and result.next_url == "/"
    waited = CHALLENGES.verify_wait(forged, T0 + 60, IP, SESSION, claim_all)
    assert not waited.ok and waited.reason in ("malformed", "forged")


@settings(max_examples=100, deadline=None)
@given(now=st.floats(T0 - 86400, T0 + 86400), session=st.sampled_from([SESSION, None]))
def test_a_token_signed_with_another_key_is_never_accepted(now: float, session: str | None) -> None:
    stranger = Challenges(OTHER, difficulty=4)
    ch = stranger.issue(now, IP, session, "/")
    counter = first_solution(ch.token, 4)
    assert CHALLENGES.verify_work(ch.token, counter, now, IP, session, claim_all).reason == (
        "forged"
    )
    granted = stranger.verify_work(ch.token, counter, now, IP, session, claim_all)
    assert granted.pass_token is not None
    assert not CHALLENGES.check_pass(granted.pass_token, now, IP, session)


@settings(max_examples=300, deadline=None)
@given(later=st.floats(-10.0, 10_000.0))
def test_a_pass_is_good_until_it_expires_and_never_after(later: float) -> None:
    """Issued at T0 + 1 for an hour: good until T0 + 3601, not at or after it."""
    assert CHALLENGES.check_pass(PASS, T0 + 1 + later, IP, SESSION) is (later < 3600)


def same_wide_prefix(a: str, b: str) -> bool:
    """The reference: IPv4 /16, IPv6 /32, an IPv4-mapped address read as IPv4."""

    def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        address = ipaddress.ip_address(text)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return ipaddress.ip_network((address, 16 if address.version == 4 else 32), strict=False)

    return net(a) == net(b)


ADDRESSES = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
    st.sampled_from(["198.51.0.1", "198.51.255.255", "198.50.100.7", "::ffff:198.51.1.2"]),
)


@settings(max_examples=200, deadline=None)
@given(
    issued_to=st.sampled_from([IP, "2001:db8:1:2::1"]),
    used_from=ADDRESSES,
    issued_with=st.sampled_from([SESSION, None]),
    used_with=st.sampled_from([SESSION, "session-2", None]),
)
def test_a_pass_travels_only_within_its_wide_prefix_and_session(
    issued_to: str, used_from: str, issued_with: str | None, used_with: str | None
) -> None:
    token = a_pass(issued_to, issued_with)
    expected = same_wide_prefix(issued_to, used_from) and (
        issued_with is None or used_with == issued_with
    )
    assert CHALLENGES.check_pass(token, T0 + 2, used_from, used_with) is expected


@settings(max_examples=300, deadline=None)
@given(
    difficulty=st.integers(1, 8),
    counter=st.integers(0, 5_000) | st.integers(-(2**70), 2**70),
)
def test_a_proof_is_accepted_exactly_when_it_has_the_difficultys_zero_bits(
    difficulty: int, counter: int
) -> None:
    challenges = Challenges(SECRET, difficulty=difficulty)
    ch = challenges.issue(T0, IP, SESSION, "/")
    digest = hashlib.sha256(f"{ch.token}:{counter}".encode()).digest()
    good = 0 <= counter <= MAX_COUNTER and leading_zero_bits(digest) >= difficulty
    result = challenges.verify_work(ch.token, counter, T0 + 1, IP, SESSION, claim_all)
    assert result.ok is good
    assert result.reason == ("ok" if good else "bad-proof")
    if counter >= 0:
        assert has_work(ch.token, counter, difficulty) is (leading_zero_bits(digest) >= difficulty)


def test_a_proof_one_bit_short_is_refused() -> None:
    """A counter with exactly difficulty - 1 zero bits: the count is not off by one."""
    challenges = Challenges(SECRET, difficulty=6)
    ch = challenges.issue(T0, IP, SESSION, "/")
    counter = next(
        c
        for c in range(100_000)
        if leading_zero_bits(hashlib.sha256(f"{ch.token}:{c}".encode()).digest()) == 5
    )
    result = challenges.verify_work(ch.token, counter, T0 + 1, IP, SESSION, claim_all)
    assert result.reason == "bad-proof"
