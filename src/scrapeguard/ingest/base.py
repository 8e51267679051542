"""The `LogFormat` interface and the errors ingestion raises."""

from __future__ import annotations

from collections.abc import Sequence

from mypy_extensions import mypyc_attr

from ..errors import ScrapeguardError
from ..events import RequestEvent

Batch = tuple[list[RequestEvent], list[tuple[int, str]]]
"""What `LogFormat.parse_batch` returns: the events, and (index, reason) per malformed line."""


class MalformedLine(ScrapeguardError):
    """A log line that the format cannot read; `reason` says why (never fatal to ingestion)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnknownLogFormat(ScrapeguardError):
    """Auto-detection found no registered format that reads the sample lines."""


class UnreadableSource(ScrapeguardError):
    """A log source cannot be opened or read (missing file, permissions, corrupt gzip)."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"cannot read log {source}: {reason}")


class FormatSpecError(ScrapeguardError):
    """A custom log format string cannot be compiled."""


@mypyc_attr(allow_interpreted_subclasses=True)
class LogFormat:
    """A way to turn access-log lines into `RequestEvent`s.

    Subclasses implement `parse_batch`, the fast path the reader uses; `parse` and `sniff`
    are derived from it. Blank (empty or whitespace-only) lines are neither events nor
    malformed: `parse_batch` skips them silently.
    """

    name: str = "?"

    def parse_batch(self, lines: Sequence[str]) -> Batch:
        """Parse many lines at once: (events in line order, [(index, reason), ...])."""
        raise NotImplementedError

    def parse(self, line: str) -> RequestEvent:
        """Parse one line, raising `MalformedLine` when it cannot be read (or is blank)."""
        events, bad = self.parse_batch((line,))
        if events:
            return events[0]
        raise MalformedLine(bad[0][1] if bad else "blank line")

    def sniff(self, line: str) -> bool:
        """Whether this format reads `line`."""
        return bool(self.parse_batch((line,))[0])

    def __repr__(self) -> str:
        return f"<LogFormat {self.name}>"
