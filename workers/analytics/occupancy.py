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
``ZoneOccupancy`` is pure code (times in, figures out); the zone query feeds it a zone's stored
entries and exits, ``site_occupancy`` a site's door crossings and zone entries, and the
``site_occupancy`` alert rule kind a site's live crossings.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from workers.analytics.buckets import buckets
from workers.bus import PermanentError
from workers.contracts import utcnow
from workers.contracts.queries import OccupancyPoint, SiteOccupancyQuery, SiteOccupancyReply
from workers.contracts.sites import Site, SiteDoor, SiteZone
from workers.contracts.zones import OccupancySettings
from workers.storage import Database
from workers.storage.events import EventFilter, balance_before, changes
from workers.storage.sites import get_site


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


Move = tuple[datetime, int]


async def site_moves(db: Database, doors: list[SiteDoor], zones: list[SiteZone],
                     begin: datetime, end: datetime, class_name: str | None = None,
                     ) -> tuple[int, list[Move]]:
    """A site's people before ``begin`` (entries minus exits of every stored event), and its
    moves in [begin, end): (time, +1 entering / -1 leaving) in time order, exits first at the
    same instant."""
    #: (camera, kind, shape) -> +1 for the crossings or entries that enter the site, -1 for
    #: those that leave it (a zone's "in" enters)
    sign = {(d.camera_id, "line", d.line_id): 1 if d.entering == "in" else -1 for d in doors}
    sign |= {(z.camera_id, "zone", z.zone_id): 1 for z in zones}
    before, moves = 0, []
    async with db.sessions() as session:
        for cam, kind in sorted({(c, k) for c, k, _ in sign}):
            where = EventFilter(kind=kind, class_name=class_name)
            for shape, n in (await balance_before(session, cam, begin, where)).items():
                before += sign.get((cam, kind, shape), 0) * n
            moves += [(at, sign[(cam, kind, shape)] * delta)
                      for at, shape, delta in await changes(session, cam, begin, end, where)
                      if (cam, kind, shape) in sign]
    moves.sort(key=lambda m: (m[0], m[1]))
    return before, moves


async def site_inside(db: Database, site: Site, tz: ZoneInfo, now: datetime) -> ZoneOccupancy:
    """A site's figure at ``now`` from the stored events, ready to be fed what comes next (the
    rule engine's starting point, so a restart does not empty the site)."""
    begin = now - ZoneOccupancy(site.occupancy, tz, now).lookback()
    before, moves = await site_moves(db, site.doors, site.zones, begin, now)
    inside = ZoneOccupancy(site.occupancy, tz, begin, before)
    for move in moves:
        inside.add(*move)
    inside.advance(now)
    return inside


async def site_occupancy(db: Database, q: SiteOccupancyQuery, default_tz: str) -> SiteOccupancyReply:
    """Inside a site per bucket: every door's entries minus its exits, and its zones' entries
    minus exits, merged in time order and kept true by the site's settings, as a zone's
    occupancy is. A stored site (``q.site_id``) is read first; else the request carries it."""
    site = None
    if q.site_id is not None:
        async with db.sessions() as session:
            site = await get_site(session, q.site_id)
        if site is None:
            raise PermanentError(f"no site {q.site_id!r} is stored")
    doors, zones = (site.doors, site.zones) if site else (q.doors, q.zones)
    settings = site.occupancy if site else q.occupancy
    tzname = q.timezone or default_tz
    tz = ZoneInfo(tzname)
    items = list(buckets(q.period, q.start, q.end, tz))
    begin = items[0].start - ZoneOccupancy(settings, tz, items[0].start).lookback()
    before, moves = await site_moves(db, doors, zones, begin, items[-1].end, q.class_name)
    inside = ZoneOccupancy(settings, tz, begin, before)
    now, points, i = utcnow(), [], 0
    while i < len(moves) and moves[i][0] < items[0].start:
        inside.add(*moves[i])
        i += 1
    inside.advance(items[0].start)
    for b in items:
        peak = inside.raw
        while i < len(moves) and moves[i][0] < b.end:
            inside.add(*moves[i])
            peak = max(peak, inside.raw)
            i += 1
        inside.advance(min(b.end, now))
        points.append(OccupancyPoint(start=b.start, end=b.end, label=b.local_label(tz),
                                     at_end=inside.raw, peak=peak, corrected=inside.corrected()))
    return SiteOccupancyReply(name=site.name if site else q.name, site_id=q.site_id,
                              max_occupancy=site.max_occupancy if site else None,
                              period=q.period, timezone=tzname, points=points)
