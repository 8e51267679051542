"""Property tests: any text a server escapes into a log line comes back exactly as sent.

A user relies on the user agent, referer and request target of an event being what the client
sent, whichever server wrote the line: nginx `escape=default` (`"`, `\\` and bytes below 32 or
above 126 as `\\xHH`), nginx `escape=json` (`\\"`, `\\\\`, `\\n \\r \\t \\b \\f`, other control
bytes as `\\u00XX`, the rest raw) and Apache (`\\"`, `\\\\`, `\\b \\n \\r \\t \\v`, other
non-printable bytes as `\\xhh`). The writers below follow those servers' documented escaping.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.ingest import COMBINED, JSON, LogFormat, custom_format


def nginx_default(text: str) -> str:
    out = []
    for b in text.encode("utf-8"):
        out.append(f"\\x{b:02X}" if b in (0x22, 0x5C) or b < 32 or b > 126 else chr(b))
    return "".join(out)


_JSON_SHORT = {0x0A: "n", 0x0D: "r", 0x09: "t", 0x08: "b", 0x0C: "f"}


def nginx_json(text: str) -> str:
    out = bytearray()
    for b in text.encode("utf-8"):
        if b in (0x22, 0x5C):
            out += b"\\" + bytes((b,))
        elif b < 0x20:
            out += ("\\" + _JSON_SHORT.get(b, f"u{b:04x}")).encode()
        else:
            out.append(b)
    return out.decode("utf-8")


_APACHE_SHORT = {0x08: "b", 0x0A: "n", 0x0D: "r", 0x09: "t", 0x0B: "v"}


def apache(text: str) -> str:
    out = []
    for b in text.encode("utf-8"):
        if b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        elif b in _APACHE_SHORT:
            out.append("\\" + _APACHE_SHORT[b])
        elif b < 32 or b > 126:
            out.append(f"\\x{b:02x}")
        else:
            out.append(chr(b))
    return "".join(out)


CLF_FIELDS = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)
CASES: list[tuple[str, LogFormat, Callable[[str], str]]] = [
    ("combined-nginx", COMBINED, nginx_default),
    ("combined-apache", COMBINED, apache),
    ("custom-nginx", custom_format(CLF_FIELDS), nginx_default),
    ("custom-nginx-json", custom_format(f"log_format j escape=json '{CLF_FIELDS}';"), nginx_json),
    (
        "custom-apache",
        custom_format(r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""),
        apache,
    ),
]

any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
# Text rich in the bytes the escapings treat specially.
special = st.lists(
    st.sampled_from(
        ['"', "\\", "\\x41", "\b", "\t", "\n", "\v", "\f", "\r", "\x1b", "\x7f", "é", "a"]
    ),
    max_size=12,
).map("".join)
value = st.one_of(any_text, special).filter(lambda s: s != "-")
target_text = st.one_of(any_text, special).map(lambda s: s.replace("?", ""))


@pytest.mark.parametrize("fmt,escape", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@given(referer=value, agent=value, path=target_text, query=st.one_of(any_text, special))
def test_escaped_fields_come_back_as_sent(
    fmt: LogFormat, escape: Callable[[str], str], referer: str, agent: str, path: str, query: str
) -> None:
    path = "/" + path
    request = f"GET {path}{'?' + query if query else ''} HTTP/1.1"
    line = (
        f'203.0.113.7 - - [17/May/2015:10:05:03 +0000] "{escape(request)}" 200 12 '
        f'"{escape(referer)}" "{escape(agent)}"'
    )
    ev = fmt.parse(line)
    assert (ev.method, ev.path, ev.query) == ("GET", path, query)
    assert (ev.referer, ev.user_agent) == (referer, agent)


STAMP = "[17/May/2015:10:05:03 +0000]"
SPLIT_FORMATS = {  # the target logged in two parts: nginx's $args has no "?", Apache's %q has one
    "nginx-args": custom_format('$remote_addr [$time_local] "$uri" "$args"'),
    "nginx-query_string": custom_format('$remote_addr [$time_local] "$uri" "$query_string"'),
    "apache": custom_format(r"%a %t \"%U%q\""),
}
REQUEST_URI = custom_format('$remote_addr [$time_local] "$request_uri"')
# nginx's $uri$is_args$args: $is_args is "?" when $args is not empty, else ""; a missing $args is
# written "-" by escape=default and nothing by escape=json
IS_ARGS = [
    custom_format(f'$remote_addr [$time_local] "{target}"')
    for target in (
        "$uri$is_args$args",
        "$document_uri$is_args$query_string",
        "${uri}${is_args}${query_string}",
    )
]
IS_ARGS_JSON = custom_format(
    """log_format j escape=json '$remote_addr [$time_local] "$uri$is_args$args"';"""
)
IS_ARGS_UNQUOTED = custom_format(
    '$remote_addr [$time_local] "$request_method $uri$is_args$args $server_protocol"'
)
# $host never holds a "/", so a path written right after it starts at the first "/"
HOST_PATH = [
    custom_format(f'$remote_addr [$time_local] "$scheme://{target}"')
    for target in ("$host$request_uri", "$host$uri$is_args$args")
]
marks = st.text(st.sampled_from("?=&a"), max_size=6)  # queries that begin with "?"
hosts = st.text(st.sampled_from("ab9.-:[]"), max_size=12)  # also IPv6 [::1] and ports


@given(
    path=st.tuples(target_text, st.sampled_from(["", "-"])).map(
        lambda t: "/" + t[0].replace(" ", "") + t[1]
    ),
    query=st.one_of(any_text, special, marks).filter(lambda s: s != "-"),
    marked=st.booleans(),
    host=hosts,
)
def test_query_reads_the_same_however_the_target_is_logged(
    path: str, query: str, marked: bool, host: str
) -> None:
    # A target is split at its first "?": /p??x=1 is path /p, query ?x=1, as COMBINED reads it.
    # nginx writes an empty $args as "-", so a query that is just "-" cannot be told from none.
    target = path + ("?" + query if marked else "")
    query = query if marked else ""
    ev = COMBINED.parse(
        f'1.2.3.4 - - {STAMP} "{nginx_default(f"GET {target} HTTP/1.1")}" 200 1 "-" "-"'
    )
    assert (ev.path, ev.query) == (path, query)
    ev = REQUEST_URI.parse(f'1.2.3.4 {STAMP} "{nginx_default(target)}"')
    assert (ev.path, ev.query) == (path, query)
    args = nginx_default(query) if query else "-"
    for name in ("nginx-args", "nginx-query_string"):
        ev = SPLIT_FORMATS[name].parse(f'1.2.3.4 {STAMP} "{nginx_default(path)}" "{args}"')
        assert (ev.path, ev.query) == (path, query)
    if " " not in query and '"' not in query:  # %q is read up to a space or quote
        q = "?" + query if marked else ""
        ev = SPLIT_FORMATS["apache"].parse(f'1.2.3.4 {STAMP} "{apache(path)}{apache(q)}"')
        assert (ev.path, ev.query) == (path, query)
    for fmt in IS_ARGS:
        written = nginx_default(path + ("?" + query if query else "-"))
        ev = fmt.parse(f'1.2.3.4 {STAMP} "{written}"')
        assert (ev.path, ev.query) == (path, query)
    written = nginx_json(path + ("?" + query if query else ""))
    ev = IS_ARGS_JSON.parse(f'1.2.3.4 {STAMP} "{written}"')
    assert (ev.path, ev.query) == (path, query)
    if " " not in query:  # read up to the space before $server_protocol
        written = nginx_default(path + ("?" + query if query else "-"))
        ev = IS_ARGS_UNQUOTED.parse(f'1.2.3.4 {STAMP} "GET {written} HTTP/1.1"')
        assert (ev.path, ev.query) == (path, query)
    at_host = [nginx_default(target), nginx_default(path + ("?" + query if query else "-"))]
    for fmt, written in zip(HOST_PATH, at_host, strict=True):
        ev = fmt.parse(f'1.2.3.4 {STAMP} "https://{host}{written}"')
        assert (ev.host, ev.path, ev.query) == ("" if host == "-" else host, path, query)
    for fields in ({"uri": path, "args": query}, {"request_uri": target}):
        ev = JSON.parse(json.dumps({"remote_addr": "1.2.3.4", "msec": 1, **fields}))
        assert (ev.path, ev.query) == (path, query)
