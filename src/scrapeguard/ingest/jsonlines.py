"""JSON access logs, one object per line: nginx `escape=json` logs and Caddy access logs.

The two are told apart per line: a Caddy entry has an object under `"request"`; nginx has a
request line string there (or `request_method` + `request_uri`). On any line scrapeguard's own
optional fields are honoured: `account`, `account_created`, `session`, `device`,
`ja3` / `tls_fingerprint` and `disclosed`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..events import MAX_AGENT_CHARS, Disclosure, RequestEvent
from .base import Batch, LogFormat, MalformedLine
from .fields import (
    DEFAULT_DEVICE_COOKIES,
    DEFAULT_SESSION_COOKIES,
    cookie_ids,
    name_set,
    normalize_ip,
    split_request,
    split_target,
)
from .timeparse import any_time, clf_time, epoch_time, iso_time

_IP_KEYS = ("remote_addr", "client_ip", "clientip", "ip", "remote_ip")
_HOST_KEYS = ("host", "http_host", "server_name")
_REFERER_KEYS = ("http_referer", "http_referrer", "referer", "referrer")
_AGENT_KEYS = ("http_user_agent", "user_agent")
_BYTES_KEYS = ("body_bytes_sent", "bytes_sent")
_CADDY_TIME_KEYS = ("ts", "time", "timestamp")
_FINGERPRINT_KEYS = ("tls_fingerprint", "ja3", "ja4", "ja3_hash", "ssl_ja3", "ssl_ja3_hash")
_OWN_KEYS = frozenset({"account", "account_created", "session", "device", "disclosed"})
_NGINX_KNOWN = frozenset(
    {
        *_IP_KEYS,
        *_HOST_KEYS,
        *_REFERER_KEYS,
        *_AGENT_KEYS,
        *_FINGERPRINT_KEYS,
        *_OWN_KEYS,
        "time_iso8601",
        "time_local",
        "msec",
        "time",
        "timestamp",
        "@timestamp",
        "ts",
        "request",
        "request_method",
        "request_uri",
        "uri",
        "args",
        "query_string",
        "status",
        *_BYTES_KEYS,
        "http_accept_language",
        "http_cookie",
    }
)
_NGINX_TIME_KEYS = (
    ("time_iso8601", iso_time),
    ("time_local", clf_time),
    ("msec", epoch_time),
    ("time", any_time),
    ("timestamp", any_time),
    ("@timestamp", any_time),
    ("ts", any_time),
)
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError)


def _text(value: object) -> str | None:
    """A scalar JSON value as a string; `None` for null, `""`, `-` and non-scalars."""
    if value is None or isinstance(value, dict | list):
        return None
    text = value if isinstance(value, str) else str(value)
    if not text or text == "-":
        return None
    return text


def _first(obj: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if value is not None:
            text = _text(value)
            if text is not None:
                return text
    return None


def _first_raw(obj: Mapping[str, Any], keys: Iterable[str]) -> object:
    """The first of `keys` whose value is not null, `""` or `-`, as decoded; else `None`.

    For numbers and times, whose converters judge the value's type themselves: a null, empty
    or `-` field counts as absent, exactly as a missing key, and the next key is read.
    """
    for key in keys:
        value = obj.get(key)
        if value is not None and value != "" and value != "-":
            return value
    return None


def _int(value: object, default: int = 0) -> int:
    if value is None or value == "-" or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise ValueError(f"bad number {value!r:.40}")
    return int(value)


def parse_disclosed(value: object) -> tuple[Disclosure, ...] | None:
    """Read scrapeguard's `disclosed` field: subject strings or `{subject, fields, count}`."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError("disclosed must be a list")
    out: list[Disclosure] = []
    for item in value:
        if isinstance(item, str | int) and not isinstance(item, bool):
            out.append(Disclosure(str(item)))
        elif isinstance(item, dict):
            subject = item.get("subject")
            if not isinstance(subject, str | int) or isinstance(subject, bool):
                raise ValueError("disclosed entry without a subject")
            fields = item.get("fields", ())
            if not isinstance(fields, list | tuple) or not all(isinstance(f, str) for f in fields):
                raise ValueError("disclosed fields must be a list of strings")
            count = item.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError("disclosed count must be a non-negative integer")
            sensitivity = item.get("sensitivity", "normal")
            if not isinstance(sensitivity, str):
                raise ValueError("disclosed sensitivity must be a string")
            out.append(Disclosure(str(subject), tuple(fields), count, sensitivity))
        else:
            raise ValueError("disclosed entries must be strings or objects")
    return tuple(out)


