"""Time parsing: CLF, ISO 8601, epoch numbers, and the bounded cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.ingest import timeparse
from scrapeguard.ingest.timeparse import any_time, clf_time, epoch_time, iso_time


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_clf_time_matches_datetime(moment: datetime, offset_minutes: int) -> None:
    moment = moment.replace(microsecond=0)
    tz = timezone(timedelta(minutes=offset_minutes))
    text = moment.replace(tzinfo=tz).strftime("%d/%b/%Y:%H:%M:%S %z")
    assert clf_time(text) == moment.replace(tzinfo=tz).timestamp()


def test_clf_variants() -> None:
    base = datetime(2015, 5, 17, 10, 5, 3, tzinfo=UTC).timestamp()
    assert clf_time("17/May/2015:10:05:03 +0000") == base
    assert clf_time("17/May/2015:10:05:03") == base  # no offset: UTC
    assert clf_time("17/May/2015:10:05:03.250 +0000") == base + 0.25
    assert clf_time("7/May/2015:10:05:03 +00:00") == base - 10 * 86400
    for bad in ("", "17/May/2015", "17/May/2015:10:05:03 +0000 extra", "32/May/2015:00:00:00"):
        with pytest.raises(ValueError):
            clf_time(bad)


def test_iso_and_epoch() -> None:
    base = datetime(2015, 5, 17, 10, 5, 3, tzinfo=UTC).timestamp()
    for text in ("2015-05-17T10:05:03Z", "2015-05-17T12:05:03+02:00", "2015-05-17 10:05:03"):
        assert iso_time(text) == base
    assert epoch_time("1431857103") == base
    assert epoch_time(1431857103000) == base  # milliseconds
    assert epoch_time(1431857103000000) == base  # microseconds
    assert any_time("[17/May/2015:10:05:03 +0000]") == base
    assert any_time("17/May/2015:10:05:03 +0000") == base
    assert any_time("1431857103.0") == base
    assert any_time(1431857103) == base
    for bad in (float("nan"), "inf", True, None, [1]):
        with pytest.raises(ValueError):
            any_time(bad)


def test_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeparse, "CACHE_MAX", 10)
    timeparse.CLF_CACHE.clear()
    for second in range(30):
        clf_time(f"17/May/2015:10:05:{second:02d} +0000")
    assert 0 < len(timeparse.CLF_CACHE) <= 10
