"""Log ingestion: access-log lines in many formats to `RequestEvent`s.

Public API:

- `read_events(sources, fmt="auto", stats=None)`: events from files, gzip files and stdin
  (`-`), merged by time across sources.
- `IngestStats`: line / parse / malformed counters and the first malformed lines.
- `FORMATS`, `register_format`, `get_format`, `detect_format`: named formats
  (`combined`, `common`, `json`) and auto-detection.
- `custom_format(spec, **options)`: a format from an nginx `log_format` or Apache
  `LogFormat` string.
- `LogFormat` (with `parse`, `parse_batch`, `sniff`) and the errors `MalformedLine`,
  `UnknownLogFormat`, `UnreadableSource`, `FormatSpecError`.
"""

from __future__ import annotations

from .base import (
    Batch,
    FormatSpecError,
    LogFormat,
    MalformedLine,
    UnknownLogFormat,
    UnreadableSource,
)
from .clf import COMBINED, COMMON, ClfFormat
from .custom import CustomFormat, custom_format
from .fields import DEFAULT_DEVICE_COOKIES, DEFAULT_SESSION_COOKIES
from .jsonlines import JSON, JsonFormat
from .parallel import can_read_in_parallel, read_events_parallel
from .reader import STDIN, IngestStats, read_events, read_lines
from .registry import DETECT_SAMPLE, FORMATS, detect_format, get_format, register_format

__all__ = [
    "COMBINED",
    "COMMON",
    "DEFAULT_DEVICE_COOKIES",
    "DEFAULT_SESSION_COOKIES",
    "DETECT_SAMPLE",
    "FORMATS",
    "JSON",
    "STDIN",
    "Batch",
    "ClfFormat",
    "CustomFormat",
    "FormatSpecError",
    "IngestStats",
    "JsonFormat",
    "LogFormat",
    "MalformedLine",
    "UnknownLogFormat",
    "UnreadableSource",
    "custom_format",
    "detect_format",
    "get_format",
    "can_read_in_parallel",
    "read_events",
    "read_events_parallel",
    "read_lines",
    "register_format",
]
