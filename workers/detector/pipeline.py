"""One camera's frames in, in order: motion gate, detector, tracker, counting engine.

Skipping is safe for the counts because the gate only skips frames in which nothing moved since
the last inference: the tracks of that inference are still true, so they are fed to the counting
engine again (a person standing still stays in their zone and their dwell keeps growing) while
the tracker is not stepped (nothing moved, so it has nothing to learn). When a forced refresh of
a static scene misses someone the last inference saw, they are kept at their last box for as
long as the tracker remembers them: with no motion nobody can have left, so the miss is the
detector's, and letting it through would make the counting engine see an exit and a re-entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from workers.contracts.detection import CountingData, Detection
from workers.contracts.zones import ZoneSet
from workers.counting import CountingEngine, TrackedObject
from workers.detector.base import Detections, Detector, DetectorConfig
from workers.detector.motion import MotionGate, Verdict
from workers.detector.tracking import LOST_SECONDS, Track, create_tracker
from workers.metrics import COUNT_EVENTS, FRAMES_ANALYSED, INFERENCE_SECONDS, MOTION_SKIPPED, TRACKS

#: rate assumed until frame timestamps tell: the camera worker's default analysis rate
DEFAULT_FPS = 5.0
#: the counting engine outlives the tracker's memory of a lost track, so a track the tracker
#: finds again is judged on its move since last seen rather than started afresh
FORGET_SECONDS = LOST_SECONDS + 1.0
#: tracks are forgotten by time, not by frame count: analysis rates differ between cameras
_NO_FRAME_LIMIT = 2**31


@dataclass(frozen=True)
class FrameOutcome:
    detections: list[Detection]
    counting: CountingData
    #: inference skipped because nothing moved; detections are the last inference's tracks
    motion_skipped: bool
    #: seconds spent on this frame: motion check, inference, tracking and counting
    processing_time: float
    #: the detector's, which may change between frames (a camera's own model loaded)
    model_version: str


@dataclass(frozen=True)
class Step:
    """A frame between ``CameraPipeline.begin`` and ``finish``."""

    image: np.ndarray
    at: datetime
    verdict: Verdict
    detector: Detector
    classes: list[str] | None
    started: float  # perf_counter

    @property
    def infer(self) -> bool:
        return self.verdict.infer


@dataclass
class PipelineStats:
    frames: int = 0
    inferences: int = 0
    skipped: int = 0
    inference_seconds: float = 0.0

    @property
    def mean_inference_ms(self) -> float:
        return 1000.0 * self.inference_seconds / self.inferences if self.inferences else 0.0


class CameraPipeline:
    """Blocking, and for one camera: call ``process`` with its frames in order, from one thread
    at a time. The detector may be shared by many pipelines; detectors serialise ``detect``."""

    def __init__(self, detector: Detector, zones: ZoneSet, config: DetectorConfig) -> None:
        #: (detector, classes) swapped whole, so a frame never sees one without the other
        self._using: tuple[Detector, list[str] | None] = (detector, None)
        self.config = config
        self.stats = PipelineStats()
        self._zones = zones
        self._engine = CountingEngine(zones, max_track_age=_NO_FRAME_LIMIT,
                                      max_track_age_seconds=FORGET_SECONDS)
        self._tracker = create_tracker(config.tracker, DEFAULT_FPS)
        self._gate = MotionGate() if config.motion_skip else None
        self._tracks: list[Track] = []  # what the last inference saw (and what is still held)
        self._last_at: datetime | None = None
        self._interval = 1.0 / DEFAULT_FPS  # smoothed seconds between frames

    @property
    def zone_set(self) -> ZoneSet:
        """The lines and zones in use, or about to be from the next frame."""
        return self._zones

    @property
    def detector(self) -> Detector:
        return self._using[0]

    def use(self, detector: Detector, classes: list[str] | None) -> None:
        """Detect with ``detector`` and these classes (None: the detector's own) from the next
        frame; tracks and totals carry on."""
        self._using = (detector, classes)

    def set_zones(self, zones: ZoneSet) -> None:
        """Use ``zones`` from the next frame; totals of surviving lines and zones carry on."""
        self._zones = zones
        self._engine.set_zones(zones)

    def process(self, image_bgr: np.ndarray, at: datetime) -> FrameOutcome:
        step = self.begin(image_bgr, at)
        if not step.infer:
            return self.finish(step, None, 0.0)
        t0 = time.perf_counter()
        found = step.detector.detect(image_bgr, step.classes)
        return self.finish(step, found, time.perf_counter() - t0)

    def begin(self, image_bgr: np.ndarray, at: datetime) -> Step:
        """The first half of ``process``: whether this frame needs the detector, and which. The
        worker runs the detector of several cameras' frames together (``detect_many``), then
        ``finish`` es each."""
        start = time.perf_counter()
        self._follow_rate(at)
        verdict = self._gate.check(image_bgr, at) if self._gate is not None else Verdict.MOTION
        self.stats.frames += 1
        detector, classes = self._using
        return Step(image_bgr, at, verdict, detector, classes, start)

    def finish(self, step: Step, found: Detections | None, took: float) -> FrameOutcome:
        """Track and count what the detector ``found`` on the frame of ``step`` (None when the
        frame needed no inference); ``took``: this frame's share of the inference time."""
        if step.infer:
            assert found is not None
            self.stats.inference_seconds += took
            INFERENCE_SECONDS.labels(self._zones.camera_id).observe(took)
            self.stats.inferences += 1
            tracks = self._tracker.update(found, step.image)
            if step.verdict is Verdict.REFRESH:
                tracks += self._held(tracks)
            self._tracks = tracks
        else:
            self.stats.skipped += 1
            MOTION_SKIPPED.labels(self._zones.camera_id).inc()
        counting = self._engine.update(
            [TrackedObject(t.track_id, t.class_name, t.xyxy) for t in self._tracks], step.at)
        self._measure(counting)
        detections = [
            Detection(class_name=t.class_name, class_id=t.class_id,
                      confidence=min(max(t.confidence, 0.0), 1.0), bbox=t.xyxy, track_id=t.track_id)
            for t in self._tracks
        ]
        return FrameOutcome(detections, counting, not step.infer,
                            time.perf_counter() - step.started, step.detector.model_version)

    def _measure(self, counting: CountingData) -> None:
        camera = self._zones.camera_id
        FRAMES_ANALYSED.labels(camera).inc()
        TRACKS.labels(camera).set(len(self._tracks))
        for e in counting.events:
            COUNT_EVENTS.labels(camera, e.kind, e.shape_id, e.direction).inc()

    def _held(self, tracks: list[Track]) -> list[Track]:
        """Tracks of the last inference this static refresh missed but the tracker still holds."""
        seen = {t.track_id for t in tracks}
        remembered = self._tracker.lost_ids()
        return [t for t in self._tracks if t.track_id not in seen and t.track_id in remembered]

    def _follow_rate(self, at: datetime) -> None:
        """Tell the tracker the rate frames really arrive at, so it keeps lost tracks for
        ``LOST_SECONDS`` whatever the camera's analysis rate."""
        if self._last_at is not None:
            dt = (at - self._last_at).total_seconds()
            if dt > 0:
                self._interval += 0.2 * (dt - self._interval)
                self._tracker.set_frame_rate(1.0 / self._interval)
        self._last_at = at
