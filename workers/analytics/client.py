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
    REPLIES,
    AlertsQuery,
    AlertsReply,
    AnalyticsRequest,
    CamerasQuery,
    CamerasReply,
    OccupancyQuery,
    OccupancyReply,
    SaveZoneSet,
    SeriesQuery,
    SeriesReply,
    SiteOccupancyQuery,
    SiteOccupancyReply,
    TotalsQuery,
    TotalsReply,
    ZoneSetQuery,
    ZoneSetReply,
    ZoneSetSaved,
)
from workers.contracts.routes import RoutesQuery, RoutesReply

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
        return await self._request(request, REPLIES[request.query.kind])

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
        """People inside a set of doors, maybe on several cameras (``SiteOccupancyQuery``)."""
        return await self._ask(SiteOccupancyReply, lambda: SiteOccupancyQuery(**fields))

    async def alerts(self, *, limit: int = 50, camera_id: str | None = None,
                     unacknowledged_only: bool = False) -> AlertsReply:
        """The newest alerts, with their acknowledgements."""
        return await self._ask(AlertsReply, lambda: AlertsQuery(
            limit=limit, camera_id=camera_id, unacknowledged_only=unacknowledged_only))

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

    async def _ask(self, reply: type[R], query: Callable[[], BaseModel]) -> R:
        request = self._build(lambda: AnalyticsRequest(query=query()))
        return await self._request(request, reply)
