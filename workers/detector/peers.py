"""Sharing cameras between detector workers. Every worker follows every camera; the broker picks
one active consumer per camera's frame queue. Peers are known from their heartbeats, and a
worker holding more than its share of active cameras hands some back."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

from workers.contracts import SystemEvent
from workers.detector.followed import FollowedCamera

log = logging.getLogger(__name__)

#: peers not heard from for this long are gone
PEER_TIMEOUT_S = 15.0
BALANCE_EVERY_S = 5.0


class Peers:
    def __init__(self, role: str, worker_id: str):
        self.role, self.worker_id = role, worker_id
        #: peer worker id -> when last heard (monotonic)
        self._heard: dict[str, float] = {}

    def heard(self, event: SystemEvent) -> None:
        """A heartbeat on ``system.events``: a peer of our role alive, or stopped."""
        if event.event_type == "health" and event.data.get("role") == self.role:
            if event.data.get("state") == "stopped":
                self._heard.pop(event.source, None)
            else:
                self._heard[event.source] = time.monotonic()

    async def rebalance(self, cameras: dict[str, FollowedCamera],
                        follow: Callable[[str], Awaitable[None]]) -> None:
        """Hand back cameras beyond our share: re-subscribing puts us at the back of the
        camera's consumer line, so a peer's standby consumer becomes the active one."""
        now = time.monotonic()
        self._heard = {p: t for p, t in self._heard.items() if now - t < PEER_TIMEOUT_S}
        workers = len(self._heard | {self.worker_id: now})
        if workers < 2:
            return
        share = math.ceil(len(cameras) / workers)
        active = sorted(c.camera_id for c in cameras.values() if c.active(now))
        for camera_id in active[share:]:
            cam = cameras[camera_id]
            log.info("giving camera %s back (%d active, share %d of %d workers)",
                     camera_id, len(active), share, workers)
            if cam.sub is not None:
                await cam.sub.cancel()
                cam.sub = None
            cam.last_frame = 0.0
            cam.pipeline = None  # the next owner's tracker starts afresh; so would ours
            await follow(camera_id)
