"""Occupancy that stays true: a zone's entries minus exits, reset at closing time, never below
zero, and beside it a figure corrected by the average visit time.

In minus out drifts with every missed count: one exit a day missed is one phantom person more
each day. Three settings per zone (``OccupancySettings``) hold it:

* ``reset_at``: at this local time of day the raw figure (and the estimate's memory of entries)
  go to zero: closing time, when the place is known to be empty;
* ``never_below_zero``: an exit with nobody inside is a missed entry, not minus one person;
* ``mean_visit_seconds`` (V): Little's law says the people inside are the arrival rate times the
  mean stay, so ``L(t)``, the entries in the last V seconds, estimates the occupancy from the
  entries alone, with no exit counted. The corrected figure is the raw one where it is within
  ``margin`` of that (``L ± ceil(margin × L)``) and the nearer edge of that band where it is
  not: a raw figure that drifted by missed exits or entries is pulled back, and one that agrees
  is shown as counted.

Both figures are kept: the raw one is what the doors counted; the corrected one is an estimate.
Pure code: times in, figures out; the query feeds it the stored events.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from workers.contracts.zones import OccupancySettings


def next_reset(after: datetime, reset_at: str, tz: ZoneInfo) -> datetime:
    """The first reset instant strictly after ``after`` (local wall time, so DST days hold)."""
    hh, mm = map(int, reset_at.split(":"))
    local = after.astimezone(tz)
    day = local.date()
    while True:
        candidate = datetime.combine(day, time(hh, mm), tz)
        if candidate > local:
            return candidate
        day += timedelta(days=1)


class ZoneOccupancy:
    """One zone's raw and corrected occupancy, fed its entries (+1) and exits (-1) in time order."""

    def __init__(self, settings: OccupancySettings | None, tz: ZoneInfo, start: datetime,
                 raw: int = 0) -> None:
        self.settings = settings or OccupancySettings()
        self.tz = tz
        self.raw = max(0, raw) if self.settings.never_below_zero else raw
        self._entries: deque[datetime] = deque()
        self._now = start
        self._next_reset = (None if self.settings.reset_at is None
                            else next_reset(start, self.settings.reset_at, tz))

    def advance(self, t: datetime) -> None:
        """Move the clock to ``t``, applying every reset on the way."""
        while self._next_reset is not None and self._next_reset <= t:
            self.raw = 0
            self._entries.clear()
            self._next_reset = next_reset(self._next_reset, self.settings.reset_at or "", self.tz)
        self._now = max(self._now, t)

    def add(self, t: datetime, delta: int) -> None:
        self.advance(t)
        self.raw += delta
        if self.settings.never_below_zero:
            self.raw = max(0, self.raw)
        if delta > 0 and self.settings.mean_visit_seconds is not None:
            self._entries.append(t)

    def corrected(self) -> int | None:
        """The estimate at the current time (None without ``mean_visit_seconds``)."""
        v = self.settings.mean_visit_seconds
        if v is None:
            return None
        horizon = self._now - timedelta(seconds=v)
        while self._entries and self._entries[0] <= horizon:
            self._entries.popleft()
        expected = len(self._entries)
        m = math.ceil(self.settings.margin * expected)
        return max(0, min(max(self.raw, expected - m), expected + m))

    def lookback(self) -> timedelta:
        """How far before a query's start the events must be replayed from."""
        v = self.settings.mean_visit_seconds or 0.0
        return max(timedelta(seconds=v), timedelta(days=1, hours=2) if self.settings.reset_at
                   else timedelta(0))
