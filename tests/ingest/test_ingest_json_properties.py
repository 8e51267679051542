"""Property tests: a JSON access log line gives back exactly the text the server wrote in it.

JSON lines are already unescaped by the JSON decoder, so a user relies on a backslash that a
client put in its request target (`/a\\x41`, `/a\\"`) staying a backslash, whether the target
is logged in nginx's `request`, in `request_uri` or in Caddy's `request.uri`.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.ingest import JSON

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
