"""What the detector publishes besides results: pictures for people (privacy) and heatmaps.

With the site's privacy on, the camera worker sends its frames point to point to the detectors'
queues, so the only pictures on ``camera.events`` are the ones made here: the frame just
analysed with its people hidden (``obscure``), on ``camera.view.{id}``, before the result
computed on it. With ``blur`` the frame as taken (privacy masks still filled) also goes to
``camera.faces``, which only accounts with the "see faces" right may read; ``strict`` never
publishes it. Heatmap facts gathered from the tracks go through the fact outbox, with a small
reference picture of the scene, people always hidden.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from workers.bus import Bus, PublishError
from workers.bus.outbox import FactOutbox
from workers.contracts import Detection, Frame, HeatmapFact, ZoneSet, new_id
from workers.contracts.heatmap import MAX_REFERENCE_BYTES
from workers.privacy import PrivacySettings, obscure

log = logging.getLogger(__name__)

#: width of a heatmap's reference picture
REFERENCE_WIDTH = 480


def boxes_of(detections: Sequence[Detection]) -> list[tuple[float, float, float, float]]:
    return [d.bbox for d in detections]


def view_image(image: np.ndarray, detections: Sequence[Detection], zones: ZoneSet,
               privacy: PrivacySettings) -> np.ndarray:
    """The frame as people on the wall may see it. Blocking: run in an executor."""
    return obscure(image, boxes_of(detections), [m.points for m in zones.privacy_masks], privacy,
                   [z.points for z in zones.zones])


def masked_only(image: np.ndarray, zones: ZoneSet) -> np.ndarray:
    """The frame as taken, privacy masks filled (what the "see faces" right shows)."""
    return obscure(image, [], [m.points for m in zones.privacy_masks])


def reference_jpeg(image: np.ndarray, detections: Sequence[Detection], zones: ZoneSet) -> bytes:
    """A small picture of the scene for drawing a heatmap over: people always hidden, whatever
    the site's setting (it is kept for months). Blocking: run in an executor."""
    hidden = obscure(image, boxes_of(detections), [m.points for m in zones.privacy_masks])
    h, w = hidden.shape[:2]
    small = cv2.resize(hidden, (REFERENCE_WIDTH, max(1, round(h * REFERENCE_WIDTH / w))),
                       interpolation=cv2.INTER_AREA) if w > REFERENCE_WIDTH else hidden
    for quality in (70, 50, 30):
        ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(buf) <= MAX_REFERENCE_BYTES:
            return buf.tobytes()
    raise ValueError("the reference picture does not fit the heatmap message")


def _encode(image: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"JPEG encoding failed for a {image.shape} image")
    return buf.tobytes()


class PicturePublisher:
    def __init__(self, bus: Bus, facts: FactOutbox, privacy: PrivacySettings, worker_id: str,
                 executor: ThreadPoolExecutor, *, wall: bool = False):
        """``wall``: publish the wall's pictures with privacy off too (a detector inside the
        camera worker: no frame of that worker goes on the broker for the wall to show)."""
        self.bus, self.facts, self.privacy = bus, facts, privacy
        self.wall = wall
        self.worker_id = worker_id
        self._executor = executor
        #: pictures for the wall the broker could not take (live: stale by the time it could)
        self.dropped = 0

    async def pictures(self, frame: Frame, image: np.ndarray, detections: Sequence[Detection],
                       zones: ZoneSet) -> None:
        """Publish the analysed frame for people to look at, as the site's privacy allows."""
        t = self.bus.topology
        if not self.privacy.on:
            if self.wall:  # as the camera worker took it (its masks filled there)
                await self._live(t.camera_events, t.view_key(frame.camera_id), frame, frame.jpeg)
            return  # else the wall gets the camera worker's own frames
        loop = asyncio.get_running_loop()
        view = await loop.run_in_executor(self._executor, lambda: _encode(
            view_image(image, detections, zones, self.privacy), frame.quality))
        await self._live(t.camera_events, t.view_key(frame.camera_id), frame, view, hidden=True)
        if self.privacy.mode == "blur":
            faces = frame.jpeg if not zones.privacy_masks else await loop.run_in_executor(
                self._executor, lambda: _encode(masked_only(image, zones), frame.quality))
            await self._live(t.camera_faces, t.faces_key(frame.camera_id), frame, faces)

    async def heatmaps(self, facts: Sequence[HeatmapFact], image: np.ndarray | None,
                       detections: Sequence[Detection], zones: ZoneSet | None) -> None:
        """Heatmap facts, confirmed by the broker or kept on disk until it takes them."""
        reference = None
        if facts and image is not None and zones is not None:
            try:
                reference = await asyncio.get_running_loop().run_in_executor(
                    self._executor, reference_jpeg, image, detections, zones)
            except ValueError as exc:
                log.warning("camera %s: heatmap without a reference picture: %s",
                            facts[0].camera_id, exc)
        t = self.bus.topology
        for fact in facts:
            if reference is not None and fact.frame_width == image.shape[1]:  # type: ignore[union-attr]
                fact = fact.model_copy(update={"reference_jpeg": reference})
            fact.metadata.source = self.worker_id
            await self.facts.put(t.camera_events, t.heatmap_key(fact.camera_id), fact)

    async def _live(self, exchange: str, key: str, frame: Frame, jpeg: bytes, *,
                    hidden: bool = False) -> None:
        out = frame.model_copy(update={"jpeg": jpeg, "message_id": new_id(),
                                       "people_hidden": hidden})
        out.metadata.source = self.worker_id
        try:
            # Nobody following is not an error, and a picture the broker cannot take now is
            # stale by the time it could.
            await self.bus.publish(exchange, key, out, mandatory=False, persistent=False)
        except PublishError as exc:
            self.dropped += 1
            log.debug("camera %s: picture not published on %s: %s", frame.camera_id, key, exc)
