"""Camera frames through the detector: each camera's newest frame when an inference lane is free
(``scheduler``), decoded and run through the camera's pipeline in executor threads, never on the
event loop, several cameras' frames in one detector call; crossings published as facts (kept on
disk until the broker confirms them), the result live for the wall and the live rules, and the
counted frame, drawn, as the snapshot that is the evidence of its crossings (best effort: never
at a count's expense)."""

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
from workers.contracts import (
    CountEvents,
    DetectionBlock,
    DetectionResult,
    Frame,
    Snapshot,
    ZoneSet,
)
from workers.detector.base import Detections, Detector, DetectorConfig
from workers.detector.camera_settings import CameraSettings, ReportError
from workers.detector.followed import FollowedCamera
from workers.detector.pictures import PicturePublisher, masked_only, view_image
from workers.detector.pipeline import CameraPipeline, FrameOutcome, Step
from workers.detector.scheduler import FrameScheduler
from workers.detector.snapshot import draw_snapshot, encode_capped
from workers.heatmap import HeatAccumulator
from workers.privacy import PrivacySettings
from workers.tasks import cancel_and_wait

log = logging.getLogger(__name__)

#: snapshots being drawn or sent at once; more are dropped (counted), never waited for: a broker
#: that is away must not hold up the frames behind a counted one
SNAPSHOTS_IN_FLIGHT = 4

#: a frame older than this when it reaches us is dropped: live counts want the present
MAX_FRAME_AGE_S = 5.0


class FrameHandler:
    def __init__(self, bus: Bus, worker_id: str, config: DetectorConfig,
                 settings: CameraSettings, facts: FactOutbox,
                 worker_detector: Callable[[], Detector | None], report_error: ReportError,
                 taking_over: Callable[[str], None], *, infer: ThreadPoolExecutor,
                 decode: ThreadPoolExecutor, pictures: PicturePublisher, lanes: int = 1,
                 batch: int = 1):
        self.bus, self.worker_id, self.config = bus, worker_id, config
        self.settings, self.facts = settings, facts
        self._worker_detector = worker_detector
        self._report_error = report_error
        #: told when a camera's frames start coming here (its active consumer is gone)
        self._taking_over = taking_over
        self._infer, self._decode = infer, decode
        self.pictures = pictures
        self.scheduler = FrameScheduler(self.analyse, lanes=lanes, batch=batch)
        #: live results the broker could not take (stale by the time it could)
        self.live_dropped = 0
        self.snapshots_published = 0
        #: snapshots not made or not taken by the broker (their counts are not affected)
        self.snapshots_dropped = 0
        self._snapshots: set[asyncio.Task[None]] = set()

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
        # analysed, or skipped for a newer frame; acknowledged only then
        await self.scheduler.submit(cam, frame)

    async def analyse(self, batch: list[tuple[FollowedCamera, Frame]]) -> list[BaseException | None]:
        """One lane's frames (one per camera): decoded, then motion gate, detector (the frames of
        one model in one call), tracker and counting for each, all in one trip to an inference
        thread; facts and results published. An outcome per frame: None or what went wrong."""
        worker_detector = self._worker_detector()
        assert worker_detector is not None
        jobs: list[tuple[CameraPipeline, bytes, datetime]] = []
        for cam, frame in batch:
            if cam.pipeline is None:
                detector = cam.detector or worker_detector
                cam.pipeline = CameraPipeline(detector, self.settings.zones_for(frame), self.config)
                cam.pipeline.use(detector, cam.classes)
            jobs.append((cam.pipeline, frame.jpeg, frame.timestamp))
        done = await asyncio.get_running_loop().run_in_executor(self._infer, run_pipelines, jobs)
        outcomes: list[BaseException | None] = [None] * len(batch)
        for i, ((cam, frame), (image, outcome)) in enumerate(zip(batch, done, strict=True)):
            if image is None:
                await self._report_error(frame.camera_id, "decode_failed",
                                         "frame is not a decodable JPEG")
                continue
            try:
                if isinstance(outcome, BaseException):
                    raise outcome
                await self._publish(cam, frame, image, outcome)
            except Exception as exc:
                outcomes[i] = exc
        return outcomes

    async def _publish(self, cam: FollowedCamera, frame: Frame, image: np.ndarray,
                       outcome: FrameOutcome) -> None:
        cam.frames += 1
        skipped, cam.skipped_since_result = cam.skipped_since_result, 0
        result = DetectionResult(
            camera_id=frame.camera_id, frame_id=frame.frame_id, frame_timestamp=frame.timestamp,
            frame_width=image.shape[1], frame_height=image.shape[0],
            detection_results=DetectionBlock(
                detections=outcome.detections, total_count=len(outcome.detections),
                processing_time=outcome.processing_time,
                model_version=cam.model_version or outcome.model_version,
                motion_skipped=outcome.motion_skipped, frames_skipped=skipped),
            counting_data=outcome.counting)
        result.metadata.source = self.worker_id
        t = self.bus.topology
        zones = cam.pipeline.zone_set if cam.pipeline is not None else self.settings.zones_for(frame)
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
            if self.config.snapshot_max_bytes > 0:
                self._snapshot_later(frame, image, outcome, zones, facts.message_id)
        try:
            # Live: for the wall and live rules. Nobody following it is not an error, and one
            # the broker cannot take now is stale by the time it could.
            await self.bus.publish(t.camera_events, t.detection_key(frame.camera_id), result,
                                   mandatory=False, persistent=False)
        except PublishError as exc:
            self.live_dropped += 1
            log.debug("camera %s: live result not published: %s", frame.camera_id, exc)

    def _snapshot_later(self, frame: Frame, image: np.ndarray, outcome: FrameOutcome,
                        zones: ZoneSet, event_message_id: str) -> None:
        if len(self._snapshots) >= SNAPSHOTS_IN_FLIGHT:
            self.snapshots_dropped += 1
            return
        task = asyncio.get_running_loop().create_task(
            self._publish_snapshot(frame, image, outcome, zones, event_message_id))
        self._snapshots.add(task)
        task.add_done_callback(self._snapshots.discard)

    async def close(self) -> None:
        """Stop the snapshots under way: evidence, not worth holding up a shutdown for."""
        await cancel_and_wait(*self._snapshots)

    async def _publish_snapshot(self, frame: Frame, image: np.ndarray, outcome: FrameOutcome,
                                zones: ZoneSet, event_message_id: str) -> None:
        """The counted frame, drawn and capped, keyed by its count events' message id. Not
        through the outbox and not mandatory: a snapshot that cannot be made or sent is counted
        as dropped, and its count stands without it."""
        try:
            jpeg = await asyncio.get_running_loop().run_in_executor(
                self._decode, _snapshot_jpeg, image, outcome, zones,
                self.config.snapshot_max_bytes, self.pictures.privacy)
            snap = Snapshot(camera_id=frame.camera_id, event_message_id=event_message_id,
                            frame_id=frame.frame_id, taken_at=frame.timestamp,
                            width=image.shape[1], height=image.shape[0],
                            shape_ids=sorted({e.shape_id for e in outcome.counting.events}),
                            jpeg=jpeg)
            snap.metadata.source = self.worker_id
            t = self.bus.topology
            await self.bus.publish(t.camera_events, t.snapshot_key(frame.camera_id), snap,
                                   mandatory=False)
            self.snapshots_published += 1
        except Exception as exc:  # evidence only: never at the expense of the frames behind it
            self.snapshots_dropped += 1
            log.warning("camera %s: snapshot of frame %s not published: %s", frame.camera_id,
                        frame.frame_id, exc)


