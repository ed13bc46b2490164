"""What the analytics worker keeps for the cameras a detector follows: zones and settings an
admin saved while no detector ran.

Zones are asked per camera. Configurations come in one list of every camera: the cameras a
detector hears of at start are followed within moments of each other, so they share one
question (and its answer, for ``LIST_FRESH_S``) instead of each asking for the whole list.
"""

from __future__ import annotations

import asyncio
import time

from workers.analytics.client import AnalyticsClient
from workers.contracts import CameraConfig, ZoneSet
from workers.contracts.queries import CamerasReply

#: an answer with every camera's configuration serves cameras followed this soon after it
LIST_FRESH_S = 30.0


class StoredSettings:
    def __init__(self, client: AnalyticsClient):
        self.client = client
        self._cameras: asyncio.Task[CamerasReply] | None = None
        self._asked_at = 0.0

    async def zone_set(self, camera_id: str) -> ZoneSet | None:
        return await self.client.latest_zone_set(camera_id)

    async def config(self, camera_id: str) -> CameraConfig | None:
        """The camera's stored configuration; RequestFailed when analytics cannot say."""
        task = self._cameras
        if task is None or (task.done() and (
                task.cancelled() or task.exception() is not None
                or time.monotonic() - self._asked_at > LIST_FRESH_S)):
            task = self._cameras = asyncio.get_running_loop().create_task(self.client.cameras())
            self._asked_at = time.monotonic()
        # shielded: one follower cancelled (its camera removed) must not cancel the others' answer
        reply = await asyncio.shield(task)
        return next((c.config for c in reply.cameras if c.camera_id == camera_id), None)

    async def close(self) -> None:
        if self._cameras is not None and not self._cameras.done():
            self._cameras.cancel()
            await asyncio.gather(self._cameras, return_exceptions=True)
