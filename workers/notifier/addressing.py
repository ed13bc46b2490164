"""Times as the site reads them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_time(at: datetime, timezone: str) -> str:
    """``2026-12-01 07:00:03 CET``: what an operator in the site's zone reads."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def next_local(at: time, timezone: str, *, after: datetime | None = None) -> datetime:
    """The next instant (UTC) the site's clock shows ``at``: the ``scheduledAt`` of, say, the
    daily report at 07:00. A wall time skipped by a DST change moves forward with the clock."""
    zone = ZoneInfo(timezone)
    now = (after or datetime.now(UTC)).astimezone(zone)
    day = now.date()
    while True:
        candidate = datetime.combine(day, at, zone)
        # normalise through UTC: 02:30 on a spring-forward night becomes 03:30
        utc = candidate.astimezone(UTC)
        if utc > now:
            return utc
        day += timedelta(days=1)
