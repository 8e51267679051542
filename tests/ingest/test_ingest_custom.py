"""Custom formats in nginx log_format and Apache LogFormat syntax."""

from __future__ import annotations

import pytest
from ingest_samples import T_2015_05_17_100503

from scrapeguard.ingest import (
    COMBINED,
    CustomFormat,
    FormatSpecError,
    MalformedLine,
    custom_format,
    get_format,
)

NGINX_MAIN = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" "$http_x_forwarded_for" $request_time'
)
LINE_MAIN = (
    '2001:db8::5 - alice [17/May/2015:12:05:03 +0200] "GET /u/7?tab=a HTTP/2.0" 200 812 '
    '"https://example.com/" "Mozilla/5.0 (X11)" "198.51.100.1, 10.0.0.1" 0.004'
)


def test_nginx_main_format() -> None:
    fmt = custom_format(NGINX_MAIN)
    assert isinstance(fmt, CustomFormat) and fmt.syntax == "nginx"
    ev = fmt.parse(LINE_MAIN)
    assert ev.time == T_2015_05_17_100503
    assert (ev.ip, ev.method, ev.path, ev.query) == ("2001:db8::5", "GET", "/u/7", "tab=a")
    assert (ev.status, ev.bytes, ev.referer, ev.user_agent) == (
        200, 812, "https://example.com/", "Mozilla/5.0 (X11)"
    )  # fmt: skip
    assert ev.extra == {
        "remote_user": "alice",
        "http_x_forwarded_for": "198.51.100.1, 10.0.0.1",
        "request_time": "0.004",
    }


def test_nginx_directive_is_accepted() -> None:
    directive = (
        "log_format  main  escape=default '$remote_addr - $remote_user [$time_local] "
        '"$request" \' \'$status $body_bytes_sent "$http_referer" \' '
        '\'"$http_user_agent" "$http_x_forwarded_for" $request_time\';'
    )
    fmt = custom_format(directive)
    assert fmt.parse(LINE_MAIN) == custom_format(NGINX_MAIN).parse(LINE_MAIN)


def test_nginx_combined_equivalent_to_builtin() -> None:
    spec = (
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent"'
    )
    line = (
        '203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /p?q=\\"x\\" HTTP/1.1" 200 5 "-" '
        '"UA \\x22y\\x22"'
    )
    assert custom_format(spec).parse(line) == COMBINED.parse(line)


def test_nginx_identity_fields_and_cookies() -> None:
    spec = (
        "${remote_addr} [$time_iso8601] $request_method $request_uri $status $bytes_sent "
        '$host "$http_accept_language" "$cookie_PHPSESSID" "$cookie_sg_device" '
        '"$http_x_account" $ssl_ja3_hash $upstream_response_time'
    )
    fmt = custom_format(spec, account_vars=["$http_x_account"])
    line = (
        "198.51.100.9 [2015-05-17T10:05:03+00:00] POST /api/people?page=3 201 99 example.com "
        '"fr-FR" "php-s1" "dev-7" "acct-3" 769,47-53,0-10 0.010'
    )
    ev = fmt.parse(line)
    assert ev.time == T_2015_05_17_100503
    assert (ev.method, ev.path, ev.query, ev.status, ev.bytes) == (
        "POST", "/api/people", "page=3", 201, 99
    )  # fmt: skip
    assert (ev.host, ev.accept_language) == ("example.com", "fr-FR")
    assert (ev.session, ev.device, ev.account) == ("php-s1", "dev-7", "acct-3")
    assert ev.tls_fingerprint == "769,47-53,0-10"
    assert ev.extra == {"upstream_response_time": "0.010"}
    # without account_vars the header is just extra
    assert custom_format(spec).parse(line).extra["http_x_account"] == "acct-3"


def test_nginx_cookie_header_and_options() -> None:
    spec = '$remote_addr [$time_local] "$request" "$http_cookie" $http_x_sess'
    line = '1.2.3.4 [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" "sid=abc; dev=d1" hdr-s'
    ev = custom_format(spec).parse(line)
    assert (ev.session, ev.device) == (None, None)
    ev = custom_format(spec, session_cookies=["SID"], device_cookies=["dev"]).parse(line)
    assert (ev.session, ev.device) == ("abc", "d1")
    ev = custom_format(spec, session_vars=["http_x_sess"]).parse(line)
    assert ev.session == "hdr-s"


