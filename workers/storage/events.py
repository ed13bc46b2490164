"""Count events: idempotent batch inserts, and counts per quarter hour for aggregation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import CountEventRow
from workers.storage.sql import epoch_seconds, insert

#: what makes one delivery of one event unique (the database enforces it)
EVENT_KEY = ("message_id", "shape_id", "track_id", "kind", "direction")

_events = CountEventRow.__table__


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert count event rows; a row whose key is already stored is skipped by the database."""
    if not rows:
        return
    stmt = insert(session.bind.dialect.name, _events).on_conflict_do_nothing(index_elements=EVENT_KEY)
    await session.execute(stmt, list(rows))


@dataclass(frozen=True)
class SlotCount:
    """Events of one camera, quarter hour (``slot`` in epoch seconds), shape, direction, class."""

    camera_id: str
    slot: int
    kind: str
    shape_id: str
    direction: str
    class_name: str
    count: int
    dwell_seconds_sum: float
    dwell_samples: int


@dataclass(frozen=True)
class EventFilter:
    shape_id: str | None = None
    class_name: str | None = None
    direction: str | None = None
    kind: str | None = None
    #: leave this kind out (routes count people the lines counted already)
    not_kind: str | None = None

    def apply(self, stmt: sa.Select[Any], table: Any) -> sa.Select[Any]:
        for column in ("shape_id", "class_name", "direction", "kind"):
            if (value := getattr(self, column)) is not None:
                stmt = stmt.where(getattr(table.c, column) == value)
        if self.not_kind is not None:
            stmt = stmt.where(table.c.kind != self.not_kind)
        return stmt


NO_FILTER = EventFilter()


async def slot_counts(session: AsyncSession, camera_ids: Sequence[str], start: datetime,
                      end: datetime, where: EventFilter = NO_FILTER,
                      slot_seconds: int = 900) -> list[SlotCount]:
    """Event counts per camera, slot and dimension in [start, end), grouped by the database."""
    e = _events.c
    slot = (epoch_seconds(e.at) // slot_seconds * slot_seconds).label("slot")
    dims = (e.camera_id, e.kind, e.shape_id, e.direction, e.class_name)
    stmt = (sa.select(*dims, slot, sa.func.count(), sa.func.coalesce(sa.func.sum(e.dwell_seconds), 0.0),
                      sa.func.count(e.dwell_seconds))
            .where(e.camera_id.in_(camera_ids), e.at >= start, e.at < end)
            .group_by(*dims, slot))
    rows = await session.execute(where.apply(stmt, _events))
    return [SlotCount(cam, int(s), kind, shape, d, cls, n, float(dw), int(dn))
            for cam, kind, shape, d, cls, s, n, dw, dn in rows]


async def balance_before(session: AsyncSession, camera_id: str, before: datetime,
                         where: EventFilter = NO_FILTER) -> dict[str, int]:
    """Entries (in) minus exits (out) per shape of a camera's events before a moment."""
    e = _events.c
    signed = sa.case((e.direction == "in", 1), else_=-1)
    stmt = (sa.select(e.shape_id, sa.func.sum(signed))
            .where(e.camera_id == camera_id, e.at < before).group_by(e.shape_id))
    rows = await session.execute(where.apply(stmt, _events))
    return {shape: int(n) for shape, n in rows}


async def changes(session: AsyncSession, camera_id: str, start: datetime, end: datetime,
                  where: EventFilter = NO_FILTER) -> list[tuple[datetime, str, int]]:
    """(time, shape, +1 for an entry / -1 for an exit) of a camera's events in [start, end), in
    time order; at the same instant exits come first, so a swap does not count two inside."""
    e = _events.c
    stmt = (sa.select(e.at, e.shape_id, e.direction)
            .where(e.camera_id == camera_id, e.at >= start, e.at < end)
            .order_by(e.at, e.direction.desc()))
    rows = await session.execute(where.apply(stmt, _events))
    return [(at, shape, 1 if direction == "in" else -1) for at, shape, direction in rows]


@dataclass(frozen=True)
class RouteCount:
    route_id: str
    origin: str
    destination: str
    class_name: str
    count: int
    transit_seconds_sum: float


async def route_counts(session: AsyncSession, camera_id: str, start: datetime, end: datetime,
                       class_name: str | None = None) -> list[RouteCount]:
    """Route completions of a camera in [start, end), per route, origin, destination and class."""
    e = _events.c
    dims = (e.shape_id, e.origin, e.destination, e.class_name)
    stmt = (sa.select(*dims, sa.func.count(), sa.func.coalesce(sa.func.sum(e.dwell_seconds), 0.0))
            .where(e.camera_id == camera_id, e.kind == "route", e.at >= start, e.at < end)
            .group_by(*dims).order_by(*dims))
    if class_name is not None:
        stmt = stmt.where(e.class_name == class_name)
    return [RouteCount(r, o or "", d or "", c, int(n), float(t))
            for r, o, d, c, n, t in await session.execute(stmt)]


async def count_stored(session: AsyncSession, camera_id: str | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(_events)
    if camera_id is not None:
        stmt = stmt.where(_events.c.camera_id == camera_id)
    return int((await session.execute(stmt)).scalar_one())


async def events_in(session: AsyncSession, camera_id: str, start: datetime, end: datetime,
                    where: EventFilter = NO_FILTER, limit: int = 200) -> list[CountEventRow]:
    """A camera's events in [start, end), newest first, at most ``limit``."""
    stmt = (sa.select(CountEventRow).where(CountEventRow.camera_id == camera_id,
                                           CountEventRow.at >= start, CountEventRow.at < end)
            .order_by(CountEventRow.at.desc(), CountEventRow.id.desc()).limit(limit))
    rows = await session.execute(where.apply(stmt, _events))
    return list(rows.scalars())
