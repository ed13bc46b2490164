"""What a camera worker puts on ``camera.events``: frames, status and errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import cv2
import numpy as np

from workers.bus import Bus, PublishError, Unroutable
from workers.bus.outbox import FactOutbox, journal_path
from workers.contracts import CameraError, CameraStatus, Contract, Frame

log = logging.getLogger(__name__)

#: status and errors are re-sent or superseded soon; a camera never waits longer on the broker
EVENT_PUBLISH_TIMEOUT = 2.0


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """Blocking: run in an executor."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"JPEG encoding failed for a {image.shape} image")
    return buf.tobytes()


class CameraPublisher:
    """Publishes for one worker; its ``worker_id`` is the bus's source name."""

    def __init__(self, bus: Bus, *, to_detectors_only: bool = False,
                 detect: Callable[[Frame], Awaitable[None]] | None = None):
        """``to_detectors_only`` (the site's privacy on): each frame goes straight to its
        camera's detector queue through the default exchange, which no queue can be bound to,
        instead of on ``camera.events`` where any console could follow it. ``detect``: the
        detector in this process (``camcount-worker camera --detect``), which gets every frame
        instead of the broker: what leaves is its pictures and results."""
        self.bus = bus
        self.to_detectors_only = to_detectors_only
        self.detect = detect
        self.worker_id = bus.source
        self._frames_failing = False
        #: state changes are facts (a camera's outage history): confirmed, or kept on disk
        self.facts = FactOutbox(bus, journal_path(bus, self.worker_id), name=self.worker_id)

    async def start(self) -> None:
        await self.facts.start()

    async def close(self) -> None:
        await self.facts.close()

    async def declare(self, camera_id: str) -> None:
        """The camera's frame queue must exist before its first frame, or the frame is lost."""
        if self.detect is not None:
            return  # frames never go on the broker
        await self.bus.declare_queue(self.bus.topology.frame_queue(camera_id))

    async def frame(self, frame: Frame) -> bool:
        """Publish a frame (at most once, not persisted); False if it was lost."""
        if self.detect is not None:
            await self.detect(frame)
            return True
        try:
            # The trace starts here: every result, count and alert derived from this frame
            # carries its message id.
            t = self.bus.topology
            exchange, key = (("", t.frame_queue(frame.camera_id).name) if self.to_detectors_only
                             else (t.camera_events, t.frame_key(frame.camera_id)))
            await self.bus.publish(exchange, key, frame, persistent=False,
                                   trace_id=frame.message_id)
        except Unroutable:
            log.warning("frame queue of camera %s is gone; declaring it again", frame.camera_id)
            try:
                await self.declare(frame.camera_id)
            except Exception as exc:
                log.warning("could not declare the frame queue of camera %s: %s", frame.camera_id, exc)
            return False
        except PublishError as exc:
            if not self._frames_failing:
                log.warning("frames are not reaching the broker: %s", exc)
                self._frames_failing = True
            return False
        if self._frames_failing:
            log.info("frames are reaching the broker again")
            self._frames_failing = False
        return True

    async def status(self, status: CameraStatus) -> None:
        await self._event(self.bus.topology.status_key(status.camera_id), status)

    async def state_changed(self, status: CameraStatus) -> None:
        """A new state: published live as every status is, and kept as a fact."""
        await self.status(status)
        await self.facts.put(self.bus.topology.camera_events,
                             self.bus.topology.state_key(status.camera_id), status)

    async def error(self, camera_id: str, code: str, message: str, source: str) -> None:
        error = CameraError(camera_id=camera_id, code=code, error=message, source=source)
        error.metadata.source = self.worker_id
        await self._event(self.bus.topology.error_key(camera_id), error)

    async def _event(self, key: str, message: Contract) -> None:
        # Nobody may be listening (mandatory=False), and a later status supersedes this one.
        try:
            async with asyncio.timeout(EVENT_PUBLISH_TIMEOUT):
                await self.bus.publish(self.bus.topology.camera_events, key, message,
                                       mandatory=False, persistent=False)
        except (PublishError, TimeoutError) as exc:
            log.debug("%s not published: %r", key, exc)
