"""The Common Log Format family: `combined` and `common` (nginx and Apache defaults).

combined: `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`, then optionally anything
after whitespace (nginx setups often append `"$http_x_forwarded_for"` and timings; ignored).
common:   `%h %l %u %t "%r" %>s %b`, then nothing but whitespace, so that a combined line is
never taken for a common one.

Speed: a line without backslashes and with a standard `METHOD TARGET HTTP/x` request line is
read by one regex that also splits the request line; its groups go straight into the event.
Every other line goes through the general, escape-aware regex (`_parse_general`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..events import MAX_AGENT_CHARS, RequestEvent
from .base import Batch, LogFormat, MalformedLine
from .fields import split_request, unescape
from .timeparse import CLF_CACHE, clf_time_miss

QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
"""A double-quoted field with backslash escapes; captures the content, escapes kept."""

_HEAD = r"(\S+) \S+ (\S+) \[([^\]]*)\] "
_STATUS = r" ([0-9]{3}) ([0-9]{1,18}|-)"
_FAST_REQUEST = r'"([A-Za-z]+) ([^ ?"]+)\??([^ "]*) HTTP/[0-9.]+"'
_AFTER_COMBINED = r"(?![^\s])"
_AFTER_COMMON = r"()()\s*$"  # two empty groups stand in for referer and user agent

_HEAD_RX = re.compile(_HEAD + QUOTED + _STATUS)
COMBINED_RX = re.compile(_HEAD + QUOTED + _STATUS + " " + QUOTED + " " + QUOTED + _AFTER_COMBINED)
COMMON_RX = re.compile(_HEAD + QUOTED + _STATUS + _AFTER_COMMON)
_COMBINED_FAST_RX = re.compile(
    _HEAD + _FAST_REQUEST + _STATUS + ' "([^"]*)" "([^"]*)"' + _AFTER_COMBINED
)
_COMMON_FAST_RX = re.compile(_HEAD + _FAST_REQUEST + _STATUS + _AFTER_COMMON)


class ClfFormat(LogFormat):
    """A Common Log Format variant.

    `-` referer, user agent and byte count read as empty / 0. A request line that is not
    `METHOD TARGET PROTOCOL` (for example `-` or binary junk) still yields an event with
    method and path `""`, the raw request kept in `extra["request"]`. A user other than `-`
    goes to `extra["remote_user"]`. Backslash escapes (`\\"`, `\\xHH`) are decoded.
    """

    def __init__(
        self, name: str, fast: re.Pattern[str], general: re.Pattern[str], agent: bool
    ) -> None:
        self.name = name
        self._fast = fast
        self._general = general
        self._agent = agent

    def parse_batch(self, lines: Sequence[str]) -> Batch:
        """Parse lines into events; see `LogFormat.parse_batch`."""
        events: list[RequestEvent] = []
        bad: list[tuple[int, str]] = []
        append = events.append
        fast = self._fast.match
        general = self._parse_general
        cached = CLF_CACHE.get
        event = RequestEvent
        for i, line in enumerate(lines):
            if "\\" in line or (m := fast(line)) is None:
                try:
                    ev = general(line)
                except MalformedLine as exc:
                    bad.append((i, exc.reason))
                    continue
                if ev is not None:
                    append(ev)
                continue
            ip, user, stamp, method, path, query, status, size, referer, agent = m.groups()
            t = cached(stamp)
            if t is None:
                try:
                    t = clf_time_miss(stamp)
                except ValueError as err:  # not `exc`: a compiled build types names per function
                    bad.append((i, str(err)))
                    continue
            if referer == "-":
                referer = ""
            if agent == "-":
                agent = ""
            elif len(agent) > MAX_AGENT_CHARS:
                agent = agent[:MAX_AGENT_CHARS]
            if ip[:7] == "::ffff:" and "." in ip:
                ip = ip[7:]
            ev = event(
                t,
                ip,
                method,
                path,
                query,
                int(status),
                0 if size == "-" else int(size),
                "",
                agent,
                referer,
            )
            if user != "-":
                ev.extra["remote_user"] = user
            append(ev)
        return events, bad

    def _parse_general(self, line: str) -> RequestEvent | None:
        """Parse any line the fast regex declined; `None` for a blank line."""
        m = self._general.match(line)
        if m is None:
            if not line or line.isspace():
                return None
            raise MalformedLine(self._diagnose(line))
        ip, user, stamp, request, status, size, referer, agent = m.groups()
        try:
            t = CLF_CACHE.get(stamp) or clf_time_miss(stamp)
        except ValueError as exc:
            raise MalformedLine(str(exc)) from None
        method, path, query, understood = split_request(request)
        referer = "" if referer == "-" else unescape(referer)
        agent = "" if agent == "-" else unescape(agent)[:MAX_AGENT_CHARS]
        if ip[:7] == "::ffff:" and "." in ip:
            ip = ip[7:]
        ev = RequestEvent(
            t,
            ip,
            method,
            path,
            query,
            int(status),
            0 if size == "-" else int(size),
            "",
            agent,
            referer,
        )
        if user != "-":
            ev.extra["remote_user"] = unescape(user)
        if not understood:
            ev.extra["request"] = unescape(request)
        return ev

    def _diagnose(self, line: str) -> str:
        """Say roughly why a line does not match (only called for malformed lines)."""
        if _HEAD_RX.match(line) is None:
            if line.lstrip().startswith("{"):
                return f"not {self.name} format (looks like JSON)"
            return f"does not match the {self.name} format"
        if not self._agent:
            return "unexpected text after the byte count (combined format?)"
        return "referer / user-agent fields missing or not properly quoted"


COMBINED = ClfFormat("combined", _COMBINED_FAST_RX, COMBINED_RX, agent=True)
"""nginx / Apache combined format."""

COMMON = ClfFormat("common", _COMMON_FAST_RX, COMMON_RX, agent=False)
"""Apache / NCSA common format."""