def test_msec_and_ip_var() -> None:
    spec = '$remote_addr $msec "$request" $status "$http_x_forwarded_for"'
    line = '10.0.0.1 1431857103.250 "GET / HTTP/1.1" 200 "203.0.113.1, 198.51.100.2"'
    ev = custom_format(spec).parse(line)
    assert (ev.ip, ev.time) == ("10.0.0.1", T_2015_05_17_100503 + 0.25)
    ev = custom_format(spec, ip_var="$http_x_forwarded_for").parse(line)
    assert ev.ip == "198.51.100.2"


APACHE_COMBINED = r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""


def test_apache_combined_equivalent_to_builtin() -> None:
    fmt = custom_format(APACHE_COMBINED)
    assert isinstance(fmt, CustomFormat) and fmt.syntax == "apache"
    line = (
        '::ffff:192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /x?y=1 HTTP/1.1" 304 - '
        '"https://r.test/" "Mozilla \\"5\\""'
    )
    assert fmt.parse(line) == COMBINED.parse(line)


def test_apache_directive_and_extras() -> None:
    spec = (
        'LogFormat "%v %a %h %l %u %t \\"%r\\" %>s %B %D %T %{ms}T \\"%{Cookie}i\\" '
        '%{sessionid}C %{device_id}C \\"%{X-Forwarded-For}i\\" %{Content-Type}o %p %%" vhost'
    )
    fmt = custom_format(spec)
    line = (
        "www.example.com 203.0.113.50 proxy.example.net - - [17/May/2015:10:05:03 +0000] "
        '"GET /people/9 HTTP/1.1" 200 1234 5321 0 5 "a=1" sess-9 dev-2 "-" text/html 443 %'
    )
    ev = fmt.parse(line)
    assert ev.ip == "203.0.113.50"  # %a wins over %h
    assert (ev.host, ev.path, ev.bytes) == ("www.example.com", "/people/9", 1234)
    assert (ev.session, ev.device) == ("sess-9", "dev-2")
    # the Cookie header is only searched for session / device cookies, never kept in extra
    assert ev.extra == {
        "remote_host": "proxy.example.net",
        "request_time_us": "5321",
        "request_time_s": "0",
        "request_time_ms": "5",
        "sent_http_content_type": "text/html",
        "server_port": "443",
    }


@pytest.mark.parametrize(
    ("directive", "value", "expected"),
    [
        ("%{sec}t", "1431857103", T_2015_05_17_100503),
        ("%{msec}t", "1431857103500", T_2015_05_17_100503 + 0.5),
        ("%{usec}t", "1431857103000001", T_2015_05_17_100503 + 1e-6),
        ("[%{%d/%b/%Y:%H:%M:%S %z}t]", "[17/May/2015:10:05:03 +0000]", T_2015_05_17_100503),
        ("%{%Y-%m-%dT%H:%M:%S%z}t", "2015-05-17T10:05:03+0000", T_2015_05_17_100503),
        ("%{begin:sec}t", "1431857103", T_2015_05_17_100503),
    ],
)
def test_apache_time_directives(directive: str, value: str, expected: float) -> None:
    fmt = custom_format(f'%a {directive} "%r" %s')
    assert fmt.parse(f'1.2.3.4 {value} "GET / HTTP/1.1" 200').time == pytest.approx(expected)


