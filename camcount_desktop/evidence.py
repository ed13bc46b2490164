"""Fetching snapshots (the drawn frame of a count, or of an alert) from the analytics worker for
the alert detail pane and the analytics window's event list: asked over ``rpc.analytics`` in a
task, the JPEG decoded into a ``QImage`` in an executor thread, the Qt thread only shown the
result."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from camcount_desktop import i18n
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus
from workers.contracts.queries import SnapshotReply

log = logging.getLogger(__name__)

#: snapshots kept in memory, so going back and forth between alerts asks nothing again
CACHED = 32


@dataclass(frozen=True)
class Evidence:
    """What a pane shows for one key ("alert:ID" or "event:ID"): a picture, or why not."""

    key: str
    image: QImage | None
    taken_at: datetime | None
    #: why there is no picture, in words for the operator ("" when there is one)
    why_not: str = ""


class SnapshotLoader(QObject):
    #: an ``Evidence``
    loaded = Signal(object)

    def __init__(self, bus: Bus, parent: QObject | None = None):
        super().__init__(parent)
        self.client = AnalyticsClient(bus)
        self._cache: OrderedDict[str, Evidence] = OrderedDict()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopped = False

    def for_alert(self, alert_id: str) -> None:
        self._load(f"alert:{alert_id}", lambda: self.client.alert_snapshot(alert_id))

    def for_event(self, event_message_id: str) -> None:
        self._load(f"event:{event_message_id}", lambda: self.client.snapshot(event_message_id))

    def _load(self, key: str, ask) -> None:
        if self._stopped:  # the session is over (a pane's timer may still fire)
            return
        if (cached := self._cache.get(key)) is not None:
            self.loaded.emit(cached)
            return
        kind = key.split(":", 1)[0]
        if (old := self._tasks.get(kind)) is not None:
            old.cancel()  # only the newest choice of each pane matters
        self._tasks[kind] = asyncio.get_running_loop().create_task(self._fetch(key, ask))

    async def _fetch(self, key: str, ask) -> None:
        try:
            reply: SnapshotReply = await ask()
        except RequestFailed as exc:
            self.loaded.emit(Evidence(key, None, None, i18n.refusal(exc)))  # not cached: may work later
            return
        image = None
        if reply.found:
            image = await asyncio.get_running_loop().run_in_executor(None, _decode, reply.jpeg)
        evidence = Evidence(key, image, reply.taken_at,
                            "" if image is not None else reply.missing or "not a readable JPEG")
        if image is not None:  # a missing one may arrive later (it travels apart from alerts)
            self._cache[key] = evidence
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        self.loaded.emit(evidence)

    async def stop(self) -> None:
        self._stopped = True
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)


def _decode(jpeg: bytes) -> QImage | None:
    image = QImage.fromData(jpeg, "JPG")
    return None if image.isNull() else image