class JsonFormat(LogFormat):
    """nginx JSON and Caddy JSON access logs (auto-distinguished per line).

    Cookie names used to find session and device identifiers in `http_cookie` / the Caddy
    `Cookie` header are configurable; values `REDACTED` (Caddy's default) are ignored.
    """

    def __init__(
        self,
        name: str = "json",
        *,
        session_cookies: Iterable[str] = DEFAULT_SESSION_COOKIES,
        device_cookies: Iterable[str] = DEFAULT_DEVICE_COOKIES,
    ) -> None:
        self.name = name
        self._session_names = name_set(session_cookies)
        self._device_names = name_set(device_cookies)

    def parse_batch(self, lines: Sequence[str]) -> Batch:
        """Parse lines into events; see `LogFormat.parse_batch`."""
        events: list[RequestEvent] = []
        bad: list[tuple[int, str]] = []
        loads = json.loads
        for i, line in enumerate(lines):
            text = line.strip()
            if not text:
                continue
            if text[0] != "{":
                bad.append((i, "not a JSON object"))
                continue
            try:
                obj = loads(text)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                request = obj.get("request")
                ev = self._caddy(obj, request) if isinstance(request, dict) else self._nginx(obj)
                self._own_fields(obj, ev)
            except MalformedLine as exc:
                bad.append((i, exc.reason))
                continue
            except json.JSONDecodeError as exc:
                bad.append((i, f"invalid JSON: {exc.msg} at column {exc.colno}"))
                continue
            except _PARSE_ERRORS as exc:
                bad.append((i, f"bad JSON log entry: {str(exc)[:80]}"))
                continue
            events.append(ev)
        return events, bad

    def _nginx(self, obj: dict[str, Any]) -> RequestEvent:
        ip = _first(obj, _IP_KEYS)
        if ip is None:
            raise MalformedLine("no client address (remote_addr)")
        t = None
        for key, conv in _NGINX_TIME_KEYS:
            raw = _text(obj.get(key))
            if raw is not None:
                t = conv(raw)
                break
        if t is None:
            raise MalformedLine("no time (time_iso8601, time_local or msec)")
        extra: dict[str, str] = {}
        method = _text(obj.get("request_method"))
        target = _text(obj.get("request_uri"))
        request = _text(obj.get("request"))
        if target is not None:
            path, query = split_target(target)
            if method is None and request is not None:
                method = split_request(request, escaped=False)[0] or None
        elif request is not None:
            req_method, path, query, understood = split_request(request, escaped=False)
            method = method or req_method
            if not understood:
                extra["request"] = request
        else:
            uri = _text(obj.get("uri"))
            if uri is None:
                raise MalformedLine("no request (request, request_uri or uri)")
            path = uri
            query = _first(obj, ("args", "query_string")) or ""  # no "?" in nginx's $args
        ev = RequestEvent(
            t,
            normalize_ip(ip),
            method if method is not None else "GET",
            path,
            query,
            _int(obj.get("status"), 200),
            _int(_first_raw(obj, _BYTES_KEYS)),
            _first(obj, _HOST_KEYS) or "",
            (_first(obj, _AGENT_KEYS) or "")[:MAX_AGENT_CHARS],
            _first(obj, _REFERER_KEYS) or "",
            _text(obj.get("http_accept_language")),
        )
        cookie = _text(obj.get("http_cookie"))
        if cookie is not None:
            ev.session, ev.device = cookie_ids(cookie, self._session_names, self._device_names)
        for key, value in obj.items():
            if key not in _NGINX_KNOWN:
                text = _text(value)
                if text is not None:
                    extra[key] = text
        ev.extra = extra
        return ev

    def _caddy(self, obj: dict[str, Any], request: dict[str, Any]) -> RequestEvent:
        ip = _first(request, ("client_ip", "remote_ip", "remote_addr"))
        if ip is None:
            raise MalformedLine("no client address (request.client_ip / remote_ip)")
        raw_time = _first_raw(obj, _CADDY_TIME_KEYS)
        if raw_time is None:
            raise MalformedLine("no time (ts)")
        t = any_time(raw_time)
        uri = _text(request.get("uri")) or ""
        path, query = split_target(uri)
        headers: dict[str, str] = {}
        raw_headers = request.get("headers")
        if isinstance(raw_headers, dict):
            for name, values in raw_headers.items():
                if isinstance(values, list):
                    headers[name.lower()] = ", ".join(str(v) for v in values)
                elif values is not None:
                    headers[name.lower()] = str(values)
        ev = RequestEvent(
            t,
            normalize_ip(ip),
            _text(request.get("method")) or "GET",
            path,
            query,
            _int(obj.get("status"), 200),
            _int(obj.get("size")),
            _text(request.get("host")) or "",
            headers.get("user-agent", "")[:MAX_AGENT_CHARS],
            headers.get("referer", ""),
            headers.get("accept-language"),
            headers if isinstance(raw_headers, dict) else None,
        )
        cookie = headers.get("cookie")
        if cookie and cookie != "REDACTED":
            ev.session, ev.device = cookie_ids(cookie, self._session_names, self._device_names)
        extra = ev.extra
        for key in ("duration", "bytes_read", "user_id"):
            text = _text(obj.get(key))
            if text is not None:
                extra["remote_user" if key == "user_id" else key] = text
        proto = _text(request.get("proto"))
        if proto is not None:
            extra["proto"] = proto
        tls = request.get("tls")
        if isinstance(tls, dict):
            for key in ("version", "cipher_suite", "proto", "server_name"):
                text = _text(tls.get(key))
                if text is not None:
                    extra["tls_" + key] = text
        return ev

    def _own_fields(self, obj: dict[str, Any], ev: RequestEvent) -> None:
        """Apply scrapeguard's optional fields, which win over anything derived."""
        account = _text(obj.get("account"))
        if account is not None:
            ev.account = account
        created = _first_raw(obj, ("account_created",))
        if created is not None:
            ev.account_created = any_time(created)
        session = _text(obj.get("session"))
        if session is not None:
            ev.session = session
        device = _text(obj.get("device"))
        if device is not None:
            ev.device = device
        fingerprint = _first(obj, _FINGERPRINT_KEYS)
        if fingerprint is not None:
            ev.tls_fingerprint = fingerprint
        if "disclosed" in obj:
            ev.disclosed = parse_disclosed(obj["disclosed"])


JSON = JsonFormat()
"""nginx / Caddy JSON lines with the default cookie names."""
