"""Property tests: every way a log writes a moment reads as the same epoch seconds as
`datetime` computes, and impossible dates are refused.

A user relies on an nginx `$time_local`, `[$time_local]`, `$time_iso8601`, `$msec`, an epoch
in milliseconds, microseconds or nanoseconds (JSON loggers), with any UTC offset, all landing
on the same instant, and on a CLF date that does not exist (31/Feb) making the line malformed
rather than a wrong time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.ingest.timeparse import any_time, clf_time, epoch_time, iso_time

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1))
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(moment=moments, tz=offsets, millis=st.integers(0, 999))
def test_every_spelling_of_a_moment_reads_the_same(
    moment: datetime, tz: timezone, millis: int
) -> None:
    local = moment.replace(microsecond=millis * 1000, tzinfo=tz)
    whole = local.replace(microsecond=0)
    want = whole.timestamp()
    clf = whole.strftime("%d/%b/%Y:%H:%M:%S %z")
    assert clf_time(clf) == want
    assert clf_time(clf) == want  # the cached value too
    assert any_time(clf) == want
    assert any_time(f"[{clf}]") == want
    assert clf_time(whole.strftime("%d/%b/%Y:%H:%M:%S.") + f"{millis:03d} " + clf[-5:]) == (
        pytest.approx(local.timestamp(), abs=1e-6)
    )
    iso = whole.isoformat()
    assert iso_time(iso) == any_time(iso) == want
    assert iso_time(whole.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")) == want
    seconds = int(want)
    # Units are told apart by size (docs/ingest.md): only epochs after 1973-03-03 (1e8 s)
    # are unambiguous in milliseconds and finer.
    for scale in (1, 1000, 10**6, 10**9) if seconds > 10**8 else (1,):
        assert epoch_time(seconds * scale) == pytest.approx(want)
        assert any_time(str(seconds * scale)) == pytest.approx(want)
    assert epoch_time(f"{local.timestamp():.3f}") == pytest.approx(local.timestamp())


@given(
    day=st.integers(1, 31),
    month=st.integers(1, 12),
    year=st.integers(1971, 2200),
    hms=st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)),
)
def test_a_clf_date_is_read_exactly_when_it_exists(
    day: int, month: int, year: int, hms: tuple[int, int, int]
) -> None:
    text = f"{day:02d}/{MONTHS[month - 1]}/{year}:{hms[0]:02d}:{hms[1]:02d}:{hms[2]:02d} +0000"
    try:
        want = datetime(year, month, day, *hms, tzinfo=UTC).timestamp()
    except ValueError:
        with pytest.raises(ValueError):
            clf_time(text)
        return
    assert clf_time(text) == want
