"""Hourly, daily, weekly and monthly buckets in a local time zone, as UTC instants.

A bucket is a real interval of time: a local day is 23 or 25 hours across a DST change, and the
repeated local hour of an autumn change is two hourly buckets (02:00+02:00 and 02:00+01:00).
Every real time zone's offset is a whole number of quarter hours, so bucket edges always fall
on a quarter-hour of UTC; counting per quarter hour (``SLOT_SECONDS``) and summing slots into
buckets gives exact counts in any time zone.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Period = Literal["hourly", "daily", "weekly", "monthly"]
PERIODS: tuple[Period, ...] = get_args(Period)
SLOT_SECONDS = 900


@dataclass(frozen=True, order=True)
class Bucket:
    start: datetime  # UTC
    end: datetime  # UTC

    def local_label(self, tz: ZoneInfo) -> str:
        """The bucket's local start with its offset, unambiguous across a DST change."""
        return self.start.astimezone(tz).isoformat(timespec="minutes")


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # Where midnight does not exist (a DST jump at 00:00), zoneinfo maps it to the jump's instant.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def bucket_start(period: Period, instant: datetime, tz: ZoneInfo) -> datetime:
    """UTC start of the ``period`` bucket holding ``instant``."""
    local = instant.astimezone(tz)
    if period == "hourly":
        # astimezone() sets ``fold`` on the repeated hour, so this stays in the right one.
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day = local.date()
    if period == "weekly":
        day -= timedelta(days=day.weekday())  # ISO weeks: Monday
    elif period == "monthly":
        day = day.replace(day=1)
    return _local_midnight(day, tz)


def bucket_end(period: Period, start: datetime, tz: ZoneInfo) -> datetime:
    """UTC end of the bucket starting at ``start`` (the next bucket's start)."""
    if period == "hourly":
        return bucket_start("hourly", start + timedelta(hours=1), tz)
    day = start.astimezone(tz).date()
    if period == "daily":
        nxt = day + timedelta(days=1)
    elif period == "weekly":
        nxt = day + timedelta(days=7)
    else:
        nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return _local_midnight(nxt, tz)


def bucket_of(period: Period, instant: datetime, tz: ZoneInfo) -> Bucket:
    start = bucket_start(period, instant, tz)
    return Bucket(start, bucket_end(period, start, tz))


def buckets(period: Period, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Bucket]:
    """Every bucket overlapping [start, end), in order."""
    s = bucket_start(period, start, tz)
    while s < end:
        e = bucket_end(period, s, tz)
        yield Bucket(s, e)
        s = e


def slot_start(epoch_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch_seconds - epoch_seconds % SLOT_SECONDS, UTC)


class BucketIndex:
    """Finds the bucket a quarter-hour slot belongs to."""

    def __init__(self, items: Sequence[Bucket]):
        self.items = list(items)
        self._starts = [b.start for b in self.items]

    def find(self, instant: datetime) -> Bucket | None:
        i = bisect.bisect_right(self._starts, instant) - 1
        if i >= 0 and instant < self.items[i].end:
            return self.items[i]
        return None
