"""nginx JSON and Caddy JSON access logs, plus scrapeguard's own fields."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ingest_samples import CADDY_LINE, T_2015_05_17_100503

from scrapeguard.events import Disclosure
from scrapeguard.ingest import JSON, JsonFormat, MalformedLine


def nginx(**fields: Any) -> str:
    base: dict[str, Any] = {
        "time_iso8601": "2015-05-17T12:05:03+02:00",
        "remote_addr": "203.0.113.7",
        "request": "GET /users/42?tab=posts HTTP/1.1",
        "status": "200",
        "body_bytes_sent": "5123",
        "http_referer": "-",
        "http_user_agent": "Mozilla/5.0",
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None})


def test_nginx_json_basic() -> None:
    ev = JSON.parse(nginx())
    assert ev.time == T_2015_05_17_100503
    assert (ev.ip, ev.method, ev.path, ev.query) == ("203.0.113.7", "GET", "/users/42", "tab=posts")
    assert (ev.status, ev.bytes, ev.referer, ev.user_agent) == (200, 5123, "", "Mozilla/5.0")
    assert ev.headers is None and ev.disclosed is None


@pytest.mark.parametrize(
    "time_fields",
    [
        {"time_iso8601": None, "time_local": "17/May/2015:10:05:03 +0000"},
        {"time_iso8601": None, "msec": "1431857103.000"},
        {"time_iso8601": "2015-05-17T10:05:03Z"},
        {"time_iso8601": None, "@timestamp": "2015-05-17T10:05:03.000Z"},
    ],
)
def test_nginx_json_time_fields(time_fields: dict[str, Any]) -> None:
    assert JSON.parse(nginx(**time_fields)).time == T_2015_05_17_100503


def test_nginx_json_method_and_uri_fields() -> None:
    ev = JSON.parse(nginx(request=None, request_method="POST", request_uri="/login?next=/me"))
    assert (ev.method, ev.path, ev.query) == ("POST", "/login", "next=/me")
    ev = JSON.parse(nginx(request=None, uri="/a", args="b=1"))
    assert (ev.method, ev.path, ev.query) == ("GET", "/a", "b=1")
    ev = JSON.parse(nginx(request=None, uri="/a", args="??b=1"))  # the request was /a???b=1
    assert (ev.path, ev.query) == ("/a", "??b=1")
    ev = JSON.parse(nginx(request=None, uri="/a", query_string="?b"))
    assert (ev.path, ev.query) == ("/a", "?b")


@pytest.mark.parametrize("blank", [None, "", "-"])
@pytest.mark.parametrize(
    ("fields", "read"),
    [
        ({"body_bytes_sent": "blank", "bytes_sent": 812}, ("bytes", 812)),
        ({"body_bytes_sent": "blank", "bytes_sent": "blank"}, ("bytes", 0)),
        ({"time_iso8601": "blank", "time_local": "17/May/2015:10:05:03 +0000"},
         ("time", T_2015_05_17_100503)),
        ({"remote_addr": "blank", "client_ip": "192.0.2.9"}, ("ip", "192.0.2.9")),
        ({"http_user_agent": "blank", "user_agent": "curl/8"}, ("user_agent", "curl/8")),
        ({"host": "blank", "http_host": "example.com"}, ("host", "example.com")),
    ],
)  # fmt: skip
def test_blank_nginx_json_field_falls_back_to_the_next_key(
    blank: object, fields: dict[str, Any], read: tuple[str, object]
) -> None:
    # null, "" and "-" are absent, as a missing key is: the next known key is read
    obj = json.loads(nginx())
    obj.update({key: blank if value == "blank" else value for key, value in fields.items()})
    assert getattr(JSON.parse(json.dumps(obj)), read[0]) == read[1]


@pytest.mark.parametrize("blank", [None, "", "-"])
def test_blank_caddy_ts_falls_back_to_the_next_key(blank: object) -> None:
    obj = json.loads(CADDY_LINE)
    obj.update(ts=blank, time="2015-05-17T10:05:03Z")
    assert JSON.parse(json.dumps(obj)).time == T_2015_05_17_100503


def test_nginx_json_headers_cookies_and_extra() -> None:
    line = nginx(
        status=404,
        body_bytes_sent=0,
        http_host="www.example.com",
        http_accept_language="de-DE,de;q=0.9",
        http_referrer="https://ref.test/",
        http_referer=None,
        http_cookie="theme=dark; PHPSESSID=abc123; device_id=d-9",
        request_time="0.012",
        upstream_addr="10.0.0.2:8080",
        remote_user="",
    )
    ev = JSON.parse(line)
    assert (ev.status, ev.bytes, ev.host) == (404, 0, "www.example.com")
    assert ev.accept_language == "de-DE,de;q=0.9"
    assert ev.referer == "https://ref.test/"
    assert (ev.session, ev.device) == ("abc123", "d-9")
    assert ev.extra == {"request_time": "0.012", "upstream_addr": "10.0.0.2:8080"}


def test_custom_cookie_names() -> None:
    fmt = JsonFormat(session_cookies=["sid"], device_cookies=["dev"])
    ev = fmt.parse(nginx(http_cookie="sessionid=x; SID=s1; dev=d1"))
    assert (ev.session, ev.device) == ("s1", "d1")


def test_caddy_line() -> None:
    ev = JSON.parse(CADDY_LINE)
    assert ev.time == pytest.approx(1646861401.5241024)
    assert ev.ip == "198.51.100.4"  # client_ip wins over remote_ip
    assert (ev.method, ev.host, ev.path, ev.query) == ("GET", "example.com", "/people/ann", "x=1")
    assert (ev.status, ev.bytes) == (200, 10900)
    assert ev.user_agent == "curl/7.82.0"
    assert ev.accept_language == "en-GB,en;q=0.9"
    assert ev.headers is not None and ev.headers["accept"] == "*/*"
    assert (ev.session, ev.device) == ("s3cr3t", "dev1")
    assert ev.extra["tls_version"] == "772" and ev.extra["tls_proto"] == "h2"
    assert ev.extra["proto"] == "HTTP/2.0"


def test_caddy_redacted_cookie_and_iso_ts() -> None:
    obj = json.loads(CADDY_LINE)
    obj["request"]["headers"]["Cookie"] = ["REDACTED"]
    obj["ts"] = "2022-03-09T21:30:01.524Z"
    del obj["request"]["client_ip"]
    ev = JSON.parse(json.dumps(obj))
    assert ev.session is None and ev.ip == "10.0.0.9"
    assert ev.time == pytest.approx(1646861401.524)


def test_scrapeguard_own_fields() -> None:
    line = nginx(
        account="u-17",
        account_created="2024-01-02T03:04:05Z",
        session="sess-1",
        device="dev-1",
        ja3="771,4865-4866,0-23,29-23,0",
        disclosed=[
            "alice",
            {"subject": "bob", "fields": ["email", "phone"], "count": 1},
            {"subject": "search:/people?q=a", "count": 20, "sensitivity": "high"},
        ],
    )
    ev = JSON.parse(line)
    assert (ev.account, ev.session, ev.device) == ("u-17", "sess-1", "dev-1")
    assert ev.account_created == 1704164645.0
    assert ev.tls_fingerprint == "771,4865-4866,0-23,29-23,0"
    assert ev.disclosed == (
        Disclosure("alice"),
        Disclosure("bob", ("email", "phone"), 1),
        Disclosure("search:/people?q=a", (), 20, "high"),
    )
    ev = JSON.parse(nginx(account=42, account_created=1704164645, disclosed=[]))
    assert (ev.account, ev.account_created, ev.disclosed) == ("42", 1704164645.0, ())
    for unknown in (None, "", "-"):  # nginx writes an unset variable as "" or "-"
        ev = JSON.parse(nginx(account="u-17", account_created=unknown))
        assert (ev.account, ev.account_created) == ("u-17", None)
    obj = json.loads(CADDY_LINE)
    obj.update(account="a1", tls_fingerprint="fp", disclosed=["x"])
    ev = JSON.parse(json.dumps(obj))
    assert (ev.account, ev.tls_fingerprint, ev.disclosed) == ("a1", "fp", (Disclosure("x"),))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not a JSON object"),
        ("{broken", "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"a": 1}', "client address"),
        (nginx(remote_addr=None), "client address"),
        (nginx(time_iso8601=None), "no time"),
        (nginx(time_iso8601="yesterday"), "bad JSON log entry"),
        (nginx(request=None), "no request"),
        (nginx(status="OK"), "bad JSON log entry"),
        (nginx(disclosed="alice"), "disclosed"),
        (nginx(disclosed=[{"fields": []}]), "subject"),
        (nginx(disclosed=[{"subject": "a", "count": -1}]), "count"),
        (nginx(msec="NaN", time_iso8601=None), "bad JSON log entry"),
    ],
)
def test_malformed_json_lines(line: str, reason: str) -> None:
    with pytest.raises(MalformedLine, match=reason):
        JSON.parse(line)
