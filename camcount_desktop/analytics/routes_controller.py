"""The routes shown beside a chart: the camera's origin → destination counts over the same span,
asked of the analytics worker on qasync's loop."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from camcount_desktop import i18n
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.contracts.routes import RoutesReply

log = logging.getLogger(__name__)


class RoutesController(QObject):
    shown = Signal(object)  # RoutesReply
    failed = Signal(str)

    def __init__(self, client: AnalyticsClient, parent: QObject | None = None):
        super().__init__(parent)
        self.client = client
        self.reply: RoutesReply | None = None
        self._task: asyncio.Task[None] | None = None

    def show(self, camera_id: str, since: datetime, until: datetime,
             class_name: str | None = None) -> None:
        """Ask; a newer request replaces one still running."""
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(
            self._show(camera_id, since, until, class_name))

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _show(self, camera_id: str, since: datetime, until: datetime,
                    class_name: str | None) -> None:
        try:
            self.reply = await self.client.routes(camera_id, since=since, until=until,
                                                  class_name=class_name)
        except RequestFailed as exc:
            self.failed.emit(i18n.refusal(exc))
            return
        self.shown.emit(self.reply)
