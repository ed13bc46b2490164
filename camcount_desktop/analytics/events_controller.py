"""The count events behind one bucket of the chart on screen, each with its snapshot, so an admin
can check a surprising number by eye: asked of the analytics worker in a task (a newer request
replaces one still running), the snapshots through the console's ``SnapshotLoader``."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from camcount_desktop import i18n
from camcount_desktop.analytics.model import Selection
from camcount_desktop.evidence import SnapshotLoader
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus

log = logging.getLogger(__name__)

#: events listed for one bucket, newest first
LIST_LIMIT = 200


class BucketEventsController(QObject):
    #: a ``CountEventsReply``
    listed = Signal(object)
    #: (text, level) as the analytics window's status line takes it
    message = Signal(str, str)

    def __init__(self, bus: Bus, snapshots: SnapshotLoader, parent: QObject | None = None):
        super().__init__(parent)
        self.client = AnalyticsClient(bus)
        self.snapshots = snapshots
        self._task: asyncio.Task[None] | None = None

    def list(self, sel: Selection, start: datetime, end: datetime) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(self._list(sel, start, end))

    async def _list(self, sel: Selection, start: datetime, end: datetime) -> None:
        try:
            reply = await self.client.count_events(
                camera_id=sel.camera_id, start=start, end=end, shape_kind=sel.shape_kind,
                shape_id=sel.shape_id, class_name=sel.class_name, limit=LIST_LIMIT)
        except RequestFailed as exc:
            self.message.emit(i18n.refusal(exc), "error")
            return
        self.listed.emit(reply)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
