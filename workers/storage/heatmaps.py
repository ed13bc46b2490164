"""Heatmap facts and the faces-view log: written once per message, read per camera and period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import FacesView, HeatmapRow
from workers.storage.sql import insert


async def insert_heatmaps(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert heatmap rows; one whose message is stored already is skipped by the database."""
    if rows:
        stmt = insert(session.bind.dialect.name, HeatmapRow.__table__).on_conflict_do_nothing(
            index_elements=["message_id"])
        await session.execute(stmt, list(rows))


async def heatmap_rows(session: AsyncSession, camera_id: str, start: datetime,
                       end: datetime) -> list[HeatmapRow]:
    """The camera's facts whose hour lies in [start, end), oldest first (no pictures loaded)."""
    q = (sa.select(HeatmapRow).where(HeatmapRow.camera_id == camera_id,
                                     HeatmapRow.hour_start >= start, HeatmapRow.hour_start < end)
         .order_by(HeatmapRow.hour_start, HeatmapRow.first_at)
         .options(sa.orm.defer(HeatmapRow.reference_jpeg)))
    return list((await session.scalars(q)).all())


async def latest_reference(session: AsyncSession, camera_id: str,
                           before: datetime) -> tuple[bytes, datetime] | None:
    """The newest reference picture of the camera from before ``before``, and its time."""
    q = (sa.select(HeatmapRow.reference_jpeg, HeatmapRow.last_at)
         .where(HeatmapRow.camera_id == camera_id, HeatmapRow.reference_jpeg.is_not(None),
                HeatmapRow.hour_start < before)
         .order_by(HeatmapRow.hour_start.desc(), HeatmapRow.last_at.desc()).limit(1))
    row = (await session.execute(q)).first()
    return None if row is None else (row[0], row[1])


async def insert_faces_views(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        stmt = insert(session.bind.dialect.name, FacesView.__table__).on_conflict_do_nothing(
            index_elements=["message_id"])
        await session.execute(stmt, list(rows))


async def faces_views(session: AsyncSession, camera_id: str | None, limit: int) -> list[FacesView]:
    """The newest entries of the log, newest first."""
    q = sa.select(FacesView).order_by(FacesView.at.desc()).limit(limit)
    if camera_id is not None:
        q = q.where(FacesView.camera_id == camera_id)
    return list((await session.scalars(q)).all())