def test_apache_conditions_and_modifiers() -> None:
    fmt = custom_format(r'%a %t "%m %U%q %H" %<s %!200,304{Referer}i')
    ev = fmt.parse('1.2.3.4 [17/May/2015:10:05:03 +0000] "GET /a?b=2 HTTP/1.1" 200 -')
    assert (ev.method, ev.path, ev.query, ev.status, ev.referer) == ("GET", "/a", "b=2", 200, "")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("plain text", "no variables"),
        ('$remote_addr "$request"', "no time"),
        ('[$time_local] "$request"', "no client address"),
        ("$remote_addr [$time_local]", "no request"),
        ("%a %{%H:%M}t %r", "unsupported time format"),
        ("%a %t %r %J", "unknown Apache directive"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(FormatSpecError, match=message):
        custom_format(spec)
    with pytest.raises(FormatSpecError, match="not in the log format"):
        custom_format(NGINX_MAIN, ip_var="http_x_real_ip")
    with pytest.raises(FormatSpecError, match="syntax"):
        custom_format(NGINX_MAIN, syntax="iis")


def test_non_matching_and_bad_values_are_malformed() -> None:
    fmt = custom_format(NGINX_MAIN)
    with pytest.raises(MalformedLine, match="custom"):
        fmt.parse("nothing like it")
    bad_status = LINE_MAIN.replace(" 200 ", " OK ")
    with pytest.raises(MalformedLine):
        fmt.parse(bad_status)
    with pytest.raises(MalformedLine, match="time"):
        fmt.parse(LINE_MAIN.replace("17/May", "17/Mai"))


def test_get_format_compiles_specs() -> None:
    assert get_format("combined") is COMBINED
    assert isinstance(get_format(NGINX_MAIN), CustomFormat)
    assert isinstance(get_format(APACHE_COMBINED), CustomFormat)
    assert custom_format(NGINX_MAIN, name="main").name == "main"


@pytest.mark.parametrize("args", ["$args", "$query_string"])
def test_nginx_args_keep_a_question_mark_of_the_query(args: str) -> None:
    # nginx's $args has no "?" of its own: for /p??x=1 it is "?x=1", as combined reads it
    fmt = custom_format(f'$remote_addr [$time_local] "$request_method $uri" "{args}"')
    ev = fmt.parse('1.2.3.4 [17/May/2015:10:05:03 +0000] "GET /p" "?x=1"')
    assert (ev.path, ev.query) == ("/p", "?x=1")
    assert fmt.parse('1.2.3.4 [17/May/2015:10:05:03 +0000] "GET /p" "-"').query == ""
    line = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /p??x=1 HTTP/1.1" 200 1 "-" "-"'
    ev = COMBINED.parse(line)
    assert (ev.path, ev.query) == ("/p", "?x=1")
    apache = custom_format(r'%a %t "%m %U%q"')  # %q is "?" + the query: one "?" goes
    ev = apache.parse('1.2.3.4 [17/May/2015:10:05:03 +0000] "GET /p??x=1"')
    assert (ev.path, ev.query) == ("/p", "?x=1")


NGINX_IS_ARGS = '$remote_addr [$time_local] "$request_method $uri$is_args$args $server_protocol"'
# What nginx 1.22.1 wrote for "$uri$is_args$args" given these request targets: $is_args is "?"
# only when $args is not empty, and a missing $args is "-" (escape=default) or nothing (json).
WRITTEN_BY_NGINX = [  # (request target, escape=default, escape=json, path, query)
    ("/p", "/p-", "/p", "/p", ""),
    ("/p?", "/p-", "/p", "/p", ""),
    ("/p?x=1", "/p?x=1", "/p?x=1", "/p", "x=1"),
    ("/p??x=1", "/p??x=1", "/p??x=1", "/p", "?x=1"),
    ("/p?x=1?y", "/p?x=1?y", "/p?x=1?y", "/p", "x=1?y"),
    ("/a-", "/a--", "/a-", "/a-", ""),
    ("/p?-", "/p?-", "/p?-", "/p", "-"),
    ('/a"b?c"d', r"/a\x22b?c\x22d", r"/a\"b?c\"d", '/a"b', 'c"d'),
    ("/é?é", r"/\xC3\xA9?\xC3\xA9", "/é?é", "/é", "é"),
    ("//a/../b?x", "/b?x", "/b?x", "/b", "x"),  # $uri is nginx's normalised path
]


@pytest.mark.parametrize(("target", "default", "json", "path", "query"), WRITTEN_BY_NGINX)
def test_nginx_uri_is_args_args_reads_the_target(
    target: str, default: str, json: str, path: str, query: str
) -> None:
    stamp = "[17/May/2015:10:05:03 +0000]"
    ev = custom_format(NGINX_IS_ARGS).parse(f'1.2.3.4 {stamp} "GET {default} HTTP/1.1"')
    assert (ev.method, ev.path, ev.query) == ("GET", path, query)
    assert ev.extra == {"server_protocol": "HTTP/1.1"}
    as_json = custom_format(f"log_format j escape=json '{NGINX_IS_ARGS}';")
    ev = as_json.parse(f'1.2.3.4 {stamp} "GET {json} HTTP/1.1"')
    assert (ev.method, ev.path, ev.query) == ("GET", path, query)
    if ".." not in target:  # as combined and $request_uri read it: split at the first "?"
        assert (path, query) == target.partition("?")[::2]


@pytest.mark.parametrize(
    ("spec", "first", "second"),
    [
        ('$remote_addr [$time_local] "$request_method $uri$args"', "$uri", "$args"),
        ('$remote_addr [$time_local] "$http_host$request_uri"', "$http_host", "$request_uri"),
        ('$remote_addr$remote_user [$time_local] "$request"', "$remote_addr", "$remote_user"),
        ('$remote_addr [$time_local] "$uri" $is_args$args', "$is_args", "$args"),
        ('$remote_addr [$time_local] "$uri$is_args"', "$uri", "$is_args"),
        ('$remote_addr [$time_local] "$uri$is_args$args$status"', "$uri$is_args$args", "$status"),
        (
            "log_format m '$remote_addr [$time_local] ${request}${status}';",
            "${request}",
            "${status}",
        ),
        (r'%h%l %t "%r"', "%h", "%l"),
        (r'%a %t "%m %U%q%H"', "%q", "%H"),
        (r'%a %t "%r" %>s%{Referer}i', "%>s", "%{Referer}i"),
    ],
)
def test_adjacent_variables_a_line_cannot_separate_are_refused(
    spec: str, first: str, second: str
) -> None:
    # read greedily, the first would take the second's text or the reverse, without a word
    with pytest.raises(FormatSpecError) as refused:
        custom_format(spec)
    message = str(refused.value)
    assert f"{first} and {second} have nothing between them" in message
    directive = "log_format" if "$" in spec else "LogFormat"
    assert f"put a separator between them in the {directive}" in message
    assert f"'{first} {second}'" in message


def test_adjacent_variables_a_line_separates_are_read() -> None:
    # %t is bracketed and %q begins with "?": these formats keep working
    stamp = "[17/May/2015:10:05:03 +0000]"
    ev = custom_format(r'%h%t "%m %U%q"').parse(f'1.2.3.4{stamp} "GET /p?x=1"')
    assert (ev.ip, ev.time, ev.path, ev.query) == ("1.2.3.4", T_2015_05_17_100503, "/p", "x=1")
    ev = custom_format(r'%t%a "%r"').parse(f'{stamp}1.2.3.4 "GET /p HTTP/1.1"')
    assert (ev.ip, ev.path) == ("1.2.3.4", "/p")


@pytest.mark.parametrize(
    ("spec", "written", "host", "path", "query"),
    [  # as nginx 1.22.1 wrote them: $host never holds "/", the path starts with one
        ('"$scheme://$host$request_uri"', '"http://ex.com/p?x=1"', "ex.com", "/p", "x=1"),
        ('"$request_method $host$request_uri"', '"GET other.com/z?k"', "other.com", "/z", "k"),
        ('"$request_method $server_name$request_uri"', '"GET /p"', "", "/p", ""),
        ('"$host$uri$is_args$args"', '"ex.com/p-"', "ex.com", "/p", ""),
        ('"$host$uri$is_args$args"', '"[::1]/a/b??c"', "[::1]", "/a/b", "?c"),
        (r'"%V%U%q"', '"ex.com/p?x=1"', "ex.com", "/p", "x=1"),
    ],
)
def test_host_written_before_the_path_is_read(
    spec: str, written: str, host: str, path: str, query: str
) -> None:
    head = "$remote_addr [$time_local] " if "$" in spec else "%a %t "
    ev = custom_format(head + spec).parse(f"1.2.3.4 [17/May/2015:10:05:03 +0000] {written}")
    assert (ev.host, ev.path, ev.query) == (host, path, query)
