"""Fast timestamp parsing for access logs.

Access logs repeat the same timestamp string for every request in a second, so every parser
here keeps a bounded cache from the exact string to its epoch value. `CLF_CACHE` is exposed so
hot loops can inline the dictionary lookup and call `clf_time_miss` only on a miss.

All functions return float seconds since the epoch (UTC) and raise `ValueError` for input they
cannot read. Timezone offsets are honoured; a time without an offset is taken as UTC.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

CACHE_MAX = 50_000
"""Entries kept per cache before it is cleared (a cheap bound; logs move forward in time)."""

CLF_CACHE: dict[str, float] = {}
"""Exact `%d/%b/%Y:%H:%M:%S %z` string to epoch seconds; see `clf_time_miss`."""

_ISO_CACHE: dict[str, float] = {}
_DAY_CACHE: dict[str, float] = {}  # "dd/Mon/yyyy:" + " +zzzz" to epoch of that midnight
_HOURS = {f"{n:02d}": n * 3600 for n in range(24)}
_MINUTES = {f"{n:02d}": n * 60 for n in range(60)}
_SECONDS = {f"{n:02d}": n for n in range(61)}

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

_CLF_RX = re.compile(
    r"\s*(\d{1,2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?"
    r"\s*(?:([+-])(\d{2}):?(\d{2})|Z|GMT|UTC)?\s*$",
    re.ASCII,
)


def clf_time(text: str) -> float:
    """Parse a Common Log Format time such as `17/May/2015:10:05:03 +0000` (no brackets).

    Fractional seconds and a missing offset (taken as UTC) are tolerated.
    """
    value = CLF_CACHE.get(text)
    if value is None:
        value = clf_time_miss(text)
    return value


def clf_time_miss(text: str) -> float:
    """Parse a CLF time that is not in `CLF_CACHE` yet, and cache it.

    The canonical 26-character layout costs three dictionary lookups plus one for its day
    (days are cached separately); anything else goes through `_clf_time_general`.
    """
    value: float | None = None
    if len(text) == 26 and text[20] == " ":
        base = _DAY_CACHE.get(text[:12] + text[20:])
        if base is None:
            base = _day_base(text)
        if base is not None:
            hour = _HOURS.get(text[12:14])
            minute = _MINUTES.get(text[15:17])
            second = _SECONDS.get(text[18:20])
            if (
                hour is not None
                and minute is not None
                and second is not None
                and text[14] == ":"
                and text[17] == ":"
            ):
                value = base + hour + minute + second
    if value is None:
        value = _clf_time_general(text)
    if len(CLF_CACHE) >= CACHE_MAX:
        CLF_CACHE.clear()
    CLF_CACHE[text] = value
    return value


def _day_base(text: str) -> float | None:
    """Epoch seconds of midnight of the day in `dd/Mon/yyyy:HH:MM:SS +zzzz`, offset applied."""
    key = text[:12] + text[20:]
    try:
        base = _clf_time_general(text[:12] + "00:00:00" + text[20:])
    except ValueError:
        return None
    if len(_DAY_CACHE) >= CACHE_MAX:
        _DAY_CACHE.clear()
    _DAY_CACHE[key] = base
    return base


def _clf_time_general(text: str) -> float:
    m = _CLF_RX.match(text)
    if m is None:
        raise ValueError(f"bad time {text[:40]!r}")
    day, mon, year, hh, mm, ss, frac, sign, oh, om = m.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        raise ValueError(f"bad month in time {text[:40]!r}")
    hour, minute, second = int(hh), int(mm), int(ss)
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(f"bad time of day {text[:40]!r}")
    try:
        days = date(int(year), month, int(day)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise ValueError(f"bad date in time {text[:40]!r}") from None
    value = float(days * 86400 + hour * 3600 + minute * 60 + second)
    if frac:
        value += int(frac) / 10 ** len(frac)
    if sign:
        offset = int(oh) * 3600 + int(om) * 60
        value = value - offset if sign == "+" else value + offset
    return value


def iso_time(text: str) -> float:
    """Parse an ISO 8601 / RFC 3339 time such as `2015-05-17T10:05:03+00:00` or `...Z`."""
    value = _ISO_CACHE.get(text)
    if value is not None:
        return value
    stamp = datetime.fromisoformat(text.strip())
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    value = stamp.timestamp()
    if len(_ISO_CACHE) >= CACHE_MAX:
        _ISO_CACHE.clear()
    _ISO_CACHE[text] = value
    return value


def epoch_time(value: float | int | str) -> float:
    """Read seconds since the epoch from a number or numeric string.

    Values too large to be seconds are taken as milliseconds (> 1e11), microseconds (> 1e14)
    or nanoseconds (> 1e17), the units JSON loggers commonly use. NaN and infinities are
    rejected.
    """
    seconds = float(value)
    if not math.isfinite(seconds):
        raise ValueError(f"bad epoch time {value!r}")
    magnitude = abs(seconds)
    if magnitude > 1e17:
        seconds /= 1e9
    elif magnitude > 1e14:
        seconds /= 1e6
    elif magnitude > 1e11:
        seconds /= 1e3
    return seconds


def any_time(value: object) -> float:
    """Read a time given as epoch number, numeric string, ISO 8601 string or CLF string."""
    if isinstance(value, bool):
        raise ValueError(f"bad time {value!r}")
    if isinstance(value, int | float):
        return epoch_time(value)
    if not isinstance(value, str):
        raise ValueError(f"bad time {value!r:.40}")
    text = value.strip()
    if not text:
        raise ValueError("empty time")
    if text[0].isdigit() or text[0] in "+-.":
        if "/" in text[:6]:
            return clf_time(text)
        if "-" not in text[1:] and ":" not in text:
            return epoch_time(text)
        return iso_time(text)
    if text[0] == "[" and text[-1] == "]":
        return clf_time(text[1:-1])
    return iso_time(text)
