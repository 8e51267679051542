"""Property tests: a JSON access log line gives back exactly the text the server wrote in it.

JSON lines are already unescaped by the JSON decoder, so a user relies on a backslash that a
client put in its request target (`/a\\x41`, `/a\\"`) staying a backslash, whether the target
is logged in nginx's `request`, in `request_uri` or in Caddy's `request.uri`. A field read from
one of several keys is the first key with a value: null, `""` and `-` count as missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.ingest import JSON, MalformedLine

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
backslashy = st.lists(
    st.sampled_from(["\\", "\\x41", '\\"', "\\n", "\\\\", "a", "é", "%41", "/"]), max_size=10
).map("".join)
piece = st.one_of(text, backslashy)
path_text = piece.map(lambda s: "/" + s.replace("?", "").replace(" ", ""))
query_text = piece.map(lambda s: s.replace(" ", ""))
value = piece.filter(lambda s: s not in ("", "-"))


@given(path=path_text, query=query_text, agent=value, referer=value)
def test_nginx_json_request_and_headers_come_back_as_written(
    path: str, query: str, agent: str, referer: str
) -> None:
    target = path + ("?" + query if query else "")
    base = {
        "remote_addr": "203.0.113.7",
        "time_iso8601": "2015-05-17T10:05:03+00:00",
        "status": 200,
        "http_user_agent": agent,
        "http_referer": referer,
    }
    for fields in ({"request": f"GET {target} HTTP/1.1"}, {"request_uri": target}):
        ev = JSON.parse(json.dumps({**base, **fields}))
        assert (ev.method, ev.path, ev.query) == ("GET", path, query)
        assert (ev.user_agent, ev.referer) == (agent, referer)


@given(path=path_text, query=query_text, agent=value)
def test_caddy_uri_and_headers_come_back_as_written(path: str, query: str, agent: str) -> None:
    target = path + ("?" + query if query else "")
    line = json.dumps({
        "ts": 1431857103.5,
        "status": 200,
        "request": {"client_ip": "203.0.113.7", "method": "GET", "uri": target,
                    "headers": {"User-Agent": [agent]}},
    })  # fmt: skip
    ev = JSON.parse(line)
    assert (ev.time, ev.method, ev.path, ev.query, ev.user_agent) == (
        1431857103.5, "GET", path, query, agent
    )  # fmt: skip


# Keys read in turn for one RequestEvent field, as docs/ingest.md lists them, with a writer of
# the i-th key's value and that value as read. A key is missing, null, "", "-" or has a value.
T0 = 1431857103
Chain = tuple[tuple[str, ...], Callable[[int], object], Callable[[int], object]]
NGINX_CHAINS: dict[str, Chain] = {
    "ip": (("remote_addr", "client_ip", "clientip", "ip", "remote_ip"),
           lambda i: f"192.0.2.{i}", lambda i: f"192.0.2.{i}"),
    "time": (("time_iso8601", "time_local", "msec", "time", "timestamp", "@timestamp", "ts"),
             lambda i: (
                 datetime.fromtimestamp(T0 + i, UTC).isoformat(),
                 datetime.fromtimestamp(T0 + i, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                 f"{T0 + i}.000",
             )[i] if i < 3 else T0 + i,
             lambda i: float(T0 + i)),
    "bytes": (("body_bytes_sent", "bytes_sent"), lambda i: (100, "201")[i],
              lambda i: (100, 201)[i]),
    "host": (("host", "http_host", "server_name"), lambda i: f"h{i}.test", lambda i: f"h{i}.test"),
    "user_agent": (("http_user_agent", "user_agent"), lambda i: f"ua{i}", lambda i: f"ua{i}"),
    "referer": (("http_referer", "http_referrer", "referer", "referrer"),
                lambda i: f"https://r{i}.test/", lambda i: f"https://r{i}.test/"),
}  # fmt: skip
CADDY_CHAINS: dict[str, Chain] = {
    "time": (("ts", "time", "timestamp"), lambda i: T0 + i, lambda i: float(T0 + i)),
    "ip": (("client_ip", "remote_ip", "remote_addr"),
           lambda i: f"192.0.2.{i}", lambda i: f"192.0.2.{i}"),
}  # fmt: skip
REQUIRED = {"ip": "no client address", "time": "no time"}  # a line without them is malformed
DEFAULTS = {"ip": None, "time": None, "bytes": 0, "host": "", "user_agent": "", "referer": ""}
STATE = st.sampled_from(["value", "missing", None, "", "-"])


@st.composite
def chain_fields(
    draw: st.DrawFn, chain: Chain, default: object
) -> tuple[dict[str, object], object]:
    """A JSON object's keys for one field, and what it reads as: its first key with a value."""
    keys, write, read = chain
    obj: dict[str, object] = {}
    expected = None
    for i, key in enumerate(keys):
        state = draw(STATE)
        if state != "missing":
            obj[key] = write(i) if state == "value" else state
        if state == "value" and expected is None:
            expected = read(i)
    return obj, default if expected is None else expected


def first_keys_with_values(chains: dict[str, Chain]) -> dict[str, object]:
    return {chain[0][0]: chain[1](0) for chain in chains.values()}


@pytest.mark.parametrize("field", list(NGINX_CHAINS))
@given(data=st.data())
def test_nginx_json_field_is_its_first_key_with_a_value(field: str, data: st.DataObject) -> None:
    fields, expected = data.draw(chain_fields(NGINX_CHAINS[field], DEFAULTS[field]))
    others = first_keys_with_values({k: c for k, c in NGINX_CHAINS.items() if k != field})
    line = json.dumps({**others, **fields, "request": "GET / HTTP/1.1"})
    if expected is None:
        with pytest.raises(MalformedLine, match=REQUIRED[field]):
            JSON.parse(line)
    else:
        assert getattr(JSON.parse(line), field) == expected


@pytest.mark.parametrize("field", list(CADDY_CHAINS))
@given(data=st.data())
def test_caddy_field_is_its_first_key_with_a_value(field: str, data: st.DataObject) -> None:
    fields, expected = data.draw(chain_fields(CADDY_CHAINS[field], DEFAULTS[field]))
    top = {"ts": T0} if field == "ip" else fields
    request = {"client_ip": "192.0.2.0"} if field == "time" else fields
    line = json.dumps({**top, "status": 200, "request": {**request, "uri": "/"}})
    if expected is None:
        with pytest.raises(MalformedLine, match=REQUIRED[field]):
            JSON.parse(line)
    else:
        assert getattr(JSON.parse(line), field) == expected
