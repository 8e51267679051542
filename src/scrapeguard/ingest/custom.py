"""User-defined log formats in nginx `log_format` or Apache `LogFormat` syntax.

`custom_format(spec)` compiles the format string once into one regex. Every variable is named
canonically in nginx style (`%{User-Agent}i` becomes `http_user_agent`, `%{sid}C` becomes
`cookie_sid`, `%>s` becomes `status`), and known names are mapped onto `RequestEvent` fields;
the rest land in `RequestEvent.extra` under their canonical name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ..events import MAX_AGENT_CHARS, RequestEvent
from .base import Batch, FormatSpecError, LogFormat, MalformedLine
from .clf import QUOTED
from .fields import (
    DEFAULT_DEVICE_COOKIES,
    DEFAULT_SESSION_COOKIES,
    cookie_ids,
    name_set,
    normalize_ip,
    split_request,
    unescape,
)
from .timeparse import CLF_CACHE, clf_time_miss, epoch_time, iso_time

_NGINX_VAR = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")
_APACHE_DIRECTIVE = re.compile(r"%[<>]?!?(?:\d{3}(?:,\d{3})*)?(?:\{([^}]*)\})?(\^t[io]|[a-zA-Z%])")

_APACHE_SIMPLE = {
    "a": "remote_addr",
    "A": "server_addr",
    "b": "body_bytes_sent",
    "B": "body_bytes_sent",
    "D": "request_time_us",
    "f": "request_filename",
    "h": "remote_host",
    "H": "server_protocol",
    "I": "request_length",
    "k": "keepalive_requests",
    "l": "remote_logname",
    "L": "log_id",
    "m": "request_method",
    "O": "bytes_sent",
    "p": "server_port",
    "P": "pid",
    "r": "request",
    "R": "handler",
    "s": "status",
    "S": "bytes_transferred",
    "T": "request_time_s",
    "u": "remote_user",
    "U": "uri",
    "v": "server_name",
    "V": "host",
    "X": "connection_status",
}
_APACHE_TIME_ARGS = {
    "sec": "time_sec",
    "msec": "time_msec",
    "usec": "time_usec",
    "msec_frac": "time_msec_frac",
    "usec_frac": "time_usec_frac",
    "%d/%b/%Y:%H:%M:%S %z": "time_local",
}
_ISO_STRFTIME = re.compile(r"^%(?:Y-%m-%d|F)[T ]%(?:H:%M:%S|T)(?:\.%[fN]|%\{?[a-z]*\}?)?(?:%z|Z)?$")

_IP_VARS = ("remote_addr", "remote_host", "realip_remote_addr")
_HOST_VARS = ("host", "http_host", "server_name")
_FINGERPRINT_VARS = (
    "tls_fingerprint",
    "ssl_ja3",
    "ssl_ja3_hash",
    "http_ssl_ja3",
    "http_x_ja3",
    "http_x_ja4",
    "ja3",
    "ja4",
)
_TIME_VARS: tuple[tuple[str, Callable[[str], float]], ...] = (
    ("time_local", lambda s: CLF_CACHE.get(s) or clf_time_miss(s)),
    ("time_iso8601", iso_time),
    ("msec", epoch_time),
    ("time_sec", epoch_time),
    ("time_msec", lambda s: int(s) / 1e3),
    ("time_usec", lambda s: int(s) / 1e6),
)
_REQUEST_VARS = ("request", "request_uri", "uri", "document_uri")
# nginx's `$uri$is_args$args`: $is_args is "?" when there are arguments, else "" (and a missing
# $args is then written "-", unless escape=json / escape=none, which write nothing).
_TARGET_RUN = (("uri", "document_uri"), ("is_args",), ("args", "query_string"))
_BRACKETED = r"\[([^\]]*)\]"  # Apache's %t: delimited by its own brackets
# $host / $server_name (%V / %v) never hold a "/" and a path begins with one, so
# `$host$request_uri` splits at the first "/"
_HOST_NAMES = ("host", "server_name")
_PATH_NAMES = ("request_uri", "uri", "document_uri")


@dataclass(frozen=True, slots=True)
class _Var:
    name: str
    pattern: str | None = None  # own regex with one group, else chosen from the next literal
    spelling: str = ""  # as written in the format, for error messages


def _is_target_run(name: str) -> bool:
    return "$is_args$" in name


def _host_then_path(a: _Var, b: _Var) -> bool:
    return a.name in _HOST_NAMES and (b.name in _PATH_NAMES or _is_target_run(b.name))


def _strip_nginx_directive(spec: str) -> tuple[str, str]:
    """`log_format main escape=json '$a' '$b';` → (`$a$b`, `json`): the quoted parts joined, and
    the escaping (nginx's default is `default`)."""
    body = spec.strip()[len("log_format") :].strip().rstrip(";").strip()
    name, _, rest = body.partition(" ")
    rest = rest.strip()
    escape = "default"
    if rest.startswith("escape="):
        option, _, rest = rest.partition(" ")
        escape, rest = option[len("escape=") :], rest.strip()
    if not rest:  # only a name was given: the string itself is the format
        rest = name
    parts = re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", rest)
    if not parts:
        return rest, escape
    return "".join(single or double for single, double in parts), escape


def _strip_apache_directive(spec: str) -> str:
    """`LogFormat "%h %l ..." combined` → `%h %l ...` (still escaped)."""
    body = spec.strip()[len("LogFormat") :].strip()
    m = re.match(r'"((?:[^"\\]|\\.)*)"', body)
    return m.group(1) if m else body


def _unescape_apache_literal(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _tokens_nginx(spec: str) -> list[str | _Var]:
    tokens: list[str | _Var] = []
    pos = 0
    for m in _NGINX_VAR.finditer(spec):
        if m.start() > pos:
            tokens.append(spec[pos : m.start()])
        tokens.append(_Var((m.group(1) or m.group(2)).lower(), spelling=m.group(0)))
        pos = m.end()
    if pos < len(spec):
        tokens.append(spec[pos:])
    return _join_target_runs(tokens)


def _join_target_runs(tokens: list[str | _Var]) -> list[str | _Var]:
    """Read `$uri$is_args$args` (or `$document_uri`, `$query_string`) as one variable, the
    request target: three adjacent variables cannot be told apart, their joined text can."""
    out: list[str | _Var] = []
    k = 0
    while k < len(tokens):
        run = tokens[k : k + 3]
        if len(run) == 3 and all(
            isinstance(tok, _Var) and tok.name in names
            for tok, names in zip(run, _TARGET_RUN, strict=True)
        ):
            parts = [tok for tok in run if isinstance(tok, _Var)]
            name = "$".join(tok.name for tok in parts)
            out.append(_Var(name, spelling="".join(tok.spelling for tok in parts)))
            k += 3
        else:
            out.append(tokens[k])
            k += 1
    return out


def _apache_var(arg: str | None, letter: str) -> _Var:
    if letter == "t":
        if arg is None:
            return _Var("time_local", _BRACKETED)
        key = arg.removeprefix("begin:").removeprefix("end:")
        if key in _APACHE_TIME_ARGS:
            return _Var(_APACHE_TIME_ARGS[key])
        if _ISO_STRFTIME.match(key):
            return _Var("time_iso8601")
        raise FormatSpecError(
            f"unsupported time format %{{{arg}}}t: use %t, %{{sec}}t, %{{msec}}t, %{{usec}}t "
            "or an ISO 8601 layout such as %{%Y-%m-%dT%H:%M:%S%z}t"
        )
    if arg is not None:
        key = arg.lower().replace("-", "_")
        if letter == "i":
            return _Var("http_" + key)
        if letter == "o":
            return _Var("sent_http_" + key)
        if letter == "C":
            return _Var("cookie_" + arg.lower())
        if letter == "e":
            return _Var("env_" + key)
        if letter == "n":
            return _Var("note_" + key)
        if letter == "T":
            units = {"ms": "request_time_ms", "us": "request_time_us"}
            return _Var(units.get(key, "request_time_s"))
        if letter == "a" and key == "c":
            return _Var("peer_addr")
        if letter == "p":
            return _Var("server_port_" + key)
        if letter == "^ti":
            return _Var("trailer_in_" + key)
        if letter == "^to":
            return _Var("trailer_out_" + key)
    if letter == "q":  # empty, or the query string with its leading "?"
        return _Var("args", r'((?:\?[^\s"]*)?)')
    name = _APACHE_SIMPLE.get(letter)
    if name is None:
        raise FormatSpecError(f"unknown Apache directive %{letter}")
    return _Var(name)


def _tokens_apache(spec: str) -> list[str | _Var]:
    tokens: list[str | _Var] = []
    pos = 0
    for m in _APACHE_DIRECTIVE.finditer(spec):
        if m.start() > pos:
            tokens.append(_unescape_apache_literal(spec[pos : m.start()]))
        arg, letter = m.group(1), m.group(2)
        if letter == "%":
            tokens.append("%")
        else:
            tokens.append(replace(_apache_var(arg, letter), spelling=m.group(0)))
        pos = m.end()
    if pos < len(spec):
        tokens.append(_unescape_apache_literal(spec[pos:]))
    return tokens


def _detect_syntax(spec: str) -> str:
    nginx = len(_NGINX_VAR.findall(spec))
    apache = sum(1 for m in _APACHE_DIRECTIVE.finditer(spec) if m.group(2) != "%")
    if not nginx and not apache:
        raise FormatSpecError(
            "log format has no variables: use nginx $variables or Apache %directives"
        )
    return "nginx" if nginx >= apache else "apache"


def _separable(a: _Var, b: _Var) -> bool:
    """Whether a line tells where `a` ends and `b`, written right after it, begins."""
    if _BRACKETED in (a.pattern, b.pattern):  # Apache's %t: its brackets separate them
        return True
    if _host_then_path(a, b):  # the path's first "/"
        return True
    # Apache's %U%q: %q is "" or begins with the "?" that ends the path
    return a.name == "uri" and b.name == "args" and b.pattern is not None


def _check_adjacent(tokens: list[str | _Var], syntax: str) -> None:
    """Refuse two variables with nothing between them that a line cannot tell apart, rather
    than read them wrongly: the first would get what the second wrote, or the reverse."""
    for a, b in zip(tokens, tokens[1:], strict=False):
        if isinstance(a, _Var) and isinstance(b, _Var) and not _separable(a, b):
            directive, read = (
                ("log_format", "$uri$is_args$args and $host$request_uri")
                if syntax == "nginx"
                else ("LogFormat", "%U%q and %V%U")
            )
            raise FormatSpecError(
                f"{a.spelling} and {b.spelling} have nothing between them in the log format, so "
                "a line does not show where one ends and the other begins: put a separator "
                f"between them in the {directive} (e.g. '{a.spelling} {b.spelling}'); only "
                f"variables a line separates, like {read}, are read written together"
            )


def _compile(tokens: list[str | _Var]) -> tuple[re.Pattern[str], list[str]]:
    parts: list[str] = []
    names: list[str] = []
    for k, tok in enumerate(tokens):
        if isinstance(tok, str):
            parts.append(re.escape(tok))
            continue
        names.append(tok.name)
        if tok.pattern is not None:
            parts.append(tok.pattern)
            continue
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if nxt is None:
            parts.append(r"(.*?)")
        elif isinstance(nxt, _Var):
            parts.append(r'([^/\s"]*)' if _host_then_path(tok, nxt) else r"(\S*?)")
        elif nxt[0] == '"':
            parts.append(QUOTED[1:-1])
        else:
            parts.append("([^" + re.escape(nxt[0]) + "]*)")
    return re.compile("".join(parts) + r"\s*$", re.DOTALL), names


class CustomFormat(LogFormat):
    """A log format compiled from a user's nginx or Apache format string."""

    def __init__(
        self,
        spec: str,
        *,
        name: str = "custom",
        syntax: str = "auto",
        session_cookies: Iterable[str] = DEFAULT_SESSION_COOKIES,
        device_cookies: Iterable[str] = DEFAULT_DEVICE_COOKIES,
        account_vars: Iterable[str] = (),
        session_vars: Iterable[str] = (),
        device_vars: Iterable[str] = (),
        fingerprint_vars: Iterable[str] = _FINGERPRINT_VARS,
        ip_var: str | None = None,
    ) -> None:
        self.name = name
        self.spec = spec
        text = spec.strip()
        escape = "default"
        if text.startswith("log_format"):
            (text, escape), syntax = _strip_nginx_directive(text), "nginx"
        elif text.startswith("LogFormat"):
            text, syntax = _strip_apache_directive(text), "apache"
        if syntax == "auto":
            syntax = _detect_syntax(text)
        if syntax == "nginx":
            tokens = _tokens_nginx(text)
        elif syntax == "apache":
            tokens = _tokens_apache(text)
        else:
            raise FormatSpecError(f"unknown format syntax {syntax!r}: use nginx or apache")
        _check_adjacent(tokens, syntax)
        self.syntax = syntax
        # Apache's %q is "" or "?" + the query; nginx's $args / $query_string have no "?"
        self._args_marked = syntax == "apache"
        # nginx writes a missing variable as "-" unless escape=json / escape=none
        self._missing_dash = syntax == "nginx" and escape == "default"
        self._rx, names = _compile(tokens)
        self.variables: tuple[str, ...] = tuple(names)
        self._map_roles(
            names,
            session_cookies=name_set(session_cookies),
            device_cookies=name_set(device_cookies),
            account_vars=[_canon(v) for v in account_vars],
            session_vars=[_canon(v) for v in session_vars],
            device_vars=[_canon(v) for v in device_vars],
            fingerprint_vars=[_canon(v) for v in fingerprint_vars],
            ip_var=_canon(ip_var) if ip_var else None,
        )

    def _map_roles(
        self,
        names: list[str],
        *,
        session_cookies: frozenset[str],
        device_cookies: frozenset[str],
        account_vars: list[str],
        session_vars: list[str],
        device_vars: list[str],
        fingerprint_vars: list[str],
        ip_var: str | None,
    ) -> None:
        index: dict[str, int] = {}
        for i, var in enumerate(names):
            index.setdefault(var, i)
        used: set[str] = set()

        def pick(candidates: Iterable[str]) -> int | None:
            for var in candidates:
                if var in index:
                    used.add(var)
                    return index[var]
            return None

        if ip_var is not None and ip_var not in index:
            raise FormatSpecError(f"ip_var ${ip_var} is not in the log format")
        ip_index = pick([ip_var] if ip_var else _IP_VARS)
        if ip_index is None:
            raise FormatSpecError("log format has no client address ($remote_addr, %a or %h)")
        self._ip: int = ip_index
        self._ip_is_list = ip_var is not None
        for var, conv in _TIME_VARS:
            if var in index:
                self._time: int = index[var]
                self._time_conv: Callable[[str], float] = conv
                used.add(var)
                break
        else:
            raise FormatSpecError(
                "log format has no time ($time_local, $time_iso8601, $msec, %t, %{sec}t ...)"
            )
        runs = [v for v in index if _is_target_run(v)]
        if not runs and not any(v in index for v in _REQUEST_VARS):
            raise FormatSpecError(
                "log format has no request ($request, $request_uri, $uri, %r, %U)"
            )
        self._request = pick(["request"])
        self._target = pick(["request_uri"])
        self._method = pick(["request_method"])
        self._uri = pick([*runs, "uri", "document_uri"]) if self._target is None else None
        self._uri_is_target = bool(runs) and self._uri == index[runs[0]]
        self._args = (
            pick(["args", "query_string"])
            if self._uri is not None and not self._uri_is_target
            else None
        )
        self._status = pick(["status"])
        self._bytes = pick(["body_bytes_sent", "bytes_sent"])
        self._host = pick(_HOST_VARS)
        self._agent = pick(["http_user_agent"])
        self._referer = pick(["http_referer", "http_referrer"])
        self._language = pick(["http_accept_language"])
        self._cookie = pick(["http_cookie"])
        self._account = pick(account_vars)
        self._fingerprint = pick(fingerprint_vars)
        session_cookie_vars = [v for v in names if v[7:] in session_cookies and v[:7] == "cookie_"]
        device_cookie_vars = [v for v in names if v[7:] in device_cookies and v[:7] == "cookie_"]
        self._session = pick([*session_vars, *session_cookie_vars])
        self._device = pick([*device_vars, *device_cookie_vars])
        self._session_cookies = session_cookies
        self._device_cookies = device_cookies
        self._extra = tuple((i, var) for var, i in index.items() if var not in used)

    def parse_batch(self, lines: Sequence[str]) -> Batch:
        """Parse lines into events; see `LogFormat.parse_batch`."""
        events: list[RequestEvent] = []
        bad: list[tuple[int, str]] = []
        match = self._rx.match
        convert = self._convert
        for i, line in enumerate(lines):
            m = match(line)
            if m is None:
                if line and not line.isspace():
                    bad.append((i, f"does not match the {self.name} format"))
                continue
            try:
                events.append(convert(m.groups()))
            except MalformedLine as exc:
                bad.append((i, exc.reason))
            except (ValueError, OverflowError) as exc:
                bad.append((i, str(exc)[:100]))
        return events, bad

    def _convert(self, g: tuple[str, ...]) -> RequestEvent:
        raw_time = g[self._time]
        try:
            t = self._time_conv(raw_time)
        except (ValueError, OverflowError):
            raise MalformedLine(f"bad time {raw_time[:40]!r}") from None
        ip = g[self._ip]
        if self._ip_is_list:
            ip = ip.rpartition(",")[2].strip()
        if not ip or ip == "-":
            raise MalformedLine("no client address")
        method = "GET"
        path = query = ""
        extra: dict[str, str] = {}
        if self._request is not None:
            request = g[self._request]
            method, path, query, understood = split_request(request)
            if not understood and self._target is None:
                extra["request"] = unescape(request)
        if self._method is not None:
            method = g[self._method] or method
        if self._target is not None:
            target = g[self._target]
            if "\\" in target:
                target = unescape(target)
            path, _, query = target.partition("?")
        elif self._uri is not None and self._request is None and self._uri_is_target:
            path, mark, query = unescape(g[self._uri]).partition("?")  # $uri$is_args$args
            if not mark and self._missing_dash:  # no arguments: $is_args "", $args "-"
                path = path.removesuffix("-")
        elif self._uri is not None and self._request is None:
            path = unescape(g[self._uri])
            if self._args is not None:
                args = g[self._args]
                if self._args_marked:  # remove the one "?" %q adds, not one the query holds
                    query = unescape(args).removeprefix("?")
                elif args != "-":  # nginx writes an empty $args as "-"
                    query = unescape(args)
        status = 200 if self._status is None else int(g[self._status])
        size = 0
        if self._bytes is not None:
            raw_size = g[self._bytes]
            size = 0 if raw_size == "-" else int(raw_size)
        ev = RequestEvent(
            t,
            normalize_ip(ip),
            method,
            path,
            query,
            status,
            size,
            _value(g, self._host) or "",
            (_value(g, self._agent) or "")[:MAX_AGENT_CHARS],
            _value(g, self._referer) or "",
            _value(g, self._language),
        )
        cookie = _value(g, self._cookie)
        if cookie is not None:
            ev.session, ev.device = cookie_ids(cookie, self._session_cookies, self._device_cookies)
        if self._session is not None:
            ev.session = _value(g, self._session) or ev.session
        if self._device is not None:
            ev.device = _value(g, self._device) or ev.device
        if self._account is not None:
            ev.account = _value(g, self._account)
        if self._fingerprint is not None:
            ev.tls_fingerprint = _value(g, self._fingerprint)
        for i, var in self._extra:
            value = g[i]
            if value and value != "-":
                extra[var] = unescape(value)
        if extra:
            ev.extra = extra
        return ev


def _value(g: tuple[str, ...], i: int | None) -> str | None:
    if i is None:
        return None
    value = g[i]
    if not value or value == "-":
        return None
    return unescape(value) if "\\" in value else value


def _canon(var: str) -> str:
    """`$http_x_account`, `http_x_account` or `%{X-Account}i` → `http_x_account`."""
    var = var.strip()
    if var.startswith("%"):
        tokens = _tokens_apache(var)
        if len(tokens) == 1 and isinstance(tokens[0], _Var):
            return tokens[0].name
    return var.lstrip("$").strip("{}").lower()


def custom_format(spec: str, **options: object) -> LogFormat:
    """Compile a log format string in nginx `log_format` or Apache `LogFormat` syntax.

    `spec` may be the bare format string or the whole configuration directive
    (`log_format main '...' '...';` / `LogFormat "..." nickname`). Options (all keyword):
    `name` (default "custom"), `syntax` ("auto", "nginx" or "apache"), `session_cookies`,
    `device_cookies`, `account_vars`, `session_vars`, `device_vars`, `fingerprint_vars`
    (variable names, `$name` or `%{Header}i` style) and `ip_var` (read the client address
    from this variable instead, taking its last comma-separated entry). Raises
    `FormatSpecError` when the string cannot be compiled or lacks address, time or request.
    """
    return CustomFormat(spec, **options)  # type: ignore[arg-type]
