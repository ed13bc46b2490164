"""Cameras and their versioned zone sets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import CameraRecord, CameraStateRow, Zone, ZoneSetRow
from workers.storage.sql import insert

_cameras = CameraRecord.__table__
_states = CameraStateRow.__table__
_zone_sets = ZoneSetRow.__table__
_zones = Zone.__table__


async def ensure_cameras(session: AsyncSession, camera_ids: Iterable[str], now: datetime) -> None:
    """Register cameras first heard of in a result (or a zone set) before any admin configured them."""
    rows = [{"camera_id": c, "name": "", "enabled": True, "first_seen_at": now}
            for c in sorted(set(camera_ids))]
    if rows:
        await session.execute(
            insert(session.bind.dialect.name, _cameras).on_conflict_do_nothing(), rows)


async def update_camera(session: AsyncSession, camera_id: str, at: datetime,
                        values: dict[str, Any]) -> bool:
    """Apply a control message's change unless a newer one has been applied already."""
    await ensure_cameras(session, [camera_id], at)
    c = _cameras.c
    res = await session.execute(
        sa.update(_cameras)
        .where(c.camera_id == camera_id, sa.or_(c.updated_at.is_(None), c.updated_at <= at))
        .values(updated_at=at, **values))
    return res.rowcount == 1


async def add_zone_set(session: AsyncSession, camera_id: str, version: int,
                       definition: dict[str, Any], message_id: str, now: datetime) -> bool:
    """Store a zone set version and its shapes; False if that version was stored already."""
    await ensure_cameras(session, [camera_id], now)
    dialect = session.bind.dialect.name
    res = await session.execute(insert(dialect, _zone_sets).on_conflict_do_nothing().values(
        camera_id=camera_id, version=version, definition=definition, message_id=message_id,
        received_at=now))
    if res.rowcount != 1:
        return False
    shapes = [*definition.get("lines", []), *definition.get("zones", [])]
    if shapes:
        await session.execute(sa.insert(_zones), [
            {"camera_id": camera_id, "version": version, "shape_id": s["id"], "kind": s["kind"],
             "name": s.get("name", ""), "classes": s.get("classes", []), "points": s["points"]}
            for s in shapes])
    return True


async def stored_zone_set(session: AsyncSession, camera_id: str, version: int | None = None,
                          ) -> dict[str, Any] | None:
    """A camera's zone set at ``version``, or its newest one."""
    z = _zone_sets.c
    stmt = sa.select(z.definition).where(z.camera_id == camera_id)
    stmt = stmt.where(z.version == version) if version is not None else stmt.order_by(z.version.desc())
    return (await session.execute(stmt.limit(1))).scalar()


async def list_cameras(session: AsyncSession, *, include_removed: bool = False,
                       ) -> list[tuple[CameraRecord, int | None]]:
    """Cameras with their newest zone set version."""
    latest = (sa.select(sa.func.max(ZoneSetRow.version))
              .where(ZoneSetRow.camera_id == CameraRecord.camera_id).scalar_subquery())
    stmt = sa.select(CameraRecord, latest).order_by(CameraRecord.camera_id)
    if not include_removed:
        stmt = stmt.where(CameraRecord.removed_at.is_(None))
    return [(cam, version) for cam, version in await session.execute(stmt)]


async def active_camera_ids(session: AsyncSession) -> list[str]:
    rows = await session.execute(
        sa.select(_cameras.c.camera_id).where(_cameras.c.removed_at.is_(None)))
    return list(rows.scalars())


async def known_camera_ids(session: AsyncSession, camera_ids: Iterable[str]) -> set[str]:
    rows = await session.execute(
        sa.select(_cameras.c.camera_id).where(_cameras.c.camera_id.in_(list(camera_ids))))
    return set(rows.scalars())


async def display_names(session: AsyncSession, camera_ids: Iterable[str],
                        ) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """What people call these cameras (by id) and their lines and zones (by camera and shape id,
    the newest name a zone set gave it); unnamed ones are left out."""
    ids = list(camera_ids)
    cams = await session.execute(sa.select(_cameras.c.camera_id, _cameras.c.name)
                                 .where(_cameras.c.camera_id.in_(ids)))
    z = _zones.c
    shapes = await session.execute(sa.select(z.camera_id, z.shape_id, z.name)
                                   .where(z.camera_id.in_(ids)).order_by(z.version))
    return ({cam: name for cam, name in cams if name},
            {(cam, shape): name for cam, shape, name in shapes if name})


async def record_states(session: AsyncSession, rows: list[dict[str, Any]], now: datetime) -> None:
    """Store camera state changes; one already stored (same message id) is skipped."""
    if rows:
        await ensure_cameras(session, [r["camera_id"] for r in rows], now)
        await session.execute(
            insert(session.bind.dialect.name, _states).on_conflict_do_nothing(), rows)


async def state_history(session: AsyncSession, camera_id: str, start: datetime,
                        end: datetime) -> list[tuple[datetime, str, str]]:
    """(time, state, detail) of a camera's state changes in [start, end), in time order."""
    s = _states.c
    rows = await session.execute(
        sa.select(s.at, s.state, s.detail)
        .where(s.camera_id == camera_id, s.at >= start, s.at < end).order_by(s.at))
    return [(at, state, detail) for at, state, detail in rows]


async def latest_zone_version(session: AsyncSession, camera_id: str) -> int:
    """The newest stored zone set version of a camera; 0 when none is stored."""
    z = _zone_sets.c
    stmt = sa.select(sa.func.max(z.version)).where(z.camera_id == camera_id)
    return (await session.execute(stmt)).scalar() or 0


async def retired_shape_ids(session: AsyncSession, camera_id: str, shape_ids: Iterable[str],
                            version: int) -> set[str]:
    """Those of ``shape_ids`` that named a line or zone of an earlier version but not of
    ``version``: a shape drawn anew under such an id would carry on the retired one's totals."""
    z = _zones.c
    wanted = list(shape_ids)
    if not wanted:
        return set()
    kept = sa.select(z.shape_id).where(z.camera_id == camera_id, z.version == version)
    rows = await session.execute(
        sa.select(z.shape_id).distinct()
        .where(z.camera_id == camera_id, z.shape_id.in_(wanted), z.shape_id.not_in(kept)))
    return set(rows.scalars())
