"""The detector interface every backend implements, and its configuration."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from workers.contracts.phrases import Phrase
from workers.contracts.snapshots import SNAPSHOT_BYTES


@dataclass(frozen=True)
class Detections:
    """Raw detections of one image, before tracking."""

    xyxy: np.ndarray  # (N, 4) float32, pixels of the image given to detect()
    confidence: np.ndarray  # (N,) float32 in [0, 1]
    class_id: np.ndarray  # (N,) int
    names: Mapping[int, str]  # class id -> COCO name

    def __len__(self) -> int:
        return len(self.confidence)

    @classmethod
    def empty(cls, names: Mapping[int, str]) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, int), names)


@dataclass
class DetectorConfig:
    #: "auto": YOLO if weights can be loaded, else the HOG fallback (and say why)
    kind: Literal["auto", "yolo", "hog"] = "auto"
    #: weights path; else $CAMCOUNT_MODEL; else the ultralytics default name (downloads online)
    model: str | None = None
    #: OpenVINO runs 1.2-1.3x PyTorch at the same input size on a 2-core CPU (bench/detector.py).
    #: A smaller input is faster still, but costs recall on small, distant people: 640 until a
    #: measurement on real people shows a smaller size loses no counts (docs/detector.md)
    backend: Literal["pytorch", "onnx", "openvino"] = "openvino"
    imgsz: int = 640
    confidence: float = 0.35
    classes: list[str] = field(default_factory=lambda: ["person"])
    tracker: Literal["bytetrack", "botsort"] = "bytetrack"
    #: skip inference on frames where nothing moved
    motion_skip: bool = True
    #: inference lanes: frames of this many cameras analysed at the same time (a camera is in
    #: one lane at a time); 0: the detector's own choice (``Detector.lanes``)
    lanes: int = 0
    #: cameras' frames given to the detector in one call, per lane (YOLO runs them as a batch)
    batch: int = 1
    #: more frames/s across cameras at the cost of each frame's latency: OpenVINO's
    #: "THROUGHPUT" hint, its streams fed by that many lanes; HOG searches one frame per core
    #: in as many lanes (``bench/cameras.py``)
    throughput: bool = False
    #: fetch weights named by an ultralytics name when they are not on disk (the console's local
    #: mode does not: it starts offline, with the HOG fallback, and never reaches out on its own)
    download: bool = True
    #: the JPEG of each counted frame (the evidence of its count events) is at most this large;
    #: 0: publish no snapshots
    snapshot_max_bytes: int = SNAPSHOT_BYTES
    #: seconds of frames (their own time) in one heatmap fact at most, within an hour
    heatmap_flush_s: float = field(
        default_factory=lambda: float(os.environ.get("CAMCOUNT_HEATMAP_FLUSH_S", "300")))


class Detector(ABC):
    """Blocking inference; callers run it in an executor, never on an event loop."""

    #: what every DetectionResult reports, e.g. "yolo11n.pt/openvino@640" or "opencv-hog (fallback…)"
    model_version: str
    #: True for the HOG fallback, so the console can say so on screen
    is_fallback: bool = False
    #: why the fallback was chosen, in words for the operator ("" when not a fallback)
    fallback_reason: str = ""
    #: the same as a code and values, which the console says in its language
    fallback_phrase: Phrase | None = None
    #: inference lanes that give the most frames/s across cameras (``DetectorConfig.lanes``)
    lanes: int = 1

    @abstractmethod
    def detect(self, image_bgr: np.ndarray, classes: Sequence[str] | None = None) -> Detections:
        """``classes``: COCO names to report (empty: every class); None: the configured ones."""

    def detect_many(self, images_bgr: Sequence[np.ndarray],
                    classes: Sequence[Sequence[str] | None]) -> list[Detections]:
        """``detect`` on several cameras' frames (``classes[i]`` for ``images_bgr[i]``). A
        backend that gains from it runs them together; this one runs them in turn."""
        return [self.detect(image, c) for image, c in zip(images_bgr, classes, strict=True)]

    def unknown_classes(self, classes: Sequence[str]) -> list[str]:
        """The names in ``classes`` this detector cannot report, so a camera asking for them
        is told at once rather than counting nothing in silence."""
        return []
