"""The stored sites as the console knows them: read from the analytics worker (anyone may),
saved and deleted there (admins only: the broker refuses an operator's account), read again
when a ``config`` event says another console changed them. Requests are asyncio tasks on
qasync's loop; widgets only receive the signals."""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, Signal

from camcount_desktop import i18n
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus
from workers.contracts import SystemEvent
from workers.contracts.sites import SITES_CONFIG, Site

log = logging.getLogger(__name__)


class SitesController(QObject):
    changed = Signal()
    #: (text, level) with level info / warning / error
    message = Signal(str, str)

    def __init__(self, bus: Bus, parent: QObject | None = None):
        super().__init__(parent)
        self.client = AnalyticsClient(bus)
        self.sites: list[Site] = []
        self.loaded = False
        self._reload: asyncio.Task[None] | None = None

    def by_id(self, site_id: str) -> Site | None:
        return next((s for s in self.sites if s.id == site_id), None)

    async def load(self) -> bool:
        try:
            self.sites = await self.client.sites()
        except RequestFailed as exc:
            self.message.emit(self.tr("The sites could not be read: {why}").format(why=i18n.refusal(exc)),
                              "error")
            return False
        self.loaded = True
        self.changed.emit()
        return True

    async def save(self, site: Site, replaces: str | None) -> str | None:
        """None once saved; else why not, for the person who asked."""
        try:
            reply = await self.client.save_site(site, replaces=replaces)
        except RequestFailed as exc:
            return i18n.refusal(exc)
        self.sites = reply.sites
        self.changed.emit()
        if not reply.saved:
            return self.tr("Not saved: {why}").format(why=i18n.say(reply.error_phrase,
                                                                    reply.error or ""))
        self.message.emit(self.tr("Site {name} saved.").format(name=site.name), "info")
        return None

    async def delete(self, site_id: str) -> str | None:
        try:
            reply = await self.client.delete_site(site_id)
        except RequestFailed as exc:
            return i18n.refusal(exc)
        self.sites = reply.sites
        self.changed.emit()
        return None if reply.saved else self.tr("Not deleted: {why}").format(
            why=i18n.say(reply.error_phrase, reply.error or ""))

    def on_config(self, event: SystemEvent) -> None:
        """Another console saved or deleted a site: follow it, once the sites were shown."""
        if not self.loaded or event.data.get("config") != SITES_CONFIG:
            return
        if self._reload is None or self._reload.done():
            self._reload = asyncio.get_running_loop().create_task(self.load())
