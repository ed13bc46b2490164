"""Stored sites (``SiteRow``), one row per site, its definition the ``Site`` document."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from workers.contracts.sites import Site
from workers.storage.models import SiteRow


async def list_sites(session: AsyncSession) -> list[Site]:
    rows = await session.scalars(sa.select(SiteRow).order_by(SiteRow.name, SiteRow.site_id))
    return [Site.model_validate(r.definition) for r in rows]


async def get_site(session: AsyncSession, site_id: str) -> Site | None:
    row = await session.get(SiteRow, site_id)
    return None if row is None else Site.model_validate(row.definition)


async def put_site(session: AsyncSession, site: Site, replaces: str | None, by: str,
                   at: datetime) -> None:
    """Store ``site``, in place of ``replaces`` when it was renamed (its old id)."""
    if replaces is not None and replaces != site.id:
        await session.execute(sa.delete(SiteRow).where(SiteRow.site_id == replaces))
    await session.merge(SiteRow(site_id=site.id, name=site.name,
                                definition=site.model_dump(mode="json"), updated_by=by,
                                updated_at=at))


async def delete_site(session: AsyncSession, site_id: str) -> bool:
    result = await session.execute(sa.delete(SiteRow).where(SiteRow.site_id == site_id))
    return bool(getattr(result, "rowcount", 0))
