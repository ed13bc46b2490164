"""Stored sites: read by anyone (``sites``, answered by ``QueryService``), saved and deleted by
admins (``save_site``, ``delete_site``: writes, refused on the read-only query exchange).
Who saved a site is the broker account that sent the request. Each change is announced as a
``config`` event on ``system.events`` (``{"config": "sites"}``), so rule engines read the sites
again."""

from __future__ import annotations

import contextlib
import logging

from workers.bus import Bus, PublishError
from workers.contracts import SystemEvent, utcnow
from workers.contracts.phrases import say
from workers.contracts.queries import DeleteSite, SaveSite, SiteSaved
from workers.contracts.sites import SITES_CONFIG
from workers.storage import Database
from workers.storage.sites import delete_site, get_site, list_sites, put_site

log = logging.getLogger(__name__)


class SiteStore:
    def __init__(self, db: Database, bus: Bus, worker_id: str):
        self.db, self.bus, self.worker_id = db, bus, worker_id

    async def save(self, q: SaveSite, by: str | None) -> SiteSaved:
        site = q.site
        async with self.db.transaction() as session:
            if q.replaces is not None and await get_site(session, q.replaces) is None:
                error = say("site_gone", site=q.replaces)
            elif q.replaces != site.id and await get_site(session, site.id) is not None:
                error = say("site_id_taken", id=site.id)
            elif any(s.name.casefold() == site.name.casefold() and s.id not in (site.id, q.replaces)
                     for s in await list_sites(session)):
                error = say("site_name_taken", name=site.name)
            else:
                error = None
                await put_site(session, site, q.replaces, by or "", utcnow())
            stored = await list_sites(session)
        if error is not None:
            return SiteSaved(saved=False, sites=stored, error=error.english(), error_phrase=error)
        log.info("site %s (%s) saved by %s", site.id, site.name, by or "?")
        await self._announce()
        return SiteSaved(saved=True, sites=stored)

    async def delete(self, q: DeleteSite, by: str | None) -> SiteSaved:
        async with self.db.transaction() as session:
            deleted = await delete_site(session, q.site_id)
            stored = await list_sites(session)
        if not deleted:
            error = say("site_unknown", site=q.site_id)
            return SiteSaved(saved=False, sites=stored, error=error.english(), error_phrase=error)
        log.info("site %s deleted by %s", q.site_id, by or "?")
        await self._announce()
        return SiteSaved(saved=True, sites=stored)

    async def _announce(self) -> None:
        """Stored already: a rule engine that misses this reads the sites at its next start."""
        event = SystemEvent(event_type="config", source=self.worker_id,
                            data={"config": SITES_CONFIG})
        event.metadata.source = self.worker_id
        with contextlib.suppress(PublishError):
            await self.bus.publish(self.bus.topology.system_events, "", event, mandatory=False)
