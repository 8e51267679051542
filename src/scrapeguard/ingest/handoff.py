"""Compact hand-off of parsed events between processes.

Pickling a `RequestEvent` costs as much as parsing its log line, so a batch travels as one
string: the ten core fields of each event joined by a unit separator, events joined by a
record separator. An event with anything beyond the core fields, or whose text holds a
separator itself (hostile logs can), travels whole beside the string, in its place.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..events import RequestEvent

UNIT = "\x1f"
RECORD = "\x1e"

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
            if record.count(UNIT) == 9 and RECORD not in record:
                records.append(record)
                continue
        records.append("")
        whole.append((i, e))
    return RECORD.join(records), len(events), whole


def decode(batch: Batch) -> list[RequestEvent]:
    """The events `encode` was given, in the same order."""
    text, count, whole = batch
    out: list[RequestEvent] = []
    if not count:
        return out
    records = text.split(RECORD)
    taken = 0
    next_whole = whole[0][0] if whole else -1
    for i, record in enumerate(records):
        if i == next_whole:
            out.append(whole[taken][1])
            taken += 1
            next_whole = whole[taken][0] if taken < len(whole) else -1
            continue
        f = record.split(UNIT)
        out.append(
            RequestEvent(
                float(f[0]), f[1], f[2], f[3], f[4], int(f[5]), int(f[6]), f[7], f[8], f[9]
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
