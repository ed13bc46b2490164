"""Sharing cameras between detector workers. Every worker follows every camera; the broker picks
one active consumer per camera's frame queue. Peers are known from their heartbeats, and a
worker holding more than its share of active cameras hands some back."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

from workers.bus import Bus, BusError
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
        #: the cameras each peer said it was active for in its last heartbeat
        self._cameras: dict[str, set[str]] = {}

    def heard(self, event: SystemEvent) -> None:
        """A heartbeat on ``system.events``: a peer of our role alive, or stopped."""
        if event.event_type == "health" and event.data.get("role") == self.role:
            if event.data.get("state") == "stopped":
                self._heard.pop(event.source, None)
                self._cameras.pop(event.source, None)
            else:
                self._heard[event.source] = time.monotonic()
                self._cameras[event.source] = set(event.data.get("cameras_active") or [])

    def taking_over(self, camera_id: str) -> None:
        """The camera's frames come to us now, so the peer that was its active consumer has died
        or handed it over: it is no standby until it beats again (a killed one never does), or
        rebalancing would hand a camera to a dead worker and only reset the camera's tracker."""
        for peer, cameras in list(self._cameras.items()):
            if camera_id in cameras and peer != self.worker_id:
                self._heard.pop(peer, None)
                del self._cameras[peer]

    async def rebalance(self, bus: Bus, cameras: dict[str, FollowedCamera],
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
            if not await _has_standby(bus, camera_id):
                continue
            log.info("giving camera %s back (%d active, share %d of %d workers)",
                     camera_id, len(active), share, workers)
            if cam.sub is not None:
                await cam.sub.cancel()
                cam.sub = None
            cam.last_frame = 0.0
            cam.pipeline = None  # the next owner's tracker starts afresh; so would ours
            await follow(camera_id)


async def _has_standby(bus: Bus, camera_id: str) -> bool:
    """Whether another worker consumes the camera's frames (a peer may follow other cameras than
    ours): handing a camera to nobody would only reset its tracker."""
    name = bus.topology.frame_queue(camera_id).name
    try:
        depth = (await bus.queue_depths([name])).get(name)
    except BusError as exc:
        log.info("camera %s kept: its standby consumers are not known (%s)", camera_id, exc)
        return False
    return depth is not None and depth.consumers > 1