def _snapshot_jpeg(image: np.ndarray, outcome: FrameOutcome, zones: ZoneSet,
                   max_bytes: int, privacy: PrivacySettings) -> bytes:
    # evidence is a picture people look at: hidden as the wall's is (masks always filled)
    seen = (view_image(image, outcome.detections, zones, privacy) if privacy.on
            else masked_only(image, zones))
    drawn = draw_snapshot(seen, outcome.detections, zones, outcome.counting.events)
    return encode_capped(drawn, max_bytes)


def run_pipelines(jobs: list[tuple[CameraPipeline, bytes, datetime]]
                  ) -> list[tuple[np.ndarray | None, FrameOutcome | BaseException]]:
    """Several cameras' JPEG frames, one each, decoded (the GIL released meanwhile) and through
    their pipelines: the frames that need the same detector go to it in one ``detect_many`` call.
    Blocking: run in an inference thread. Per frame, its image (None: not a decodable JPEG) and
    its outcome, or the exception that frame (or its detector's call) raised."""
    images = [_decode(jpeg) for _, jpeg, _ in jobs]
    steps: list[Step | BaseException] = []
    for (pipeline, _, at), image in zip(jobs, images, strict=True):
        try:
            steps.append(pipeline.begin(image, at) if image is not None
                         else ValueError("not a decodable JPEG"))
        except Exception as exc:
            steps.append(exc)
    found: dict[int, Detections | BaseException] = {}
    by_detector: dict[int, list[int]] = {}
    for i, step in enumerate(steps):
        if isinstance(step, Step) and step.infer:
            by_detector.setdefault(id(step.detector), []).append(i)
    took: dict[int, float] = {}
    for indexes in by_detector.values():
        first = steps[indexes[0]]
        assert isinstance(first, Step)
        t0 = time.perf_counter()
        try:
            results = first.detector.detect_many(
                [steps[i].image for i in indexes],  # type: ignore[union-attr]
                [steps[i].classes for i in indexes])  # type: ignore[union-attr]
        except Exception as exc:
            results = [exc] * len(indexes)
        share = (time.perf_counter() - t0) / len(indexes)
        for i, r in zip(indexes, results, strict=True):
            found[i], took[i] = r, share
    outcomes: list[FrameOutcome | BaseException] = []
    for i, ((pipeline, _, _), step) in enumerate(zip(jobs, steps, strict=True)):
        if isinstance(step, BaseException):
            outcomes.append(step)
            continue
        hit = found.get(i)
        if isinstance(hit, BaseException):
            outcomes.append(hit)
            continue
        try:
            outcomes.append(pipeline.finish(step, hit, took.get(i, 0.0)))
        except Exception as exc:
            outcomes.append(exc)
    return list(zip(images, outcomes, strict=True))


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
