"""The ``routes`` query: a camera's route completions per route and class, named after its
newest zone set, with the mean transit time."""

from __future__ import annotations

from workers.contracts import ZoneSet
from workers.contracts.routes import RouteRow, RoutesQuery, RoutesReply
from workers.storage import Database
from workers.storage.cameras import stored_zone_set
from workers.storage.events import route_counts


async def route_matrix(db: Database, q: RoutesQuery) -> RoutesReply:
    async with db.sessions() as session:
        counts = await route_counts(session, q.camera_id, q.since, q.until, q.class_name)
        stored = await stored_zone_set(session, q.camera_id, None)
    names: dict[str, str] = {}
    if stored:
        zs = ZoneSet.model_validate(stored)
        names = {s.id: s.label for s in [*zs.lines, *zs.zones, *zs.routes]}
    rows = [RouteRow(route_id=c.route_id, name=names.get(c.route_id, c.route_id),
                     origin=c.origin, destination=c.destination,
                     origin_name=names.get(c.origin, c.origin),
                     destination_name=names.get(c.destination, c.destination),
                     class_name=c.class_name, count=c.count,
                     mean_transit_seconds=c.transit_seconds_sum / c.count if c.count else None)
            for c in counts]
    return RoutesReply(camera_id=q.camera_id, since=q.since, until=q.until, rows=rows)
