"""The registry of named log formats and auto-detection."""

from __future__ import annotations

from collections.abc import Iterable

from .base import LogFormat, UnknownLogFormat
from .clf import COMBINED, COMMON
from .custom import custom_format
from .jsonlines import JSON

FORMATS: dict[str, LogFormat] = {f.name: f for f in (COMBINED, COMMON, JSON)}
"""Named formats, in detection preference order (ties go to the earlier one)."""

DETECT_SAMPLE = 100
"""How many non-blank lines `detect_format` looks at."""


def register_format(fmt: LogFormat) -> None:
    """Add (or replace) a named format; registered formats take part in auto-detection."""
    FORMATS[fmt.name] = fmt


def get_format(fmt: str | LogFormat) -> LogFormat:
    """A format by registered name, or compiled from a custom nginx / Apache format string.

    `"auto"` is not a format: use `detect_format` (or let `read_events` detect per source).
    """
    if isinstance(fmt, LogFormat):
        return fmt
    found = FORMATS.get(fmt)
    if found is not None:
        return found
    if "$" in fmt or "%" in fmt:
        return custom_format(fmt)
    raise UnknownLogFormat(
        f"unknown log format {fmt!r}: use auto, {', '.join(FORMATS)}, "
        "or an nginx / Apache format string"
    )


def detect_format(
    sample_lines: list[str], candidates: Iterable[LogFormat] | None = None
) -> LogFormat:
    """Choose the format that parses most of the first `DETECT_SAMPLE` non-blank lines.

    Candidates default to every registered format. The winner must read at least half of the
    sample; otherwise `UnknownLogFormat` names what was tried and shows the first line.
    """
    sample = [line for line in sample_lines if line.strip()][:DETECT_SAMPLE]
    tried = list(FORMATS.values() if candidates is None else candidates)
    if not sample:
        raise UnknownLogFormat("cannot detect the log format: no non-blank lines")
    best: LogFormat | None = None
    best_count = 0
    scores: list[str] = []
    for fmt in tried:
        count = len(fmt.parse_batch(sample)[0])
        scores.append(f"{fmt.name} {count}/{len(sample)}")
        if count > best_count:
            best, best_count = fmt, count
    if best is None or best_count * 2 < len(sample):
        preview = sample[0][:120]
        raise UnknownLogFormat(
            f"cannot detect the log format (lines parsed: {', '.join(scores)}); first line: "
            f"{preview!r}. Pass the format explicitly, e.g. a custom nginx log_format or "
            "Apache LogFormat string"
        )
    return best
