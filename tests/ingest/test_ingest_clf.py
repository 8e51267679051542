"""combined and common formats."""

from __future__ import annotations

from calendar import timegm

import pytest
from ingest_samples import (
    APACHE_LINE,
    COMMON_LINE,
    NGINX_LINE,
    T_2015_05_17_100503,
    clf_line,
)

from scrapeguard.ingest import COMBINED, COMMON, MalformedLine


def test_nginx_combined_line() -> None:
    ev = COMBINED.parse(NGINX_LINE)
    assert ev.ip == "203.0.113.7"
    assert ev.time == T_2015_05_17_100503
    assert (ev.method, ev.path, ev.query) == ("GET", "/users/42", "tab=posts&page=2")
    assert (ev.status, ev.bytes) == (200, 5123)
    assert ev.referer == "https://www.example.com/search?q=anna"
    assert ev.user_agent.startswith("Mozilla/5.0 (X11")
    assert ev.host == "" and ev.session is None and ev.disclosed is None
    assert ev.extra == {}


def test_apache_combined_line() -> None:
    ev = COMBINED.parse(APACHE_LINE)
    assert ev.ip == "83.149.9.216"
    assert ev.path.endswith("kibana-search.png") and ev.query == ""
    assert ev.bytes == 203023


def test_query_split_at_first_question_mark() -> None:
    ev = COMBINED.parse(clf_line(request="GET /a?b=1?c=2 HTTP/1.1"))
    assert (ev.path, ev.query) == ("/a", "b=1?c=2")
    ev = COMBINED.parse(clf_line(request="GET /a? HTTP/1.1"))
    assert (ev.path, ev.query) == ("/a", "")


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:7334"),
        ("::1", "::1"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("::ffff:192.0.2.128", "192.0.2.128"),
    ],
)
def test_ipv6_clients(ip: str, expected: str) -> None:
    assert COMBINED.parse(clf_line(ip=ip)).ip == expected


def test_dash_bytes_referer_agent() -> None:
    ev = COMBINED.parse(clf_line(size="-", referer="-", agent="-"))
    assert (ev.bytes, ev.referer, ev.user_agent) == (0, "", "")


def test_apache_escaped_quotes() -> None:
    line = clf_line(
        request='GET /search?q=\\"ann\\" HTTP/1.1',
        agent='Mozilla/5.0 \\"quoted\\" back\\\\slash',
        referer='https://x.test/\\"r\\"',
    )
    ev = COMBINED.parse(line)
    assert ev.query == 'q="ann"'
    assert ev.user_agent == 'Mozilla/5.0 "quoted" back\\slash'
    assert ev.referer == 'https://x.test/"r"'


def test_nginx_hex_escapes_decode_utf8() -> None:
    ev = COMBINED.parse(clf_line(agent="Bot \\x22q\\x22 \\xD0\\xAF\\xD0\\xBD\\xD0\\xB4"))
    assert ev.user_agent == 'Bot "q" Янд'


@pytest.mark.parametrize(
    ("stamp", "shift"),
    [
        ("17/May/2015:10:05:03 +0000", 0),
        ("17/May/2015:12:05:03 +0200", 0),
        ("17/May/2015:03:05:03 -0700", 0),
        ("17/May/2015:15:35:03 +0530", 0),
        ("17/may/2015:10:05:03 +0000", 0),
        ("18/May/2015:00:05:03 +1400", 0),
    ],
)
def test_timezone_offsets(stamp: str, shift: int) -> None:
    assert COMBINED.parse(clf_line(stamp=stamp)).time == T_2015_05_17_100503 + shift


def test_leap_day_and_year_end() -> None:
    assert COMBINED.parse(clf_line(stamp="29/Feb/2024:23:59:59 +0000")).time == float(
        timegm((2024, 2, 29, 23, 59, 59, 0, 0, 0))
    )
    assert COMBINED.parse(clf_line(stamp="01/Jan/2025:00:30:00 +0100")).time == float(
        timegm((2024, 12, 31, 23, 30, 0, 0, 0, 0))
    )


@pytest.mark.parametrize(
    "stamp",
    ["31/Feb/2015:10:05:03 +0000", "17/Foo/2015:10:05:03 +0000", "17/May/2015:25:05:03 +0000"],
)
def test_impossible_times_are_malformed(stamp: str) -> None:
    with pytest.raises(MalformedLine, match="time"):
        COMBINED.parse(clf_line(stamp=stamp))


