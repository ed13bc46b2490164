"""Stored versions of the alert rules and notification targets document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.storage.models import AlertingConfigVersion
from workers.storage.sql import insert

_table = AlertingConfigVersion.__table__


async def latest(session: AsyncSession, origin: str | None = None) -> AlertingConfigVersion | None:
    """The version in force (or the newest of one ``origin``); None before the first save."""
    stmt = sa.select(AlertingConfigVersion).order_by(AlertingConfigVersion.version.desc()).limit(1)
    if origin is not None:
        stmt = stmt.where(AlertingConfigVersion.origin == origin)
    return (await session.execute(stmt)).scalar()


async def at_version(session: AsyncSession, version: int) -> AlertingConfigVersion | None:
    return await session.get(AlertingConfigVersion, version)


async def add_version(session: AsyncSession, *, version: int, document: dict[str, Any],
                      origin: str, digest: str, saved_by: str, saved_at: datetime) -> bool:
    """Store ``version``; False when it exists already (someone else saved it first)."""
    res = await session.execute(
        insert(session.bind.dialect.name, _table).on_conflict_do_nothing().values(
            version=version, document=document, origin=origin, digest=digest,
            saved_by=saved_by, saved_at=saved_at))
    return res.rowcount == 1
