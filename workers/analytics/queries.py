"""Answers to the console's queries (``rpc.analytics``).

A series reads stored aggregates for buckets that were aggregated in the requested time zone and
counts the rest (the current bucket, or a time zone no job ran for) from the events directly, so
an answer never depends on whether the scheduler has caught up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from workers.alerting.store import site_language
from workers.analytics.aggregation import Totals
from workers.analytics.buckets import BucketIndex, bucket_start, buckets, slot_start
from workers.analytics.occupancy import ZoneOccupancy, site_occupancy
from workers.analytics.route_matrix import route_matrix
from workers.bus import Delivery, PermanentError
from workers.contracts import CameraConfig, ZoneSet, utcnow
from workers.contracts.queries import (
    ADMIN_READS,
    WRITES,
    AcknowledgeAlert,
    AlertInfo,
    AlertSnapshotQuery,
    AlertsQuery,
    AlertsReply,
    AnalyticsRequest,
    CameraInfo,
    CamerasQuery,
    CamerasReply,
    CountEventInfo,
    CountEventsQuery,
    CountEventsReply,
    OccupancyPoint,
    OccupancyQuery,
    OccupancyReply,
    ReportInfo,
    ReportsQuery,
    ReportsReply,
    SeriesPoint,
    SeriesQuery,
    SeriesReply,
    SiteOccupancyQuery,
    SiteOccupancyReply,
    SitesQuery,
    SitesReply,
    SnapshotQuery,
    SnapshotReply,
    TotalRow,
    TotalsQuery,
    TotalsReply,
    ZoneSetQuery,
    ZoneSetReply,
)
from workers.i18n import gettext_for
from workers.storage import Database
from workers.storage import alerts as alert_store
from workers.storage import reports as report_store
from workers.storage import snapshots as snapshot_store
from workers.storage.aggregates import aggregated_starts, read_aggregates
from workers.storage.cameras import active_camera_ids, list_cameras, stored_zone_set
from workers.storage.events import EventFilter, balance_before, changes, events_in, slot_counts
from workers.storage.models import Alert, SnapshotRow
from workers.storage.sites import list_sites


def _alert_info(a: Alert) -> AlertInfo:
    return AlertInfo(alert_id=a.alert_id, source=a.source, severity=a.severity,
                     camera_id=a.camera_id, zone_id=a.zone_id, data=a.data, raised_at=a.raised_at,
                     acknowledged_by=a.acknowledged_by, acknowledged_at=a.acknowledged_at,
                     resolved_at=a.resolved_at, acknowledge_note=a.acknowledge_note)


def _snapshot_reply(row: SnapshotRow | None, missing: str) -> SnapshotReply:
    if row is None:
        return SnapshotReply(found=False, missing=missing)
    return SnapshotReply(found=True, event_message_id=row.event_message_id,
                         camera_id=row.camera_id, taken_at=row.taken_at, width=row.width,
                         height=row.height, shape_ids=row.shape_ids, jpeg=row.jpeg)


class QueryService:
    def __init__(self, db: Database, timezone: str, *, read_only_exchange: str | None = None):
        """``read_only_exchange``: requests that came through it may only read (an operator
        account may write there; docs/admin.md)."""
        self.db = db
        self.timezone = timezone
        self.read_only_exchange = read_only_exchange
        #: handlers that are told which broker account asked (writes record who made them)
        self._by_sender: dict[str, Callable[[Any, str | None], Awaitable[BaseModel]]] = {}
        self._by_kind: dict[str, Callable[[Any], Awaitable[BaseModel]]] = {
            "series": self.series, "occupancy": self.occupancy, "totals": self.totals, "alerts": self.alerts,
            "cameras": self.cameras,
            "zone_set": self.zone_set, "reports": self.reports,
            "routes": lambda q: route_matrix(self.db, q), "snapshot": self.snapshot,
            "alert_snapshot": self.alert_snapshot, "count_events": self.count_events,
            "site_occupancy": self.site_occupancy, "sites": self.site_list,
        }

    def answer(self, kind: str, handler: Callable[[Any], Awaitable[BaseModel]]) -> None:
        """Answer ``kind`` with a handler of the worker's (writes that need the bus)."""
        self._by_kind[kind] = handler

    def answer_with_sender(self, kind: str,
                           handler: Callable[[Any, str | None], Awaitable[BaseModel]]) -> None:
        """Answer ``kind`` with a handler told the broker account that asked."""
        self._by_sender[kind] = handler

    async def handle(self, request: AnalyticsRequest, d: Delivery) -> BaseModel:
        kind = request.query.kind
        if d.exchange and d.exchange == self.read_only_exchange:
            if kind in WRITES:
                raise PermanentError(f"{kind.replace('_', ' ')} is not a question: it changes "
                                     "what is stored, so it is not taken on the read-only query "
                                     "exchange")
            if kind in ADMIN_READS:
                _ = gettext_for(await site_language(self.db))
                raise PermanentError(_("Only admins may read the faces-view log (who looked at "
                                       "pictures with people showing). Connect with an admin "
                                       "account to read it."))
        if isinstance(request.query, AcknowledgeAlert):
            return await self.acknowledge(request.query, d.user_id)
        if kind in self._by_sender:
            return await self._by_sender[kind](request.query, d.user_id)
        return await self._by_kind[kind](request.query)

    async def series(self, q: SeriesQuery) -> SeriesReply:
        tzname = q.timezone or self.timezone
        tz = ZoneInfo(tzname)
        items = list(buckets(q.period, q.start, q.end, tz))
        start, end = items[0].start, items[-1].end
        where = EventFilter(shape_id=q.shape_id, class_name=q.class_name, kind=q.shape_kind,
                            not_kind="route" if q.shape_id is None and q.shape_kind is None
                            else None)
        acc: dict[datetime, Totals] = defaultdict(Totals)
        async with self.db.sessions() as session:
            # Two statements, two snapshots: a bucket aggregated between them is taken from its
            # events (it was not done at the first read), never from both.
            done = await aggregated_starts(session, q.camera_id, q.period, tzname, start, end)
            for b, direction, n, dw, dn in await read_aggregates(
                    session, q.camera_id, q.period, tzname, start, end, where):
                if b in done:
                    acc[b].add(direction, n, dw, dn)
            missing = [b for b in items if b.start not in done]
            if missing:
                index = BucketIndex(missing)
                for sc in await slot_counts(session, [q.camera_id], missing[0].start,
                                            missing[-1].end, where):
                    if (b := index.find(slot_start(sc.slot))) is not None:
                        acc[b.start].add(sc.direction, sc.count, sc.dwell_seconds_sum,
                                         sc.dwell_samples)
        points = []
        for b in items:
            t = acc.get(b.start) or Totals()
            points.append(SeriesPoint(start=b.start, end=b.end, label=b.local_label(tz),
                                      count_in=t.count_in, count_out=t.count_out,
                                      mean_dwell_seconds=t.mean_dwell))
        return SeriesReply(camera_id=q.camera_id, period=q.period, timezone=tzname, points=points)

    async def occupancy(self, q: OccupancyQuery) -> OccupancyReply:
        """Entries minus exits of every stored event before each moment, per zone and never
        below zero there (an exit whose entry predates the stored events must not hide someone
        in another zone). Detectors exit every track they lose, so this is what they showed.
        Zones with ``OccupancySettings`` are reset at their time of day and get a corrected
        figure too (``workers/analytics/occupancy.py``)."""
        tzname = q.timezone or self.timezone
        tz = ZoneInfo(tzname)
        items = list(buckets(q.period, q.start, q.end, tz))
        where = EventFilter(shape_id=q.shape_id, class_name=q.class_name, kind="zone")
        async with self.db.sessions() as session:
            stored = await stored_zone_set(session, q.camera_id, None)
            settings = {} if stored is None else {
                z.id: z.occupancy for z in ZoneSet.model_validate(stored).zones if z.occupancy}
            probe = [ZoneOccupancy(s, tz, items[0].start) for s in settings.values()]
            begin = items[0].start - max((z.lookback() for z in probe), default=timedelta(0))
            before = await balance_before(session, q.camera_id, begin, where)
            moves = await changes(session, q.camera_id, begin, items[-1].end, where)
        zones = {shape: ZoneOccupancy(settings.get(shape), tz, begin, n)
                 for shape, n in before.items()}
        now, points, i = utcnow(), [], 0
        correcting = any(s.mean_visit_seconds for s in settings.values())
        while i < len(moves) and moves[i][0] < items[0].start:  # what happened before the range
            at, shape, delta = moves[i]
            zones.setdefault(shape, ZoneOccupancy(settings.get(shape), tz, begin)).add(at, delta)
            i += 1
        for z in zones.values():
            z.advance(items[0].start)
        total = sum(z.raw for z in zones.values())
        for b in items:
            peak = total
            while i < len(moves) and moves[i][0] < b.end:
                at, shape, delta = moves[i]
                for z in zones.values():
                    z.advance(at)
                zones.setdefault(shape, ZoneOccupancy(settings.get(shape), tz, begin)).add(at, delta)
                total = sum(z.raw for z in zones.values())
                peak = max(peak, total)
                i += 1
            for z in zones.values():
                z.advance(min(b.end, now))
            total = sum(z.raw for z in zones.values())
            corrected = None
            if correcting:
                corrected = sum(z.raw if (c := z.corrected()) is None else c
                                for z in zones.values())
            points.append(OccupancyPoint(start=b.start, end=b.end, label=b.local_label(tz),
                                         at_end=total, peak=peak, corrected=corrected))
        return OccupancyReply(camera_id=q.camera_id, period=q.period, timezone=tzname,
                              points=points)

    async def site_occupancy(self, q: SiteOccupancyQuery) -> SiteOccupancyReply:
        return await site_occupancy(self.db, q, self.timezone)

    async def site_list(self, _: SitesQuery) -> SitesReply:
        async with self.db.sessions() as session:
            return SitesReply(sites=await list_sites(session))

    async def totals(self, q: TotalsQuery) -> TotalsReply:
        until = q.until or utcnow()
        since = q.since or bucket_start("daily", until, ZoneInfo(self.timezone))
        acc: dict[tuple[str, str, str, str], Totals] = defaultdict(Totals)
        async with self.db.sessions() as session:
            cameras = [q.camera_id] if q.camera_id else await active_camera_ids(session)
            for sc in await slot_counts(session, cameras, since, until):
                acc[(sc.camera_id, sc.kind, sc.shape_id, sc.class_name)].add(
                    sc.direction, sc.count, sc.dwell_seconds_sum, sc.dwell_samples)
        rows = [TotalRow(camera_id=cam, kind=kind, shape_id=shape, class_name=cls,
                         count_in=t.count_in, count_out=t.count_out)
                for (cam, kind, shape, cls), t in sorted(acc.items())]
        return TotalsReply(since=since, until=until, rows=rows)

    async def alerts(self, q: AlertsQuery) -> AlertsReply:
        async with self.db.sessions() as session:
            found = await alert_store.recent_alerts(session, limit=q.limit, camera_id=q.camera_id,
                                                    unacknowledged_only=q.unacknowledged_only)
        return AlertsReply(alerts=[_alert_info(a) for a in found])

    async def acknowledge(self, q: AcknowledgeAlert, by: str | None) -> AlertInfo:
        """Acknowledged by the broker account that asked (its validated user_id)."""
        if not by:
            raise PermanentError("the request does not say which broker account sent it")
        async with self.db.transaction() as session:
            alert = await alert_store.acknowledge(session, q.alert_id, by, utcnow(), q.note)
            if alert is None:
                raise PermanentError(f"no alert {q.alert_id!r}")
            return _alert_info(alert)

    async def cameras(self, q: CamerasQuery) -> CamerasReply:
        async with self.db.sessions() as session:
            found = await list_cameras(session, include_removed=q.include_removed)
        return CamerasReply(cameras=[
            CameraInfo(camera_id=c.camera_id, name=c.name, enabled=c.enabled,
                       config=CameraConfig.model_validate(c.config) if c.config else None,
                       zones_version=version, first_seen_at=c.first_seen_at,
                       removed_at=c.removed_at)
            for c, version in found])

    async def zone_set(self, q: ZoneSetQuery) -> ZoneSetReply:
        async with self.db.sessions() as session:
            stored = await stored_zone_set(session, q.camera_id, q.version)
        return ZoneSetReply(zone_set=ZoneSet.model_validate(stored) if stored else None)

    async def reports(self, q: ReportsQuery) -> ReportsReply:
        async with self.db.sessions() as session:
            found = await report_store.recent(session, q.limit)
        return ReportsReply(reports=[
            ReportInfo(report_id=r.report_id, report_type=r.report_type, format=r.format,
                       state=r.state, attempts=r.attempts, path=r.path, error=r.error,
                       created_at=r.created_at, finished_at=r.finished_at)
            for r in found])

    async def snapshot(self, q: SnapshotQuery) -> SnapshotReply:
        async with self.db.sessions() as session:
            row = await snapshot_store.get_snapshot(session, q.event_message_id)
        return _snapshot_reply(row, "No snapshot is stored for these count events: it was not "
                                    "made, was dropped on the way, or was pruned.")

    async def alert_snapshot(self, q: AlertSnapshotQuery) -> SnapshotReply:
        """Chosen when asked, not when raised: the snapshot of the crossing or entry that tipped
        a rule may reach the store after the alert does."""
        async with self.db.sessions() as session:
            alert = await session.get(Alert, q.alert_id)
            if alert is None:
                return _snapshot_reply(None, f"No alert {q.alert_id!r} is stored.")
            if alert.camera_id is None:
                return _snapshot_reply(None, "This alert is not about a camera.")
            # not after it was raised: a later frame shows what happened next, not why
            before = alert.raised_at
            row = None
            if alert.zone_id is not None:
                row = await snapshot_store.newest_before(session, alert.camera_id, before,
                                                         alert.zone_id)
            if row is None:
                row = await snapshot_store.newest_before(session, alert.camera_id, before)
        return _snapshot_reply(row, "No snapshot of this camera from before the alert is "
                                    "stored (nothing was counted, or it was pruned).")

    async def count_events(self, q: CountEventsQuery) -> CountEventsReply:
        where = EventFilter(shape_id=q.shape_id, class_name=q.class_name, kind=q.shape_kind)
        async with self.db.sessions() as session:
            rows = await events_in(session, q.camera_id, q.start, q.end, where, q.limit + 1)
            with_snapshot = await snapshot_store.which_exist(
                session, [r.message_id for r in rows[: q.limit]])
        return CountEventsReply(truncated=len(rows) > q.limit, events=[
            CountEventInfo(event_message_id=r.message_id, camera_id=r.camera_id, kind=r.kind,
                           shape_id=r.shape_id, direction=r.direction, class_name=r.class_name,
                           track_id=r.track_id, at=r.at, dwell_seconds=r.dwell_seconds,
                           has_snapshot=r.message_id in with_snapshot)
            for r in rows[: q.limit]])
