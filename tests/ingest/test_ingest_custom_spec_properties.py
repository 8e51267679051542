"""Property tests: a custom log format built from any directives and separators reads the
lines a server writes with it.

A user relies on `custom_format` reading the fields of their own nginx `log_format` or Apache
`LogFormat` in any order and with any separators, as docs/ingest.md says: a variable inside
quotes reads an escaped value, any other reads up to the next literal character, the last one
reads the rest; known variables become `RequestEvent` fields, every other one lands in
`extra` under its nginx-style name unless its value is `-` or empty. The expected event below
is built from the generated values and the documented mapping, not from the parser.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from test_ingest_escape_properties import apache, nginx_default

from scrapeguard.ingest import custom_format

# (nginx variable, Apache directive, canonical name, RequestEvent field or None for extra)
VARIABLES = [
    ("$status", "%>s", "status", "status"),
    ("$body_bytes_sent", "%b", "body_bytes_sent", "bytes"),
    ("$host", "%V", "host", "host"),
    ("$http_user_agent", "%{User-Agent}i", "http_user_agent", "user_agent"),
    ("$http_referer", "%{Referer}i", "http_referer", "referer"),
    ("$http_accept_language", "%{Accept-Language}i", "http_accept_language", "accept_language"),
    ("$http_x_forwarded_proto", "%{X-Forwarded-Proto}i", "http_x_forwarded_proto", None),
    ("$sent_http_content_type", "%{Content-Type}o", "sent_http_content_type", None),
    ("$request_time_us", "%D", "request_time_us", None),
    ("$keepalive_requests", "%k", "keepalive_requests", None),
    ("$env_unique_id", "%{UNIQUE_ID}e", "env_unique_id", None),
    ("$server_port", "%p", "server_port", None),
]
SEPARATORS = [" ", " | ", ",", "\t", "; ", " :: ", "|"]
BARE = st.text(st.sampled_from("abcXYZ019._/-=+@()"), max_size=12)
QUOTED = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
NUMBER = st.integers(0, 10**9).map(str)

items = st.lists(st.sampled_from(range(len(VARIABLES))), unique=True, max_size=len(VARIABLES))


@st.composite
def format_and_line(draw: st.DrawFn, syntax: str) -> tuple[str, str, dict[str, str]]:
    """A format spec, a line written with it, and the value (unescaped) of every variable."""
    escape = nginx_default if syntax == "nginx" else apache
    chosen = [VARIABLES[k] for k in draw(items)]
    core = [
        ("$remote_addr", "%a", "remote_addr", "ip"),
        ("[$time_local]", "%t", "time_local", "time"),
        ('"$request"', '\\"%r\\"', "request", "request"),
    ]
    order = draw(st.permutations(core + chosen))
    spec: list[str] = []
    line: list[str] = []
    values: dict[str, str] = {}
    for n, (nginx, apache_directive, name, field) in enumerate(order):
        if n:
            sep = draw(st.sampled_from(SEPARATORS))
            spec.append(sep)
            line.append(sep)
        if name == "remote_addr":
            value = draw(st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))))
            written = value
        elif name == "time_local":
            second = draw(st.integers(0, 4 * 10**9))
            value = str(second)
            stamp = datetime.fromtimestamp(second, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
            written = f"[{stamp}]"
        elif name == "request":
            value = draw(QUOTED.map(lambda s: "/" + s.replace("?", "").replace(" ", "")))
            value += draw(st.sampled_from(["", "?", "?a=1&b"]))
            written = f'"{escape("GET " + value + " HTTP/1.1")}"'
        else:
            quoted = field not in ("status", "bytes") and draw(st.booleans())
            if field == "status":
                value = str(draw(st.integers(100, 599)))
            elif field == "bytes":
                value = draw(st.one_of(NUMBER, st.just("-")))
            else:
                value = draw(st.one_of(QUOTED if quoted else BARE, st.just("-")))
            written = f'"{escape(value)}"' if quoted else value
            if quoted:
                nginx, apache_directive = f'"{nginx}"', f'\\"{apache_directive}\\"'
        values[name] = value
        spec.append(nginx if syntax == "nginx" else apache_directive)
        line.append(written)
    return "".join(spec), "".join(line), values


def expected_fields(values: dict[str, str]) -> dict[str, object]:
    def text(name: str) -> str | None:
        value = values.get(name)
        return None if value in (None, "", "-") else value

    target = values["request"]
    path, _, query = target.partition("?")
    known = {v[2] for v in VARIABLES if v[3] is not None} | {"remote_addr", "time_local", "request"}
    return {
        "time": float(values["time_local"]),
        "ip": values["remote_addr"],
        "method": "GET",
        "path": path,
        "query": query,
        "status": int(values.get("status", "200")),
        "bytes": int(text("body_bytes_sent") or 0),
        "host": text("host") or "",
        "user_agent": text("http_user_agent") or "",
        "referer": text("http_referer") or "",
        "accept_language": text("http_accept_language"),
        "extra": {n: v for n, v in values.items() if n not in known and v not in ("", "-")},
    }


def check(spec: str, line: str, values: dict[str, str]) -> None:
    ev = custom_format(spec).parse(line)
    got = {key: getattr(ev, key) for key in expected_fields(values)}
    assert got == expected_fields(values)


@given(format_and_line("nginx"))
def test_any_nginx_format_reads_its_lines(case: tuple[str, str, dict[str, str]]) -> None:
    check(*case)


@given(format_and_line("apache"))
def test_any_apache_format_reads_its_lines(case: tuple[str, str, dict[str, str]]) -> None:
    check(*case)
