"""Asking the analytics worker: typed request/reply over ``rpc.analytics``."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from workers.bus import Bus
from workers.contracts import ZoneSet
from workers.contracts.queries import (
    REPLIES,
    AnalyticsRequest,
    OccupancyQuery,
    OccupancyReply,
    SaveZoneSet,
    SeriesQuery,
    SeriesReply,
    TotalsQuery,
    TotalsReply,
    ZoneSetQuery,
    ZoneSetReply,
    ZoneSetSaved,
)

R = TypeVar("R", bound=BaseModel)


class AnalyticsClient:
    """Raises RequestTimeout when no analytics worker answers, RemoteError with the reason when
    the query is refused."""

    def __init__(self, bus: Bus, *, timeout: float = 5.0):
        self.bus = bus
        self.timeout = timeout

    async def ask(self, query: BaseModel | dict[str, Any]) -> BaseModel:
        request = AnalyticsRequest.model_validate({"query": query})
        reply_model = REPLIES[request.query.kind]
        return await self.bus.request(self.bus.topology.rpc_analytics, request,
                                      reply_model=reply_model, timeout=self.timeout)

    async def _ask(self, query: BaseModel, reply: type[R]) -> R:
        answer = await self.ask(query)
        assert isinstance(answer, reply)
        return answer

    async def series(self, **fields: Any) -> SeriesReply:
        return await self._ask(SeriesQuery(**fields), SeriesReply)

    async def occupancy(self, **fields: Any) -> OccupancyReply:
        return await self._ask(OccupancyQuery(**fields), OccupancyReply)

    async def totals(self, **fields: Any) -> TotalsReply:
        return await self._ask(TotalsQuery(**fields), TotalsReply)

    async def latest_zone_set(self, camera_id: str) -> ZoneSet | None:
        """The newest zone set an admin sent for a camera (what a detector asks for at start)."""
        return (await self._ask(ZoneSetQuery(camera_id=camera_id), ZoneSetReply)).zone_set

    async def save_zone_set(self, zone_set: ZoneSet, *, base_version: int,
                            requested_by: str = "") -> ZoneSetSaved:
        """Store ``zone_set`` as the version after ``base_version``, the one it was drawn on;
        the reply says whether it was stored, and why not."""
        return await self._ask(SaveZoneSet(zone_set=zone_set, base_version=base_version,
                                           requested_by=requested_by), ZoneSetSaved)
