"""Asking the analytics worker (``rpc.analytics``): what it can be asked, typed.

Failures are ``RequestFailed`` (``workers.bus.client``) with a sentence for people.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from workers.bus.client import RequestFailed, ServiceClient
from workers.contracts import ZoneSet
from workers.contracts.queries import (
    ADMIN_ONLY,
    REPLIES,
    AlertSnapshotQuery,
    AlertsQuery,
    AlertsReply,
    AnalyticsRequest,
    CamerasQuery,
    CamerasReply,
    CountEventsQuery,
    CountEventsReply,
    DeleteSite,
    FacesViewsQuery,
    FacesViewsReply,
    HeatmapQuery,
    HeatmapReply,
    OccupancyQuery,
    OccupancyReply,
    SaveSite,
    SaveZoneSet,
    SeriesQuery,
    SeriesReply,
    SiteOccupancyQuery,
    SiteOccupancyReply,
    SiteSaved,
    SitesQuery,
    SitesReply,
    SnapshotQuery,
    SnapshotReply,
    TotalsQuery,
    TotalsReply,
    ZoneSetQuery,
    ZoneSetReply,
    ZoneSetSaved,
)
from workers.contracts.routes import RoutesQuery, RoutesReply
from workers.contracts.sites import Site

__all__ = ["AnalyticsClient", "RequestFailed"]

R = TypeVar("R", bound=BaseModel)


class AnalyticsClient(ServiceClient):
    service = "analytics"

    def _queue(self) -> str:
        return self.bus.topology.rpc_analytics

    async def ask(self, query: BaseModel | dict[str, Any]) -> BaseModel:
        """Any query; its reply, of the model the query's kind answers with."""
        request = self._build(lambda: AnalyticsRequest.model_validate({"query": query}))
        assert isinstance(request, AnalyticsRequest)
        return await self._request(request, REPLIES[request.query.kind],
                                   exchange=self._way_in(request))

    async def series(self, **fields: Any) -> SeriesReply:
        return await self._ask(SeriesReply, lambda: SeriesQuery(**fields))

    async def occupancy(self, **fields: Any) -> OccupancyReply:
        return await self._ask(OccupancyReply, lambda: OccupancyQuery(**fields))

    async def totals(self, camera_id: str | None = None, *, since: datetime | None = None,
                     until: datetime | None = None) -> TotalsReply:
        return await self._ask(TotalsReply, lambda: TotalsQuery(camera_id=camera_id,
                                                                since=since, until=until))

    async def routes(self, camera_id: str, *, since: datetime, until: datetime,
                     class_name: str | None = None) -> RoutesReply:
        """Route completions of a camera in [since, until): the origin -> destination matrix."""
        return await self._ask(RoutesReply, lambda: RoutesQuery(
            camera_id=camera_id, since=since, until=until, class_name=class_name))

    async def site_occupancy(self, **fields: Any) -> SiteOccupancyReply:
        """People inside a stored site (``site_id``) or a set of doors, maybe on several cameras
        (``SiteOccupancyQuery``)."""
        return await self._ask(SiteOccupancyReply, lambda: SiteOccupancyQuery(**fields))

    async def sites(self) -> list[Site]:
        """The stored sites, by name."""
        return (await self._ask(SitesReply, SitesQuery)).sites

    async def save_site(self, site: Site, *, replaces: str | None = None) -> SiteSaved:
        """Add ``site``, or replace the stored one with id ``replaces``; the reply says whether
        it was stored, and why not."""
        return await self._ask(SiteSaved, lambda: SaveSite(site=site, replaces=replaces))

    async def delete_site(self, site_id: str) -> SiteSaved:
        return await self._ask(SiteSaved, lambda: DeleteSite(site_id=site_id))

    async def alerts(self, *, limit: int = 50, camera_id: str | None = None,
                     unacknowledged_only: bool = False) -> AlertsReply:
        """The newest alerts, with their acknowledgements."""
        return await self._ask(AlertsReply, lambda: AlertsQuery(
            limit=limit, camera_id=camera_id, unacknowledged_only=unacknowledged_only))

    async def snapshot(self, event_message_id: str) -> SnapshotReply:
        """The drawn frame of one count-events message, or why there is none."""
        return await self._ask(SnapshotReply,
                               lambda: SnapshotQuery(event_message_id=event_message_id))

    async def alert_snapshot(self, alert_id: str) -> SnapshotReply:
        """The picture of an alert (its camera's newest snapshot from before it was raised)."""
        return await self._ask(SnapshotReply, lambda: AlertSnapshotQuery(alert_id=alert_id))

    async def count_events(self, **fields: Any) -> CountEventsReply:
        """A camera's count events in a time range (``CountEventsQuery``), newest first."""
        return await self._ask(CountEventsReply, lambda: CountEventsQuery(**fields))

    async def cameras(self, *, include_removed: bool = False) -> CamerasReply:
        """Every camera the analytics worker has recorded, with its configuration."""
        return await self._ask(CamerasReply,
                               lambda: CamerasQuery(include_removed=include_removed))

    async def latest_zone_set(self, camera_id: str) -> ZoneSet | None:
        """The newest zone set an admin saved for a camera (what a detector asks for at start);
        None when it has none."""
        reply = await self._ask(ZoneSetReply, lambda: ZoneSetQuery(camera_id=camera_id))
        return reply.zone_set

    async def save_zone_set(self, zone_set: ZoneSet, *, base_version: int,
                            requested_by: str = "") -> ZoneSetSaved:
        """Store ``zone_set`` as the version after ``base_version``, the one it was drawn on;
        the reply says whether it was stored, and why not."""
        return await self._ask(ZoneSetSaved, lambda: SaveZoneSet(
            zone_set=zone_set, base_version=base_version, requested_by=requested_by))

    async def heatmap(self, camera_id: str, *, start: datetime, end: datetime) -> HeatmapReply:
        """The camera's heatmap summed over the whole hours in [start, end)."""
        return await self._ask(HeatmapReply, lambda: HeatmapQuery(camera_id=camera_id,
                                                                  start=start, end=end))

    async def faces_views(self, *, camera_id: str | None = None,
                          limit: int = 100) -> FacesViewsReply:
        """Who viewed which camera's pictures with people showing, newest first."""
        return await self._ask(FacesViewsReply, lambda: FacesViewsQuery(camera_id=camera_id,
                                                                        limit=limit))

    async def _ask(self, reply: type[R], query: Callable[[], BaseModel]) -> R:
        request = self._build(lambda: AnalyticsRequest(query=query()))
        assert isinstance(request, AnalyticsRequest)
        return await self._request(request, reply, exchange=self._way_in(request))

    def _way_in(self, request: AnalyticsRequest) -> str:
        """Questions go through the read-only query exchange, which an operator account may use
        (docs/admin.md); what writes, and the questions only admins may ask, through the default
        exchange (admin accounts only)."""
        return "" if request.query.kind in ADMIN_ONLY else self.bus.topology.queries
