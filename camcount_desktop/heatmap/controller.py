"""Heatmaps for the console: the last 24 hours over a wall tile (toggled per camera, asked again
every minute while shown) and any period for the analytics window, from the analytics worker."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from camcount_desktop import i18n
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus
from workers.contracts.queries import HeatmapReply

log = logging.getLogger(__name__)

#: the period a tile's heatmap covers, up to now
TILE_PERIOD = timedelta(hours=24)
REFRESH_MS = 60_000


class HeatmapController(QObject):
    #: a tile's heatmap changed (camera_id); ``tiles[camera_id]`` holds it (None: asked, none yet)
    tile_changed = Signal(str)
    #: a tile's heatmap could not be had (camera_id, why in words)
    failed = Signal(str, str)

    def __init__(self, bus: Bus, parent: QObject | None = None):
        super().__init__(parent)
        self.client = AnalyticsClient(bus)
        self.tiles: dict[str, HeatmapReply | None] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)

    def set_tile(self, camera_id: str, on: bool) -> None:
        if not on:
            self.tiles.pop(camera_id, None)
            self.tile_changed.emit(camera_id)
        else:
            self.tiles[camera_id] = None
            self.tile_changed.emit(camera_id)
            self._spawn(self._fetch_tile(camera_id))
        if self.tiles and not self._timer.isActive():
            self._timer.start()
        elif not self.tiles:
            self._timer.stop()

    async def fetch(self, camera_id: str, start: datetime, end: datetime) -> HeatmapReply:
        """A heatmap over [start, end); raises ``RequestFailed`` with a sentence for people."""
        return await self.client.heatmap(camera_id, start=start, end=end)

    def _refresh(self) -> None:
        for camera_id in list(self.tiles):
            self._spawn(self._fetch_tile(camera_id))

    async def _fetch_tile(self, camera_id: str) -> None:
        end = datetime.now(UTC)
        try:
            reply = await self.fetch(camera_id, end - TILE_PERIOD, end + timedelta(hours=1))
        except RequestFailed as exc:
            self.failed.emit(camera_id, i18n.refusal(exc))
            return
        if camera_id in self.tiles:  # not switched off meanwhile
            self.tiles[camera_id] = reply
            self.tile_changed.emit(camera_id)

    def _spawn(self, coro) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        self._timer.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
