"""connect()'s conversion of UTC datetimes to local time (client.in_local_time) gives exactly
what `astimezone()` gives, across daylight-saving changes, in zones whose offsets and changes
fall on half and quarter hours too."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest

from callsheet import client


@pytest.fixture
def local_zone() -> Iterator[object]:
    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()
        client._LOCAL_ZONES.clear()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()
    client._LOCAL_ZONES.clear()


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
)
def test_in_local_time_matches_astimezone_across_a_year(local_zone, zone: str) -> None:
    local_zone(zone)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for minutes in range(0, 366 * 24 * 60, 13):  # every 13 minutes: every quarter hour's phases
        moment = start + dt.timedelta(minutes=minutes)
        mine, theirs = client.in_local_time(moment), moment.astimezone()
        assert (mine, mine.utcoffset(), mine.tzname()) == (
            theirs,
            theirs.utcoffset(),
            theirs.tzname(),
        ), moment


def test_to_caller_converts_datetimes_of_records_to_local_time(local_zone) -> None:
    local_zone("America/New_York")
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    record = {"type": "Shot", "id": 1, "created_at": moment, "note": "2026-07-01T12:00:00Z"}
    converted = client.to_caller([record])[0]
    assert converted["created_at"].utcoffset() == dt.timedelta(hours=-4)
    assert converted["created_at"] == moment
    assert converted["note"] == moment and converted["note"].utcoffset() == dt.timedelta(hours=-4)