def test_request_line_not_three_parts_is_kept() -> None:
    ev = COMBINED.parse(clf_line(request="-", status=400, size="0"))
    assert (ev.method, ev.path, ev.query, ev.status) == ("", "", "", 400)
    assert ev.extra["request"] == "-"
    tls = clf_line(request="\\x16\\x03\\x01\\x00\\xA5\\x01", status=400)
    ev = COMBINED.parse(tls)
    assert ev.method == "" and ev.path == "" and ev.extra["request"].startswith("\x16\x03")


def test_http09_and_spaces_in_target() -> None:
    ev = COMBINED.parse(clf_line(request="GET /old"))
    assert (ev.method, ev.path) == ("GET", "/old")
    ev = COMBINED.parse(clf_line(request="GET /a b?c d HTTP/1.1"))
    assert (ev.method, ev.path, ev.query) == ("GET", "/a b", "c d")


def test_trailing_fields_are_ignored() -> None:
    line = NGINX_LINE + ' "198.51.100.1, 10.0.0.1" 0.004 upstream=0.003'
    ev = COMBINED.parse(line)
    assert ev.path == "/users/42" and ev.user_agent.endswith("Firefox/115.0")
    assert COMBINED.parse(NGINX_LINE + ' "-"').ip == "203.0.113.7"


def test_crlf_and_trailing_newline() -> None:
    assert COMBINED.parse(NGINX_LINE + "\r\n").ip == "203.0.113.7"
    assert COMMON.parse(COMMON_LINE + "\r").ip == "127.0.0.1"


def test_remote_user_goes_to_extra() -> None:
    ev = COMMON.parse(COMMON_LINE)
    assert ev.extra == {"remote_user": "frank"}
    assert ev.time == float(timegm((2000, 10, 10, 20, 55, 36, 0, 0, 0)))
    assert (ev.referer, ev.user_agent) == ("", "")


def test_common_and_combined_do_not_overlap() -> None:
    assert COMMON.sniff(COMMON_LINE) and not COMBINED.sniff(COMMON_LINE)
    assert COMBINED.sniff(NGINX_LINE) and not COMMON.sniff(NGINX_LINE)


def test_truncated_line_is_malformed_with_reason() -> None:
    truncated = NGINX_LINE[:-20]
    with pytest.raises(MalformedLine, match="user-agent"):
        COMBINED.parse(truncated)
    with pytest.raises(MalformedLine, match="combined"):
        COMBINED.parse("hello world")
    with pytest.raises(MalformedLine, match="JSON"):
        COMBINED.parse('{"remote_addr": "1.2.3.4"}')


def test_parse_batch_reports_indices_and_skips_blanks() -> None:
    events, bad = COMBINED.parse_batch([NGINX_LINE, "", "garbage", "   ", APACHE_LINE, "x"])
    assert [e.ip for e in events] == ["203.0.113.7", "83.149.9.216"]
    assert [i for i, _ in bad] == [2, 5]
    with pytest.raises(MalformedLine, match="blank"):
        COMBINED.parse("  ")


def test_fast_and_general_paths_agree() -> None:
    # A backslash anywhere sends the line to the escape-aware path: results must not differ.
    plain = clf_line(agent="Mozilla/5.0 (Windows NT 10.0)")
    escaped_elsewhere = plain + ' "\\x2d"'
    assert COMBINED.parse(plain) == COMBINED.parse(escaped_elsewhere)


def test_a_user_agent_is_kept_to_its_first_thousand_characters() -> None:
    """A client cannot make the actor states it creates as large as it likes: every source
    keeps the same first MAX_AGENT_CHARS characters of a longer user agent."""
    import json

    from scrapeguard.events import MAX_AGENT_CHARS
    from scrapeguard.ingest import custom_format, get_format

    agent = "Mozilla/5.0 " + "x" * 5000
    plain = COMBINED.parse(clf_line(agent=agent))
    escaped = COMBINED.parse(clf_line(agent=agent + "\\x2d"))  # the escape-aware path
    nginx_json = get_format("json").parse(
        json.dumps({"time_local": "17/May/2015:10:05:03 +0000", "remote_addr": "203.0.113.7",
                    "request": "GET /x HTTP/1.1", "status": 200, "http_user_agent": agent})
    )  # fmt: skip
    custom = custom_format('$remote_addr [$time_local] "$request" $status "$http_user_agent"')
    mine = custom.parse(f'203.0.113.7 [17/May/2015:10:05:03 +0000] "GET /x HTTP/1.1" 200 "{agent}"')
    for ev in (plain, escaped, nginx_json, mine):
        assert ev is not None and ev.user_agent == agent[:MAX_AGENT_CHARS]
    assert COMBINED.parse(clf_line(agent="curl/8.0")).user_agent == "curl/8.0"  # as it was
