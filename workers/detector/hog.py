"""OpenCV's HOG people detector: the fallback that needs no download and no torch.

It finds upright, full-body people at least ~128 px tall in the frame it searches, so it keeps
the demo honest on a machine without YOLO weights; it is no substitute for YOLO on real cameras.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

import cv2
import numpy as np

from workers.contracts.phrases import Phrase
from workers.detector.base import Detections, Detector, DetectorConfig

log = logging.getLogger(__name__)

PERSON = {0: "person"}  # COCO id 0, so results read the same as YOLO's
#: Frames are searched at most this wide: people must be ~128 px tall at that width. The sample
#: camera's (260-310 px of 540) are found as often at 480 px as at 640 px, in ~40 ms against ~75.
MAX_WIDTH = 480
#: Windows scoring above this SVM weight are kept, then grouped (a person needs 3 overlapping
#: windows). Below OpenCV's default of 0, so people the grouping confirms are not lost window by
#: window: on the sample videos 96.6% of walkers found per frame against 90.6% at 0, no false hits.
WINDOW_THRESHOLD = -0.25
#: Confidence = logistic(SLOPE * (group_weight - MIDPOINT)). Found walkers' groups weigh 0.3-1.8
#: (median 1.2); the default confidence 0.35 keeps groups from weight 0.1 (96.2% found).
SLOPE, MIDPOINT = 2.0, 0.4
NMS_IOU = 0.45
#: cameras searched at the same time by default. A search spreads over the cores unevenly (and
#: over one core where OpenCV's threading is off, as it is once ultralytics is imported); two
#: searches in two threads ran 1.27x the frames/s of one on the 2-core development machine
#: (docs/detector.md). ``DetectorConfig.throughput``: one lane per core
LANES = 2


def confidence_of(weight: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-SLOPE * (weight - MIDPOINT)))).astype(np.float32)


class HogDetector(Detector):
    """Person class only. ``fallback_reason`` set means YOLO could not be had, and why."""

    def __init__(self, config: DetectorConfig | None = None, *, fallback_reason: str = "",
                 short_reason: str = "", fallback_phrase: Phrase | None = None,
                 max_width: int = MAX_WIDTH) -> None:
        config = config or DetectorConfig()
        # One descriptor per inference thread: frames of several cameras are searched at the
        # same time (a search runs on one core where OpenCV's threading is off, as it is once
        # ultralytics is imported, and uses the cores unevenly where it is on).
        self._local = threading.local()
        self._max_width = max_width
        self._confidence = config.confidence
        self._enabled = "person" in config.classes
        if not self._enabled:
            log.warning("the HOG detector finds people only; classes %s get no detections",
                        config.classes)
        self.lanes = max(LANES, os.cpu_count() or 1) if config.throughput else LANES
        self.is_fallback = bool(fallback_reason)
        self.fallback_reason, self.fallback_phrase = fallback_reason, fallback_phrase
        self.model_version = (f"opencv-hog (fallback: {short_reason or fallback_reason})"
                              if fallback_reason else "opencv-hog")

    def detect(self, image_bgr: np.ndarray, classes: Sequence[str] | None = None) -> Detections:
        wanted = self._enabled if classes is None else not classes or "person" in classes
        if not wanted:
            return Detections.empty(PERSON)
        scale = min(1.0, self._max_width / image_bgr.shape[1])
        small = image_bgr if scale == 1.0 else cv2.resize(
            image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects, weights = self._descriptor().detectMultiScale(
            small, hitThreshold=WINDOW_THRESHOLD, winStride=(8, 8), padding=(8, 8), scale=1.05)
        if len(rects) == 0:
            return Detections.empty(PERSON)
        conf = confidence_of(np.ravel(weights))
        # Grouping leaves nested boxes of one person at different scales; keep the strongest.
        keep = np.ravel(cv2.dnn.NMSBoxes(rects.tolist(), conf.tolist(), self._confidence, NMS_IOU))
        if len(keep) == 0:
            return Detections.empty(PERSON)
        x, y, w, h = rects[keep].astype(np.float32).T
        # The detection window pads the person; trim it as OpenCV's peopledetect sample does.
        xyxy = np.stack([x + 0.1 * w, y + 0.05 * h, x + 0.9 * w, y + 0.95 * h], axis=1) / scale
        return Detections(xyxy.astype(np.float32), conf[keep], np.zeros(len(keep), int), PERSON)

    def _descriptor(self) -> cv2.HOGDescriptor:
        hog = getattr(self._local, "hog", None)
        if hog is None:
            hog = self._local.hog = cv2.HOGDescriptor()
            hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        return hog

    def unknown_classes(self, classes: Sequence[str]) -> list[str]:
        return [c for c in classes if c != "person"]
