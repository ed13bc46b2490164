"""Local-time buckets across DST changes (Europe/Berlin, 2026)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.helpers.analytics import at
from workers.analytics.buckets import bucket_of, buckets

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_spring_day_has_23_hours_and_the_autumn_day_25() -> None:
    spring = bucket_of("daily", at("2026-03-29T12:00+02:00"), BERLIN)
    autumn = bucket_of("daily", at("2026-10-25T12:00+01:00"), BERLIN)
    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)
    assert len(list(buckets("hourly", spring.start, spring.end, BERLIN))) == 23
    assert len(list(buckets("hourly", autumn.start, autumn.end, BERLIN))) == 25


def test_hours_skip_02_in_spring_and_repeat_it_in_autumn_as_two_buckets() -> None:
    spring = [b.local_label(BERLIN) for b in buckets(
        "hourly", at("2026-03-29T01:00+01:00"), at("2026-03-29T04:00+02:00"), BERLIN)]
    assert spring == ["2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00"]
    autumn = [b.local_label(BERLIN) for b in buckets(
        "hourly", at("2026-10-25T01:00+02:00"), at("2026-10-25T04:00+01:00"), BERLIN)]
    assert autumn == ["2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00",
                      "2026-10-25T02:00+01:00", "2026-10-25T03:00+01:00"]
    assert all(b.end - b.start == timedelta(hours=1) for b in buckets(
        "hourly", at("2026-10-25T00:00+02:00"), at("2026-10-26T00:00+01:00"), BERLIN))


def test_weeks_start_on_monday_and_months_on_the_first_at_local_midnight() -> None:
    week = bucket_of("weekly", at("2026-03-29T12:00+02:00"), BERLIN)  # a Sunday
    assert week.start == at("2026-03-23T00:00+01:00")
    assert week.end == at("2026-03-30T00:00+02:00")
    march = bucket_of("monthly", at("2026-03-15T12:00+01:00"), BERLIN)
    assert (march.start, march.end) == (at("2026-03-01T00:00+01:00"), at("2026-04-01T00:00+02:00"))
    assert march.end - march.start == timedelta(days=31) - timedelta(hours=1)
