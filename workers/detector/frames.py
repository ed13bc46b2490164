"""One camera frame through the detector: decoded and run through the camera's pipeline in
executor threads, never on the event loop; crossings published as facts (kept on disk until the
broker confirms them), the result live for the wall and the live rules."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import cv2
import numpy as np

from workers.bus import Bus, PublishError
from workers.bus.outbox import FactOutbox
from workers.contracts import CountEvents, DetectionBlock, DetectionResult, Frame, ZoneSet
from workers.detector.base import Detector, DetectorConfig
from workers.detector.camera_settings import CameraSettings, ReportError
from workers.detector.followed import FollowedCamera
from workers.detector.pictures import PicturePublisher
from workers.detector.pipeline import CameraPipeline
from workers.heatmap import HeatAccumulator

log = logging.getLogger(__name__)

#: a frame older than this when it reaches us is dropped: live counts want the present
MAX_FRAME_AGE_S = 5.0


class FrameHandler:
    def __init__(self, bus: Bus, worker_id: str, config: DetectorConfig,
                 settings: CameraSettings, facts: FactOutbox,
                 worker_detector: Callable[[], Detector | None], report_error: ReportError,
                 taking_over: Callable[[str], None], *, infer: ThreadPoolExecutor,
                 decode: ThreadPoolExecutor, pictures: PicturePublisher):
        self.bus, self.worker_id, self.config = bus, worker_id, config
        self.settings, self.facts = settings, facts
        self._worker_detector = worker_detector
        self._report_error = report_error
        #: told when a camera's frames start coming here (its active consumer is gone)
        self._taking_over = taking_over
        self._infer, self._decode = infer, decode
        self.pictures = pictures
        #: live results the broker could not take (stale by the time it could)
        self.live_dropped = 0

    async def on_frame(self, cam: FollowedCamera, frame: Frame) -> None:
        now = time.monotonic()
        if not cam.active(now):
            log.info("camera %s: its frames come here now", cam.camera_id)
            self._taking_over(cam.camera_id)
        cam.last_frame = now
        cam.recent = [t for t in cam.recent if now - t < 5.0] + [now]
        cam.fps = (len(cam.recent) - 1) / max(now - cam.recent[0], 1e-6) if len(cam.recent) > 1 else 0.0
        age = (datetime.now(UTC) - frame.timestamp).total_seconds()
        if age > MAX_FRAME_AGE_S:
            cam.stale_dropped += 1
            return
        if not cam.first_sight(frame.frame_id):
            cam.replayed_dropped += 1
            return
        loop = asyncio.get_running_loop()
        image = await loop.run_in_executor(self._decode, _decode, frame.jpeg)
        if image is None:
            await self._report_error(frame.camera_id, "decode_failed",
                                     "frame is not a decodable JPEG")
            return
        worker_detector = self._worker_detector()
        assert worker_detector is not None
        detector = cam.detector or worker_detector
        if cam.pipeline is None:
            cam.pipeline = CameraPipeline(detector, self.settings.zones_for(frame), self.config)
            cam.pipeline.use(detector, cam.classes)
        outcome = await loop.run_in_executor(self._infer, cam.pipeline.process, image,
                                             frame.timestamp)
        cam.frames += 1
        result = DetectionResult(
            camera_id=frame.camera_id, frame_id=frame.frame_id, frame_timestamp=frame.timestamp,
            frame_width=image.shape[1], frame_height=image.shape[0],
            detection_results=DetectionBlock(
                detections=outcome.detections, total_count=len(outcome.detections),
                processing_time=outcome.processing_time,
                model_version=cam.model_version or outcome.model_version,
                motion_skipped=outcome.motion_skipped),
            counting_data=outcome.counting)
        result.metadata.source = self.worker_id
        t = self.bus.topology
        zones = cam.pipeline.zone_set
        if cam.heat is None:
            cam.heat = HeatAccumulator(frame.camera_id, flush_every_s=self.config.heatmap_flush_s)
        due = cam.heat.add(((d.track_id, d.bbox) for d in outcome.detections), image.shape[1],
                           image.shape[0], frame.timestamp)
        if due:
            await self.pictures.heatmaps(due, image, outcome.detections, zones)
        # The picture before the result computed on it, as the camera worker's would be.
        await self.pictures.pictures(frame, image, outcome.detections, zones)
        if outcome.counting.events:
            # Facts first: confirmed by the broker, or kept on disk until it takes them.
            facts = CountEvents(camera_id=frame.camera_id, frame_id=frame.frame_id,
                                frame_timestamp=frame.timestamp,
                                zones_version=outcome.counting.zones_version,
                                events=outcome.counting.events)
            facts.metadata.source = self.worker_id
            await self.facts.put(t.camera_events, t.counts_key(frame.camera_id), facts)
        try:
            # Live: for the wall and live rules. Nobody following it is not an error, and one
            # the broker cannot take now is stale by the time it could.
            await self.bus.publish(t.camera_events, t.detection_key(frame.camera_id), result,
                                   mandatory=False, persistent=False)
        except PublishError as exc:
            self.live_dropped += 1
            log.debug("camera %s: live result not published: %s", frame.camera_id, exc)


def warm_up(detector: Detector, config: DetectorConfig) -> None:
    """Run one blank frame through a throwaway pipeline: the tracker's imports (torch and
    ultralytics for a HOG worker) and first runs take seconds, which a standby taking over a
    camera must not spend on the camera's first frame. Blocking: run in the inference thread."""
    width, height = 640, 360
    pipeline = CameraPipeline(detector, ZoneSet(camera_id="warm-up", frame_width=width,
                                                frame_height=height), config)
    pipeline.process(np.zeros((height, width, 3), np.uint8), datetime.now(UTC))


def _decode(jpeg: bytes) -> np.ndarray | None:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
