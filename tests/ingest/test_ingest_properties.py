"""Property tests: no input crashes ingestion, and well-formed lines round-trip."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_samples import CADDY_LINE, COMMON_LINE, NGINX_LINE

from scrapeguard.events import RequestEvent
from scrapeguard.ingest import (
    COMBINED,
    COMMON,
    JSON,
    IngestStats,
    LogFormat,
    MalformedLine,
    UnknownLogFormat,
    UnreadableSource,
    custom_format,
    read_events,
)

NGINX_SPEC = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" "$cookie_sessionid" $msec $request_uri'
)
APACHE_SPEC = r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %D %{sid}C %q"
ALL_FORMATS: list[LogFormat] = [
    COMBINED,
    COMMON,
    JSON,
    custom_format(NGINX_SPEC),
    custom_format(APACHE_SPEC),
]
FORMAT_IDS = ["combined", "common", "json", "custom-nginx", "custom-apache"]

# Text built from the characters that matter to the parsers, plus anything at all.
SIGNIFICANT = st.sampled_from(list(' "\\[]{}:/?-+.,;=x0123456789\t\r\x00') + ["\\x", "::ffff:"])
nasty_text = st.one_of(
    st.text(max_size=300),
    st.lists(SIGNIFICANT, max_size=80).map("".join),
)


def mutate(base: str) -> st.SearchStrategy[str]:
    """Valid lines with a slice replaced by arbitrary text."""
    return st.tuples(
        st.integers(0, len(base)), st.integers(0, 30), st.one_of(SIGNIFICANT, st.text(max_size=8))
    ).map(lambda t: base[: t[0]] + t[2] + base[t[0] + t[1] :])


any_line = st.one_of(
    nasty_text, mutate(NGINX_LINE), mutate(COMMON_LINE), mutate(CADDY_LINE), mutate("{}")
)


def check_batch(fmt: LogFormat, lines: list[str]) -> None:
    events, bad = fmt.parse_batch(lines)
    assert all(isinstance(e, RequestEvent) for e in events)
    assert len(events) + len(bad) <= len(lines)
    indexes = [i for i, _ in bad]
    assert indexes == sorted(set(indexes)) and all(0 <= i < len(lines) for i in indexes)
    nonblank = sum(1 for line in lines if line.strip())
    assert len(events) + len(bad) == nonblank  # every non-blank line is counted, one way
    for ev in events:
        assert isinstance(ev.time, float) and ev.time == ev.time
        assert isinstance(ev.ip, str) and isinstance(ev.status, int)


@pytest.mark.parametrize("fmt", ALL_FORMATS, ids=FORMAT_IDS)
@given(lines=st.lists(any_line, max_size=6))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_text_never_crashes_parsers(fmt: LogFormat, lines: list[str]) -> None:
    check_batch(fmt, lines)
    for line in lines:
        with contextlib.suppress(MalformedLine):
            fmt.parse(line)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)
KNOWN_KEYS = [
    "remote_addr", "time_iso8601", "time_local", "msec", "request", "request_method",
    "request_uri", "uri", "args", "status", "body_bytes_sent", "http_user_agent", "http_cookie",
    "account", "account_created", "session", "device", "ja3", "disclosed", "ts", "size",
]  # fmt: skip
json_objects = st.dictionaries(st.sampled_from(KNOWN_KEYS), json_values, max_size=10)
caddy_objects = st.fixed_dictionaries(
    {"ts": json_values, "request": st.dictionaries(
        st.sampled_from(["client_ip", "remote_ip", "method", "uri", "host", "headers", "tls"]),
        json_values,
    )}
)  # fmt: skip


@given(st.lists(st.one_of(json_values, json_objects, caddy_objects), max_size=5))
@settings(max_examples=150, deadline=None)
def test_json_values_never_crash(values: list[object]) -> None:
    check_batch(JSON, [json.dumps(v) for v in values])


def read_all(data: bytes, fmt: str | LogFormat) -> IngestStats:
    stats = IngestStats()
    with TemporaryDirectory() as tmp:
        path = Path(tmp, "fuzz.log")
        path.write_bytes(data)
        try:
            events = list(read_events([str(path)], fmt, stats))
        except UnknownLogFormat:
            assert fmt == "auto"
            return stats
    assert len(events) == stats.parsed
    assert stats.lines == stats.parsed + stats.malformed + stats.blank
    assert stats.bytes_read == len(data)
    return stats


valid_prefix = st.sampled_from([b"", (NGINX_LINE + "\n").encode(), (CADDY_LINE + "\n").encode()])


@pytest.mark.parametrize("fmt", ["auto", *ALL_FORMATS], ids=["auto", *FORMAT_IDS])
@given(prefix=valid_prefix, data=st.binary(max_size=600))
@settings(max_examples=150, deadline=None)
def test_bytes_never_crash_read_events(fmt: str | LogFormat, prefix: bytes, data: bytes) -> None:
    read_all(prefix + data, fmt)


@given(data=st.binary(min_size=2, max_size=200))
@settings(max_examples=100, deadline=None)
def test_gzip_magic_followed_by_junk_is_a_clean_error(data: bytes) -> None:
    try:
        read_all(b"\x1f\x8b" + data, "combined")
    except UnreadableSource as exc:
        assert "corrupt gzip" in str(exc)


# Round trip: well-formed combined lines give back what was written.
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ipv6 = st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8).map(
    lambda g: ":".join(f"{x:x}" for x in g)
)
token = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, exclude_characters='"\\?'),
    min_size=1,
    max_size=20,
)
free = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@given(
    ip=st.one_of(ipv4, ipv6),
    method=st.sampled_from(["GET", "POST", "HEAD", "PROPFIND"]),
    path=token.map(lambda s: "/" + s),
    query=st.one_of(st.just(""), token),
    status=st.integers(100, 599),
    size=st.integers(0, 10**12),
    referer=free,
    agent=free,
    second=st.integers(0, 10**9),
)
def test_combined_round_trip(
    ip: str, method: str, path: str, query: str, status: int, size: int,
    referer: str, agent: str, second: int,
) -> None:  # fmt: skip
    from datetime import UTC, datetime

    stamp = datetime.fromtimestamp(second, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    target = path + ("?" + query if query else "")
    line = (
        f'{ip} - - [{stamp}] "{method} {target} HTTP/1.1" {status} {size} '
        f'"{escape(referer)}" "{escape(agent)}"'
    )
    ev = COMBINED.parse(line)
    assert (ev.ip, ev.method, ev.path, ev.query) == (ip, method, path, query)
    assert (ev.status, ev.bytes, ev.time) == (status, size, float(second))
    assert ev.referer == ("" if referer == "-" else referer)
    assert ev.user_agent == ("" if agent == "-" else agent)
