"""Compact hand-off of parsed events between processes.

Pickling a `RequestEvent` costs as much as parsing its log line, so a batch travels as one
string: the ten core fields of every event, one after the other, joined by a unit separator
(split once on arrival). An event with anything beyond the core fields, or whose text holds
the separator itself (hostile logs can), travels whole beside the string; ten empty fields
keep its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..events import RequestEvent

UNIT: Final = "\x1f"
FIELDS: Final = 10
EMPTY: Final = UNIT * (FIELDS - 1)  # the place of an event that travels whole

Batch = tuple[str, int, list[tuple[int, RequestEvent]]]
"""One encoded batch: the joined text, the number of events, and the events sent whole."""


def encode(events: Sequence[RequestEvent]) -> Batch:
    """Encode events for `decode`; exact, including the time (`repr` of a float round-trips)."""
    records: list[str] = []
    whole: list[tuple[int, RequestEvent]] = []
    for i, e in enumerate(events):
        if _core_only(e):
            record = UNIT.join(
                (repr(e.time), e.ip, e.method, e.path, e.query, str(e.status), str(e.bytes),
                 e.host, e.user_agent, e.referer)
            )  # fmt: skip
            if record.count(UNIT) == FIELDS - 1:
                records.append(record)
                continue
        records.append(EMPTY)
        whole.append((i, e))
    return UNIT.join(records), len(events), whole


def decode(batch: Batch) -> list[RequestEvent]:
    """The events `encode` was given, in the same order."""
    text, count, whole = batch
    out: list[RequestEvent] = []
    if not count:
        return out
    f = text.split(UNIT)
    taken = 0
    next_whole = whole[0][0] if whole else -1
    for i in range(count):
        if i == next_whole:
            out.append(whole[taken][1])
            taken += 1
            next_whole = whole[taken][0] if taken < len(whole) else -1
            continue
        j = FIELDS * i
        out.append(
            RequestEvent(
                float(f[j]),
                f[j + 1],
                f[j + 2],
                f[j + 3],
                f[j + 4],
                int(f[j + 5]),
                int(f[j + 6]),
                f[j + 7],
                f[j + 8],
                f[j + 9],
            )
        )
    return out


def _core_only(e: RequestEvent) -> bool:
    return (
        e.accept_language is None
        and e.headers is None
        and e.session is None
        and e.device is None
        and e.account is None
        and e.account_created is None
        and e.tls_fingerprint is None
        and e.disclosed is None
        and not e.extra
    )
